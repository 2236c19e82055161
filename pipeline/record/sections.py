"""Which parts of the standard outline a report has: 基本情况, 评价结论/得分, 存在问题, 建议."""
from __future__ import annotations

import re

from extractors.model import Document

from ..vocab import SECTION_HEADINGS

# record keys this family reads and writes (checked against the family order in fields.py)
READS: tuple[str, ...] = ()
WRITES: tuple[str, ...] = ("sections",)

# the heading words of each part live in pipeline/vocab.py, shared with problems.py and meta.missing_section
SECTIONS = SECTION_HEADINGS


def extract(doc: Document, rec: dict) -> None:
    heads = [b.text for b in doc.blocks if b.kind == "heading" or (b.kind == "paragraph" and len(b.text) <= 20)]
    cells = [c.text for b in doc.tables() for c in b.cells if len(c.text) <= 20]
    found = {}
    for name, pat in SECTIONS.items():
        found[name] = any(re.search(pat, h) for h in heads + cells)
    # a report with almost no headings (a pasted one-column text) cannot be judged
    if sum(1 for b in doc.blocks if b.kind == "heading") < 3 and not cells:
        found = {k: (True if v else None) for k, v in found.items()}
        found = {k: v for k, v in found.items() if v is not None}
    rec["sections"] = found
