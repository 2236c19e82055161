"""Provenance: where in the document a value was found (page, span, the source text)."""
from __future__ import annotations

import re

from extractors.model import Document


def span(doc: Document, start: int, end: int, pad: int = 30) -> dict:
    """Provenance of doc.text[start:end], with some context as evidence — in the report's own
    characters: a traditional report is matched on a simplified copy (pipeline/script.py), a
    portal page on a copy with its furniture blanked (pipeline/furniture.py), both of the same
    length, so the offsets hold in the original kept in ``meta["original_text"]``."""
    text = doc.meta.get("original_text", doc.text)
    a, b = max(0, start - pad), min(len(text), end + pad)
    return {"page": doc.page_at(start), "start": start, "end": end,
            "text": text[a:b].replace("\n", " ").strip()}


def note(rec: dict, field: str, doc: Document, start: int, end: int) -> None:
    rec["provenance"][field] = span(doc, start, end)


def search(doc: Document, pattern: str | re.Pattern, flags: int = 0):
    """First match of a pattern in the document text."""
    return re.search(pattern, doc.text, flags) if isinstance(pattern, str) else pattern.search(doc.text)
