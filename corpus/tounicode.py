"""PDFs whose text layer lies: copies with every font's /ToUnicode map removed (issue #15).

The page draws the same glyphs, but its text decodes to control characters or wrong CJK, as in
exported PDFs with subset fonts. Used by the scanned bench slice and the text-layer tests.
"""
from __future__ import annotations

import io


def strip_tounicode(data: bytes, pages: list[int] | None = None) -> bytes:
    """The same PDF (or the given 0-based pages of it) with every font's /ToUnicode map removed: it renders
    the same, its text layer lies — the exported PDFs with subset fonts that issue #15 is about. Needs pypdf
    (a test extra)."""
    import pypdf
    from pypdf.generic import NameObject
    r = pypdf.PdfReader(io.BytesIO(data))
    w = pypdf.PdfWriter()
    for i, p in enumerate(r.pages):
        if pages is None or i in pages:
            w.add_page(p)
    for p in w.pages:
        for f in (p.get("/Resources", {}).get("/Font", {}) or {}).values():
            f = f.get_object()
            if "/ToUnicode" in f:
                del f[NameObject("/ToUnicode")]
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()
