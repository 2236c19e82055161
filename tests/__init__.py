"""Tests (a package so `python -m tests.fuzz` runs)."""
