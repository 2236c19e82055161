"""Document → record. Each field family is one module with ``extract(doc, rec)`` that fills its
part of the record (see ``schema``) and the provenance of what it found."""
from __future__ import annotations

import hashlib
import re

from extractors.model import Document

from . import fields
from .schema import REPORT_FIELDS, empty_record

# order matters where a family reads what an earlier one found (funds reads the region, etc.)
FAMILIES = fields.FAMILIES


def doc_id_of(doc: Document) -> str:
    """Content hash of the normalized text: the same report in another encoding or with other
    line endings is the same document."""
    key = re.sub(r"\s+", "", doc.text)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def narrative(doc: Document) -> list[dict]:
    """Paragraphs and headings in reading order, each with the heading it sits under."""
    out, section = [], None
    for b in doc.blocks:
        if b.kind == "table":
            continue
        if b.kind == "heading":
            section = b.text.strip()
        out.append({"text": b.text, "page": b.page, "start": b.start, "section": section,
                    "kind": b.kind, "level": b.level})
    return out


def build_record(doc: Document) -> dict:
    rec = empty_record()
    rec.update(doc_id=doc_id_of(doc), source_path=doc.source_path, source_format=doc.source_format,
               pages=doc.pages, text_chars=len(doc.text))
    rec["narrative"] = narrative(doc)
    for fam in FAMILIES:
        fam(doc, rec)
    return rec


__all__ = ["build_record", "doc_id_of", "REPORT_FIELDS", "empty_record"]
