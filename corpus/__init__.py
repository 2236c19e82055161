"""Synthetic corpus generator (python -m corpus.generate) — see corpus/generate.py."""
