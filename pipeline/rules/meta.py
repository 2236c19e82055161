"""Meta: core fields that could not be found, and sections of the standard outline that are missing."""
from __future__ import annotations

from typing import Iterator

from ..vocab import SECTION_HEADINGS
from .base import Rule

# (label, fields): the finding fires when every field of the group is missing
CORE = (
    ("总分", ("total_score",)),
    ("评价等级", ("grade",)),
    ("资金金额（预算安排/到位/支出）", ("allocated_wan", "received_wan", "spent_wan")),
    ("评价年度", ("fiscal_year",)),
    ("所属地区（省/县）", ("county", "province")),
)


class MissingField(Rule):
    id = "meta.missing_field"
    severity = "info"
    doc = "a core field (total score, grade, amounts, year, region) could not be found"
    template = "未能从报告中识别出{expected}，请人工查看原文补录或确认报告是否缺少该项。"
    groups = CORE

    def check(self, rec: dict) -> Iterator[dict]:
        for label, fields in self.groups:
            if all(rec.get(f) in (None, "") for f in fields):
                yield self.finding(expected=label, actual="未识别", evidence=rec.get("title"))


class MissingSection(Rule):
    id = "meta.missing_section"
    severity = "warning"
    doc = "a section of the standard outline (基本情况, 评价结论/得分, 存在问题, 建议) is missing (False); unknown is not reported"
    template = "报告中未找到“{expected}”部分，请确认报告是否缺少该章节。"
    required = tuple(SECTION_HEADINGS)       # the parts sections.py looks for (pipeline/vocab.py)

    def check(self, rec: dict) -> Iterator[dict]:
        secs = rec.get("sections") or {}
        for name in self.required:
            if secs.get(name) is False:  # absent key = not determined, not missing
                yield self.finding(expected=name, actual="缺失", evidence=rec.get("title"))


class LowConfidenceOcr(Rule):
    """Not in the contract's list: an extension (new id) for scanned reports."""
    id = "meta.low_confidence_ocr"
    severity = "info"
    doc = "a value was read by OCR from text recognised with low confidence: check it against the scan"
    template = "“{field}”取自扫描件第{page_no}页，OCR 识别置信度仅{actual}，请对照原件核对该数值。"

    def check(self, rec: dict) -> Iterator[dict]:
        for lc in rec.get("low_confidence") or []:
            yield self.finding(expected=None, actual=f"{lc['confidence']:.2f}", evidence=lc.get("text"),
                               page=lc.get("page"), field=lc["field"], page_no=lc.get("page"))
