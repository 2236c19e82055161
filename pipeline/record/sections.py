"""Which parts of the standard outline a report has: 基本情况, 评价结论/得分, 存在问题, 建议."""
from __future__ import annotations

import re

from extractors.model import Document

SECTIONS = {
    "基本情况": r"基本情况|项目概况|项目概述|基本概况|项目简介",
    "评价结论": r"评价结论|评价结果|综合评价|绩效分析|得分情况|评分情况|评价得分|自评结论",
    "存在问题": r"(存在|主要|发现)的?(主要)?问题|问题(及|和|与)?(原因|分析|不足)|^[\W\d一二三四五六七八九十、.．（）()]*问题$|不足之处",
    "建议": r"建议|改进措施|整改措施|改进意见",
}


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
