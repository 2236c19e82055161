"""The benchmark's own arithmetic: planted recall/precision and field accuracy count what they
say, and a scanned copy really has no text layer (so the OCR figures measure OCR)."""
from __future__ import annotations

from collections import defaultdict

import pytest

from bench.__main__ import scan_copy
from bench.metrics import field_accuracy, planted_scores


def _truth(must, must_not):
    return {"findings": {"must": must, "must_not": must_not}}


def test_planted_scores_count_misses_and_false_findings():
    truths = {"a": _truth(["funds.x"], ["score.y"]), "b": _truth([], ["funds.x", "score.y"]),
              "c": _truth(["score.y"], [])}
    fired = {"a": {"funds.x", "score.y"}, "b": set(), "c": set()}
    s = planted_scores(fired, truths)
    assert (s["tp"], s["fn"], s["fp"]) == (1, 1, 1)
    assert s["planted_recall"] == 0.5 and s["planted_precision"] == 0.5
    assert s["clean_reports_with_false_finding"] == 0.0       # b is clean and nothing fired on it
    assert s["per_rule"]["score.y"] == {"tp": 0, "fn": 1, "fp": 1, "recall": 0.0, "precision": 0.0}


def test_field_accuracy_counts_a_missing_report_as_wrong():
    # fields the truth does not give are None (a defaultdict stands in for a full truth JSON)
    truths = {"r1": defaultdict(lambda: None, total_score=91.5, grade="优", survey={}),
              "r2": defaultdict(lambda: None, total_score=80.0, grade="良", survey={})}
    rows = [{"source_path": "/x/r1.pdf", "total_score": 91.5, "grade": "优"}]
    acc = field_accuracy(rows, truths)
    assert acc["total_score"] == 0.5 and acc["grade"] == 0.5


@pytest.mark.seeds
def test_scan_copy_has_pages_but_no_text_layer(seeds, tmp_path):
    import pypdfium2 as pdfium
    src = min((seeds / "pdf").glob("*.pdf"), key=lambda p: p.stat().st_size)
    out = tmp_path / "scan.pdf"
    n = scan_copy(src, out, dpi=60)
    doc = pdfium.PdfDocument(str(out))
    try:
        assert len(doc) == n == len(pdfium.PdfDocument(str(src)))
        assert all(doc[i].get_textpage().get_text_range().strip() == "" for i in range(n))
    finally:
        doc.close()
