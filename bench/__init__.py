"""make bench — speed, memory and accuracy on synthetic corpora (python -m bench)."""
