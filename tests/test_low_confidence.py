"""Plausibility before a finding: an OCR'd number that breaks its own table is re-read (the other
engine's reading kept by the extractor) or, when nothing fits, every finding that rests on it is an
info ``meta.low_confidence_ocr`` naming the page and the cell — never an error. Confidently read
figures and text renditions keep their findings."""
from __future__ import annotations

import copy

import pytest

from extractors.model import Document
from pipeline import rules
from pipeline.record import ocr_check
from pipeline.record.schema import empty_record

# an invented level-1 table on page 2 of a scan: weights 20/20/30/30, stated total 89
ROWS = [("决策", 20, 18.0), ("过程", 20, 17.5), ("产出", 30, 26.5), ("效益", 30, 27.0)]


def _case(misread: str | None = None, alternatives: tuple[str, ...] = (), conf: float = 0.93,
          ocr: bool = True, total: float = 89.0):
    rec = empty_record()
    rec.update(doc_id="t", total_score=total, ocr_pages=1 if ocr else 0)
    rec["provenance"]["total_score"] = {"page": 3, "text": f"综合得分{total:g}分"}
    cells = []
    for r, (name, w, s) in enumerate(ROWS, start=1):
        text = misread if (misread and name == "产出") else f"{s:g}"
        score = float(text)
        ev = f"{name} | {w} | {text}"
        rec["indicators"].append({"level": 1, "dimension": name, "name": name, "parent": None, "weight": float(w),
                                  "score": score, "rate_pct": None, "page": 2, "evidence": ev, "source": "table"})
        cells += [{"page": 2, "row": r, "col": 1, "text": str(w), "confidence": 0.95, "alternatives": []},
                  {"page": 2, "row": r, "col": 2, "text": text, "confidence": conf if name == "产出" else 0.95,
                   "alternatives": list(alternatives) if name == "产出" else []}]
    doc = Document("x.pdf", "pdf", meta={"ocr_pages": [2, 3] if ocr else [], "ocr_cells": cells if ocr else []})
    return doc, rec


def _findings(doc, rec):
    ocr_check.extract(doc, rec)
    return rules.run(rec)


def _ids(fs, severity=None):
    return {f["rule_id"] for f in fs if severity is None or f["severity"] == severity}


def test_misread_score_with_a_fitting_reread_takes_it_and_notes_both():
    doc, rec = _case(misread="2650", alternatives=("26.50",))
    fs = _findings(doc, rec)
    assert rec["indicators"][2]["score"] == 26.5
    note = rec["provenance"]["ocr_reread:产出.score"]["text"]
    assert "2650" in note and "26.5" in note and note and rec["provenance"]["ocr_reread:产出.score"]["page"] == 2
    assert not _ids(fs) & {"score.total_mismatch", "score.over_weight", "meta.low_confidence_ocr"}


def test_misread_score_without_a_reread_is_info_naming_page_and_cell_never_error():
    doc, rec = _case(misread="2650")
    fs = _findings(doc, rec)
    assert not _ids(fs, "error") and not _ids(fs, "warning")
    low = [f for f in fs if f["rule_id"] == "meta.low_confidence_ocr"]
    assert low and all(f["severity"] == "info" for f in low)
    msg = " ".join(f["message"] for f in low)
    assert "第2页" in msg and "第4行第3列“2650”" in msg and "score.total_mismatch" in msg
    assert rec["indicators"][2]["score"] == 2650.0      # the value stays as read


def test_a_reread_that_does_not_fit_is_not_taken():
    doc, rec = _case(misread="2650", alternatives=("2.65",))
    fs = _findings(doc, rec)
    assert rec["indicators"][2]["score"] == 2650.0
    assert "score.total_mismatch" not in _ids(fs)


def test_confidently_read_mismatch_stays_an_error():
    # every cell within its weight and read with high confidence: the report's own arithmetic is wrong
    doc, rec = _case(total=91.0)
    fs = _findings(doc, rec)
    assert "score.total_mismatch" in _ids(fs, "error")


def test_low_confidence_cell_demotes_the_finding_it_feeds():
    doc, rec = _case(misread="24.5", conf=0.41)      # within its weight, but barely legible
    fs = _findings(doc, rec)
    assert "score.total_mismatch" not in _ids(fs)
    assert any("score.total_mismatch" in f["message"] and f["rule_id"] == "meta.low_confidence_ocr" for f in fs)


def test_text_rendition_is_unaffected():
    doc, rec = _case(misread="2650", ocr=False)
    before = copy.deepcopy(rec)
    fs = _findings(doc, rec)
    assert rec == before
    assert {"score.total_mismatch", "score.over_weight"} <= _ids(fs, "error")
    assert "meta.low_confidence_ocr" not in _ids(fs)


@pytest.mark.parametrize("rate,broken", [(105.0, True), (88.3, False)])
def test_rate_above_100_is_a_suspect(rate, broken):
    doc, rec = _case()
    rec["indicators"][0]["rate_pct"] = rate
    ocr_check.extract(doc, rec)
    assert any(s["key"] == "rate_pct" for s in rec["ocr_suspects"]) == broken


def test_level1_sum_missed_in_a_table_not_read_whole_is_info():
    doc, rec = _case(total=91.0)
    rec["indicators"][1]["weight"] = None            # a weight the recogniser lost
    fs = _findings(doc, rec)
    assert "score.total_mismatch" not in _ids(fs, "error")
    assert any("score.total_mismatch" in f["message"] for f in fs if f["rule_id"] == "meta.low_confidence_ocr")


def test_weak_weight_is_replaced_by_the_reread_that_fits_score_rate_and_sums():
    # weight 20 of 过程 read "28" with low confidence; the larger re-read says 20 (fits 17.5 ÷ 20 = 87.5 %)
    doc, rec = _case()
    rec["indicators"][1].update(weight=28.0, rate_pct=87.5, evidence="过程 | 28 | 17.5 | 87.5%")
    for c in doc.meta["ocr_cells"]:
        if c["row"] == 2 and c["col"] == 1:
            c.update(text="28", confidence=0.3, alternatives=["26", "20"])
    fs = _findings(doc, rec)
    assert rec["indicators"][1]["weight"] == 20.0
    assert "ocr_reread:过程.weight" in rec["provenance"]
    assert not _ids(fs, "error") and not _ids(fs, "warning")


def test_an_info_finding_on_a_weak_cell_keeps_its_own_id():
    # a truncated rate (66.66 for 2 ÷ 3) is no alarm: it stays score.rate_mismatch (info)
    doc, rec = _case()
    rec["indicators"].append({"level": 2, "dimension": "决策", "name": "立项依据", "parent": "决策", "weight": 3.0,
                              "score": 2.0, "rate_pct": 66.66, "page": 2, "evidence": "立项依据 | 3 | 2 | 66.66%",
                              "source": "table"})
    doc.meta["ocr_cells"].append({"page": 2, "row": 6, "col": 2, "text": "2", "confidence": 0.4, "alternatives": []})
    fs = _findings(doc, rec)
    assert any(f["rule_id"] == "score.rate_mismatch" and f["severity"] == "info" for f in fs)


def test_score_above_weight_names_both_cells_to_check():
    doc, rec = _case(misread="2650")
    fs = _findings(doc, rec)
    msg = next(f["message"] for f in fs if f["rule_id"] == "meta.low_confidence_ocr" and "score.over_weight" in f["message"])
    assert "第4行第3列“2650”" in msg and "第4行第2列“30”" in msg
