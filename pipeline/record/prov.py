"""Provenance: where in the document a value was found (page, span, the source text)."""
from __future__ import annotations

import re

from extractors.model import Document


def span(doc: Document, start: int, end: int, pad: int = 30) -> dict:
    """Provenance of doc.text[start:end], with some context as evidence."""
    a, b = max(0, start - pad), min(len(doc.text), end + pad)
    return {"page": doc.page_at(start), "start": start, "end": end,
            "text": doc.text[a:b].replace("\n", " ").strip()}


def note(rec: dict, field: str, doc: Document, start: int, end: int) -> None:
    rec["provenance"][field] = span(doc, start, end)


def search(doc: Document, pattern: str | re.Pattern, flags: int = 0):
    """First match of a pattern in the document text."""
    return re.search(pattern, doc.text, flags) if isinstance(pattern, str) else pattern.search(doc.text)
