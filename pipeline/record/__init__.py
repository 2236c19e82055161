"""Document → record. Each field family is one module with ``extract(doc, rec)`` that fills its
part of the record (see ``schema``) and the provenance of what it found."""
from __future__ import annotations

import hashlib
import re

from extractors.model import Document

from . import fields, prov
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


LOW_CONFIDENCE = 0.75   # OCR'd text below this mean word confidence is worth a look at the original


def low_confidence(doc: Document, rec: dict) -> list[dict]:
    """Fields whose source text was OCR'd with low confidence: {field, page, confidence, text}."""
    out = []
    for field, p in rec["provenance"].items():
        start = p.get("start") if isinstance(p, dict) else None
        if start is None:
            continue
        b = next((b for b in doc.blocks if b.start <= start <= b.end), None)
        if b is not None and b.confidence is not None and b.confidence < LOW_CONFIDENCE:
            out.append({"field": field, "page": b.page, "confidence": b.confidence, "text": p.get("text")})
    for it in rec["indicators"]:
        b = next((b for b in doc.tables() if b.page == it.get("page") and it.get("name") and it["name"] in b.text), None)
        if b is not None and b.confidence is not None and b.confidence < LOW_CONFIDENCE:
            out.append({"field": f"indicator:{it['name']}", "page": b.page, "confidence": b.confidence,
                        "text": it.get("evidence")})
    return out


def build_record(doc: Document) -> dict:
    rec = empty_record()
    rec.update(doc_id=doc_id_of(doc), source_path=doc.source_path, source_format=doc.source_format,
               pages=doc.pages, text_chars=len(doc.text), ocr_pages=len(doc.meta.get("ocr_pages") or []))
    rec["narrative"] = narrative(doc)
    for fam in FAMILIES:
        fam(doc, rec)
    prov.add_boxes(doc, rec)     # PDF: every value's box on its page
    if doc.meta.get("ocr_pages"):
        from . import ocr_check     # OCR'd numbers that break their table: re-read or marked suspect
        ocr_check.extract(doc, rec)
        rec["low_confidence"] = low_confidence(doc, rec)
    return rec


__all__ = ["build_record", "doc_id_of", "REPORT_FIELDS", "empty_record"]
