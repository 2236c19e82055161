"""Finding labelled values in a document's text: "预算执行率为46.37%", "下达资金 31.62 万元",
"评价得分 83.65 分". One place for the patterns every field family shares, so each family
states *what* it looks for (labels, unit) and not *how* a number is written."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from extractors.model import Document

from pipeline.vocab import AMOUNT_UNITS, CN_NUMERALS, NUM, SCORE_CN_NUMERALS, alternation

from . import numbers, prov

AMOUNT_UNIT = alternation(tuple(AMOUNT_UNITS))
# an amount in words starts with a digit word ("玖拾万元", "三十万元"), never with 万/亿/点 alone
CN_AMOUNT = r"[零〇○一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾][%s]*" % CN_NUMERALS
# an amount per person / per month / per km is a standard, not an amount of the programme
NOT_PER = r"(?![/／每])"
# between a label and its value: words that introduce it, never a sentence end or another figure
GAP = r"[^。；;！？\d\n表图附见]{0,%d}?"
INTRO = r"(?:为|是|达到|达|约|共|共计|合计|累计|总计|：|:|\s)*"


# the patterns are built from word lists at call time; compiled once each (re's own cache is shared by
# every module and too small to keep them all)
compiled = lru_cache(maxsize=None)(re.compile)


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
        val = rf"(?P<v>{NUM}|{CN_AMOUNT})\s*(?P<u>{AMOUNT_UNIT}){NOT_PER}"
    elif kind == "percent":
        val = rf"(?:(?P<v>{NUM})\s*[%％]|百分之(?P<w>[{CN_NUMERALS}]+))"
    elif kind == "score":
        # a score in words only where 分 closes it ("九十三分"): "十项指标" is no score
        # (a tab is a cell border: "总分\t100\t88" is a figure then the next cell)
        val = rf"(?P<v>{NUM}(?![ \u3000\n\r]*[%％.\d\-—–])|[{SCORE_CN_NUMERALS}]{{1,8}}(?=\s*分))(?:\s*分)?"
    else:
        val = rf"(?P<v>{NUM})"
    pat = compiled(rf"(?:{label}){GAP % gap}{INTRO}{val}")
    for m in pat.finditer(src):
        raw = m.group("v")
        if raw is None:          # "百分之七十"
            v = numbers.parse_percent(m.group(0)[m.start("w") - m.start() - 3:])
            if v is not None:
                yield Hit(v, src[m.start("w") - 3:m.end()], offset + m.start("w") - 3, offset + m.end(),
                          offset + m.start())
            continue
        if kind == "amount":
            v = numbers.parse_amount(raw + m.group("u"))
        else:
            v = numbers.parse_number(raw)
        if v is None:
            continue
        yield Hit(v, src[m.start("v"):m.end()], offset + m.start("v"), offset + m.end(), offset + m.start())


# figures that are not quantities of the programme: years, dates, document numbers
NOT_FIGURES = re.compile(
    r"[〔\[【(（]\s*(?:19|20)\d\d\s*[〕\]】)）]\s*(?:第\s*)?\d{0,5}\s*号?"       # 〔2023〕10号, (2021)5号
    r"|[〔\[【]\s*(?:19|20)\d\d\s*\d{0,5}\s*号"                                # closing bracket lost
    r"|(?:19|20)\d\d\s*[〕\]】]\s*(?:第\s*)?\d{1,5}\s*号"                      # opening bracket lost
    r"|(?:19|20)\d\d\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}"                      # 2023-09-26
    r"|(?:19|20)\d\d\s*年(?:度)?(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?"         # 2022年12月8日, 2023年度
    r"|\d{1,2}\s*月\s*\d{1,2}\s*日")
_MASKED: list = [None, ""]


def masked(doc: Document) -> str:
    """doc.text with the digits of years, dates and document numbers blanked ("2023年" → "____年"),
    same length, so that "下达**县2023年中央…资金3185万元" reads as a label and its amount: a year
    between them is not another figure. Spans found in it are spans of doc.text."""
    if _MASKED[0] is doc.text:
        return _MASKED[1]
    out = NOT_FIGURES.sub(lambda m: re.sub(r"\d", "_", m.group(0)), doc.text)
    _MASKED[0], _MASKED[1] = doc.text, out
    return out


def first(doc: Document, label: str, kind: str, **kw) -> Hit | None:
    return next(labelled(doc, label, kind, **kw), None)


def head(doc: Document, chars: int = 6000) -> str:
    return doc.text[:chars]
