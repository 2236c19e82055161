"""Safe text normalization that keeps a map back to the original characters.

What changes: full-width ASCII digits, letters and ``%．`` become half-width; compatibility
ideographs and Kangxi radicals become their unified ideographs (NFKC, per character);
the ideographic space and other odd spaces become a plain space; zero-width characters and
control characters go; spaces between two Chinese characters, or a Chinese character and a
number, go (PDF text layers and pasted
text insert them); CRLF becomes LF. What stays: Chinese punctuation （，。：） — downstream
patterns are written for it, and users read these texts.
"""
from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad"}
_SPACES = {"\u3000", "\u00a0", "\u2002", "\u2003", "\u2009", "\u202f", "\u205f"}


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x3000 <= o <= 0x303F
            or 0xFF01 <= o <= 0xFF0F and ch not in "％．" or ch in "，。：；！？、（）《》“”‘’【】")


def _numish(ch: str) -> bool:
    return ch.isascii() and (ch.isdigit() or ch == "%")


def _map_char(ch: str) -> str:
    o = ord(ch)
    if ch in _ZERO_WIDTH:
        return ""
    if ch in _SPACES:
        return " "
    if ch == "\r":
        return ""
    if 0xFF10 <= o <= 0xFF19 or 0xFF21 <= o <= 0xFF3A or 0xFF41 <= o <= 0xFF5A or ch in "％．＋－＝／＜＞":
        return unicodedata.normalize("NFKC", ch)
    if 0xF900 <= o <= 0xFAFF or 0x2F00 <= o <= 0x2FDF or 0x2E80 <= o <= 0x2EFF:
        return unicodedata.normalize("NFKC", ch)
    if o < 32 and ch not in "\n\t":
        return ""
    return ch


def normalize_with_map(raw: str) -> tuple[str, list[int]]:
    """Normalized text and, for each of its characters, the index in ``raw`` it came from."""
    out: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(raw):
        m = _map_char(ch)
        for c in m:
            out.append(c)
            idx.append(i)
    # drop runs of plain spaces between two Chinese characters, and between a Chinese
    # character and a number ("2024 年", "分值 17 分" in PDF text layers)
    text = "".join(out)
    keep = [True] * len(text)
    for m in re.finditer(r" +", text):
        a, b = m.start() - 1, m.end()
        if a < 0 or b >= len(text):
            continue
        ca, cb = text[a], text[b]
        if (_is_cjk(ca) or _numish(ca)) and (_is_cjk(cb) or _numish(cb)) and not (_numish(ca) and _numish(cb)):
            for k in range(m.start(), m.end()):
                keep[k] = False
    text = "".join(c for c, k in zip(text, keep) if k)
    idx = [i for i, k in zip(idx, keep) if k]
    return text, idx


class _CharTable(dict):
    """``str.translate`` table built lazily from ``_map_char`` (one Python call per distinct character)."""

    def __missing__(self, o: int) -> str:
        v = _map_char(chr(o))
        self[o] = v
        return v


_TABLE = _CharTable()
_SPACE_RUN = re.compile(r" +")


def normalize(raw: str) -> str:
    """``normalize_with_map(raw)[0]`` without the map, at C speed (the same rules)."""
    text = raw.translate(_TABLE)
    if " " not in text:
        return text
    n = len(text)

    def drop(m: re.Match) -> str:
        a, b = m.start() - 1, m.end()
        if a < 0 or b >= n:
            return m.group()
        ca, cb = text[a], text[b]
        if (_is_cjk(ca) or _numish(ca)) and (_is_cjk(cb) or _numish(cb)) and not (_numish(ca) and _numish(cb)):
            return ""
        return m.group()
    return _SPACE_RUN.sub(drop, text)


def squash(text: str) -> str:
    """Whitespace-free form, for matching labels across layouts ("合 计" == "合计")."""
    return re.sub(r"\s+", "", text)
