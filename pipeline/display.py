"""Text shown on a terminal: anything that could steer the terminal is made visible instead.

A file name, a report title or a cell value can hold ESC sequences (``\\x1b]0;…\\x07`` retitles the
window, ``\\x1b[2J`` clears the screen, OSC 52 writes the clipboard), C1 controls (``\\x9b`` is a
one-byte CSI on some terminals), bidi overrides that reorder what a reader sees (U+202E), and, in
file names that are not UTF-8, lone surrogates that cannot even be printed. ``printable`` writes
each such character as a visible escape (``\\x1b``, ``\\u202e``; an undecodable name byte as the
``\\xNN`` it stood for), so what is printed is what is there, and printing never fails.
"""
from __future__ import annotations

import re

# C0 controls, DEL, C1 controls; bidi embeddings/overrides/isolates and marks; line/paragraph
# separators (some terminals break lines there); lone surrogates (undecodable bytes of a file name)
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    if 0xDC80 <= c <= 0xDCFF:        # os.fsdecode's surrogateescape: the raw byte of the name
        return f"\\x{c - 0xDC00:02x}"
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def printable(s: str, newlines: bool = False) -> str:
    """``s`` with every control character, escape sequence introducer, bidi control and lone
    surrogate written as a visible escape; ``newlines=True`` keeps line breaks (for messages)."""
    if not isinstance(s, str):
        s = str(s)
    if newlines:
        return "\n".join(_UNSAFE.sub(_escape, ln) for ln in s.split("\n"))
    return _UNSAFE.sub(_escape, s)
