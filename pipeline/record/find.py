"""Finding labelled values in a document's text: "预算执行率为46.37%", "下达资金 31.62 万元",
"评价得分 83.65 分". One place for the patterns every field family shares, so each family
states *what* it looks for (labels, unit) and not *how* a number is written."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from extractors.model import Document

from . import numbers, prov

NUM = r"[-+]?\d[\d,]*(?:\.\d+)?"
AMOUNT_UNIT = r"(?:亿元|万元|千元|元|万)"
# between a label and its value: words that introduce it, never a sentence end or another figure
GAP = r"[^。；;！？\d\n表图附见]{0,%d}?"
INTRO = r"(?:为|是|达到|达|约|共|共计|合计|累计|总计|：|:|\s)*"


@dataclass
class Hit:
    value: float
    text: str            # the figure as stated, e.g. "46.37%"
    start: int           # span of the figure in doc.text
    end: int
    label_start: int

    def evidence(self, doc: Document) -> str:
        return sentence(doc.text, self.start)

    def prov(self, doc: Document) -> dict:
        p = prov.span(doc, self.label_start, self.end)
        p["text"] = self.evidence(doc)
        return p


def sentence(text: str, pos: int, limit: int = 160) -> str:
    """The clause around a position: from the previous sentence end to the next one."""
    a = max(text.rfind(c, max(0, pos - limit), pos) for c in "。；\n")
    b_candidates = [i for i in (text.find(c, pos, pos + limit) for c in "。；\n") if i != -1]
    b = min(b_candidates) + 1 if b_candidates else min(len(text), pos + limit)
    return text[a + 1:b].strip()


def labelled(doc: Document, label: str, kind: str, gap: int = 14, text: str | None = None,
             offset: int = 0) -> Iterator[Hit]:
    """Every value introduced by ``label`` (a regex), of kind ``amount`` (→ 万元), ``percent``,
    ``score`` (points, optional 分) or ``count``."""
    src = doc.text if text is None else text
    if kind == "amount":
        val = rf"(?P<v>{NUM})\s*(?P<u>{AMOUNT_UNIT})"
    elif kind == "percent":
        val = rf"(?P<v>{NUM})\s*[%％]"
    elif kind == "score":
        val = rf"(?P<v>{NUM})(?!\s*[%％.\d\-—–])(?:\s*分)?"
    else:
        val = rf"(?P<v>{NUM})"
    pat = re.compile(rf"(?:{label}){GAP % gap}{INTRO}{val}")
    for m in pat.finditer(src):
        raw = m.group("v")
        if kind == "amount":
            v = numbers.parse_amount(raw + m.group("u"))
        else:
            v = numbers.parse_number(raw)
        if v is None:
            continue
        yield Hit(v, src[m.start("v"):m.end()], offset + m.start("v"), offset + m.end(), offset + m.start())


def first(doc: Document, label: str, kind: str, **kw) -> Hit | None:
    return next(labelled(doc, label, kind, **kw), None)


def head(doc: Document, chars: int = 6000) -> str:
    return doc.text[:chars]
