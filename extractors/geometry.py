"""Where text sits on a PDF page: every character of a page with its box, and the box of a span of
``Document.text``.

A text page keeps the characters pypdfium2 reads from it, each with its box; a scanned page keeps
the characters of the OCR lines, each line's box shared out over its characters. Boxes are in PDF
points with the origin at the top-left of the page (its crop box) and y downwards, the way a page
image is read; ``width``/``height`` are the page's size in points.

``Document.text`` is not the page text: lines are joined into paragraphs, tables laid out cell by
cell, characters normalised (full-width digits, odd spaces), running heads removed. So a span is
found again on its page by its *key* — its characters normalised the same way, whitespace dropped
— and where the key occurs several times on the page, the occurrence whose neighbours match the
span's neighbours in the document wins. The box is the union of the found characters' boxes.
"""
from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field

from .normalize import _TABLE, _map_char

_SPACE, _NON_SPACE = re.compile(r"\s+"), re.compile(r"\S+")
CONTEXT_CHARS = 24          # neighbours compared on each side to choose among repeated occurrences
MAX_OCCURRENCES = 400       # a span repeated more often than this on one page is not worth a box


@dataclass
class PageGeometry:
    """One page's characters and their boxes (4 floats per character: x0, y0, x1, y1)."""
    width: float
    height: float
    chars: str = ""
    boxes: array = field(default_factory=lambda: array("f"))
    _key: tuple | None = field(default=None, repr=False, compare=False)

    def add(self, text: str, box: tuple[float, float, float, float]) -> None:
        """Characters that share one box (an OCR line: the box shared out evenly along it)."""
        if not text:
            return
        x0, y0, x1, y1 = box
        step = (x1 - x0) / len(text)
        for k, ch in enumerate(text):
            self.chars += ch
            self.boxes.extend((x0 + k * step, y0, x0 + (k + 1) * step, y1))
        self._key = None

    def key(self) -> tuple[str, list[int]]:
        """The page's characters as a key (normalised, no whitespace) and each key character's index."""
        if self._key is None:
            self._key = key_of(self.chars)
        return self._key

    def union(self, first: int, last: int) -> tuple[float, float, float, float] | None:
        """Union box of the characters first..last (indexes into ``chars``), empty boxes ignored."""
        b = self.boxes
        xs0, ys0, xs1, ys1 = [], [], [], []
        for k in range(first, last + 1):
            x0, y0, x1, y1 = b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3]
            if x1 <= x0 and y1 <= y0:
                continue
            xs0.append(x0), ys0.append(y0), xs1.append(x1), ys1.append(y1)
        if not xs0:
            return None
        return min(xs0), min(ys0), max(xs1), max(ys1)


def key_of(text: str) -> tuple[str, list[int]]:
    """``text`` normalised as ``normalize`` does character by character, whitespace dropped, and for
    each character of the result the index in ``text`` it came from."""
    mapped = text.translate(_TABLE)
    if len(mapped) == len(text):        # one character for each (nearly always): at C speed
        idx = [i for m in _NON_SPACE.finditer(mapped) for i in range(m.start(), m.end())]
        return _SPACE.sub("", mapped), idx
    out: list[str] = []
    idx = []
    for i, ch in enumerate(text):
        for c in _map_char(ch):
            if not c.isspace():
                out.append(c)
                idx.append(i)
    return "".join(out), idx




def key_text(text: str) -> str:
    """``key_of(text)[0]`` at C speed (the same character table), for the spans searched for."""
    return _SPACE.sub("", text.translate(_TABLE))


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def find_on_page(geo: PageGeometry, want: str, before: str, after: str) -> tuple[int, int, int] | None:
    """(first char, last char, context score) of the occurrence of key ``want`` on the page whose
    neighbours best match the keys ``before``/``after``; None when it does not occur."""
    key, idx = geo.key()
    if not want:
        return None
    best, pos, seen = None, key.find(want), 0
    while pos >= 0 and seen < MAX_OCCURRENCES:
        score = _common_suffix(key[max(0, pos - len(before)):pos], before) + \
            _common_prefix(key[pos + len(want):pos + len(want) + len(after)], after)
        if best is None or score > best[2]:
            best = (idx[pos], idx[pos + len(want) - 1], score)
        pos, seen = key.find(want, pos + 1), seen + 1
    return best


def locate(geometry: dict[int, PageGeometry], text: str, start: int, end: int, page: int | None) -> dict | None:
    """The box of ``text[start:end]`` (``text``: the document text in the report's own characters)
    on ``page`` or a page next to it (a paragraph or table can run onto the next page): {page, x0,
    y0, x1, y1, page_width, page_height}, or None when the span is not found there."""
    if page is None or not geometry:
        return None
    want = key_text(text[start:end])
    if not want:
        return None
    before = key_text(text[max(0, start - CONTEXT_CHARS * 2):start])[-CONTEXT_CHARS:]
    after = key_text(text[end:end + CONTEXT_CHARS * 2])[:CONTEXT_CHARS]
    found = None
    for p in (page, page + 1, page - 1):
        geo = geometry.get(p)
        hit = find_on_page(geo, want, before, after) if geo is not None else None
        if hit is not None and (found is None or hit[2] > found[1][2]):
            found = (p, hit)
        if found is not None and p == page:
            break                       # on its own page: the neighbours are not searched
    if found is None:
        return None
    p, (first, last, _) = found
    geo = geometry[p]
    box = geo.union(first, last)
    if box is None:
        return None
    return {"page": p, "x0": round(box[0], 2), "y0": round(box[1], 2), "x1": round(box[2], 2),
            "y1": round(box[3], 2), "page_width": round(geo.width, 2), "page_height": round(geo.height, 2)}


def page_geometry(page, textpage) -> PageGeometry | None:
    """A pypdfium2 page's characters and boxes; None for a rotated page (its boxes would need turning)."""
    import ctypes

    import pypdfium2.raw as raw
    if page.get_rotation() % 360:
        return None
    left, bottom, right, top = page.get_cropbox()
    geo = PageGeometry(width=right - left, height=top - bottom)
    n = textpage.count_chars()
    tp = textpage.raw
    text = textpage.get_text_range(0, n) if n else ""
    if len(text) != n:      # characters beyond the BMP come as two UTF-16 units: one by one then
        text = "".join(chr(u) if 0 < (u := raw.FPDFText_GetUnicode(tp, k)) < 0x110000 else "\x00" for k in range(n))
    # the loose box: the glyph's advance width and the font's ascent/descent, from the PDF's own metrics.
    # The tight box follows the glyph outline, which for a font the PDF does not embed comes from the
    # system font pdfium substitutes and its glyph cache: the same page then boxed a quarter point
    # apart in two processes. Loose boxes are the same everywhere, and cover a character's whole cell.
    rect = raw.FS_RECTF()
    ref = ctypes.byref(rect)
    get_box, boxes = raw.FPDFText_GetLooseCharBox, geo.boxes
    for k in range(n):      # ~5 µs a character: the one per-character call pdfium offers
        if get_box(tp, k, ref):
            boxes.extend((rect.left - left, top - rect.top, rect.right - left, top - rect.bottom))
        else:
            boxes.extend((0.0, 0.0, 0.0, 0.0))
    geo.chars = text
    return geo
