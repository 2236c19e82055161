"""Meta rules (pipeline/rules/meta.py): a missing core field or a section marked missing; unknown is not missing."""
from __future__ import annotations

import pytest

from tests.rulecase import findings, record

FULL = dict(total_score=83.65, grade="良", allocated_wan=3.46, fiscal_year=2024, county="景泰县", province="甘肃省")
SECS = {"基本情况": True, "评价结论": True, "存在问题": True, "建议": True}


def what(rec):
    return sorted((f["rule_id"], f["expected"]) for f in findings("meta", rec))


CASES = [
    ("all core fields and sections present: silent", record(**FULL, sections=SECS), []),
    ("no total score fires for 总分", record(**dict(FULL, total_score=None)), [("meta.missing_field", "总分")]),
    ("no grade fires for 评价等级", record(**dict(FULL, grade=None)), [("meta.missing_field", "评价等级")]),
    ("only spent known: amounts are not missing",
     record(**dict(FULL, allocated_wan=None, spent_wan=7.3)), []),
    ("no amount at all fires once", record(**dict(FULL, allocated_wan=None)),
     [("meta.missing_field", "资金金额（预算安排/到位/支出）")]),
    ("province without county is a region", record(**dict(FULL, county=None)), []),
    ("no region at all fires", record(**dict(FULL, county=None, province=None)), [("meta.missing_field", "所属地区（省/县）")]),
    ("no year fires", record(**dict(FULL, fiscal_year=None)), [("meta.missing_field", "评价年度")]),
    ("section marked False fires", record(**FULL, sections=dict(SECS, 建议=False)), [("meta.missing_section", "建议")]),
    ("section key absent is unknown: silent", record(**FULL, sections={"基本情况": True}), []),
]


@pytest.mark.parametrize("title,rec,expected", CASES, ids=[c[0] for c in CASES])
def test_meta_rules(title, rec, expected):
    assert what(rec) == expected, title


def test_low_confidence_ocr_field_points_the_reviewer_at_the_scan():
    """A value OCR'd with low confidence gets an info finding naming the field and the page."""
    from tests.rulecase import findings, record
    rec = record(low_confidence=[{"field": "total_score", "page": 3, "confidence": 0.61, "text": "总得分为8?.36分"}])
    got = [f for f in findings("meta", rec) if f["rule_id"] == "meta.low_confidence_ocr"]
    assert len(got) == 1 and got[0]["severity"] == "info" and got[0]["page"] == 3
    assert "total_score" in got[0]["message"] and "第3页" in got[0]["message"]
    assert not [f for f in findings("meta", record()) if f["rule_id"] == "meta.low_confidence_ocr"]


def test_low_confidence_fields_are_marked_from_ocr_blocks():
    """build_record marks a field whose source block carries a low OCR confidence."""
    from extractors.model import PARAGRAPH, Block, Document, assemble
    from pipeline.record import build_record
    doc = assemble(Document("s.pdf", "pdf", pages=1, meta={"ocr_pages": [1]}),
                   [Block(PARAGRAPH, "某县2023年度养老补助资金绩效评价报告", page=1, confidence=0.95),
                    Block(PARAGRAPH, "项目总得分为83.5分，评价等级为良。", page=1, confidence=0.55)])
    rec = build_record(doc)
    assert rec["total_score"] == 83.5
    assert {lc["field"] for lc in rec["low_confidence"]} >= {"total_score"}
