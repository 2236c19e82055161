"""Golden-file tests: every seed rendition (txt, docx, pdf, other encodings) and every sample
report in corpus/samples extracts to what its ground truth says, field by field, and fires the
rules its truth says must fire and none it says must not."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from corpus import truth as T
from pipeline.flow import process_file
from tests.conftest import SAMPLES, SEEDS

FORMATS = ("txt", "docx", "pdf", "encodings")


@lru_cache(maxsize=None)
def _run(path: str) -> dict:
    return process_file(path)


def _seed_cases():
    if not (SEEDS / "gold.json").exists():
        yield pytest.param("(seeds absent)", "txt", id="seeds-absent")   # the fixture skips or fails
        return
    for stem in T.load(SEEDS / "gold.json")["reports"]:
        for fmt in FORMATS:
            if _renditions(SEEDS, stem, fmt):
                yield pytest.param(stem, fmt, id=f"{stem[:3]}-{fmt}")


def _renditions(seeds: Path, stem: str, fmt: str) -> list[Path]:
    if fmt == "encodings":
        return sorted((seeds / fmt).glob(f"{stem}_*.txt"))
    p = seeds / fmt / f"{stem}.{fmt}"
    return [p] if p.exists() else []


@pytest.mark.parametrize("stem,fmt", list(_seed_cases()))
def test_seed_extracts_every_gold_field(seeds, gold, stem, fmt):
    """All scalar fields, level-1/level-3 indicators and problems agree with gold.json."""
    paths = _renditions(seeds, stem, fmt)
    for p in paths:
        res = _run(str(p))
        assert res["status"] == "ok", res["error"]
        ok, total, misses = T.compare(gold[stem], res["record"])
        assert ok == total, f"{p.name}: {misses}"


@pytest.mark.parametrize("stem,fmt", list(_seed_cases()))
def test_seed_findings_match_gold(seeds, gold, stem, fmt):
    """Rules gold.json says must fire do fire; rules it says must not fire stay silent."""
    paths = _renditions(seeds, stem, fmt)
    for p in paths:
        missing, wrong = T.findings_check(gold[stem], _run(str(p))["findings"])
        assert not wrong, f"{p.name}: fired but must not: {wrong}"
        assert not missing, f"{p.name}: must fire but did not: {missing}"


SAMPLE_TRUTHS = sorted(SAMPLES.glob("*.truth.json"))


def _sample_file(truth: Path) -> Path:
    stem = truth.name[: -len(".truth.json")]
    return next(p for p in truth.parent.glob(stem + ".*") if not p.name.endswith(".json"))


@pytest.mark.parametrize("truth", SAMPLE_TRUTHS, ids=[t.name.split(".")[0] for t in SAMPLE_TRUTHS])
def test_sample_report_matches_its_truth(truth):
    """Our own sample reports (other programmes, provinces, layouts, units) extract exactly."""
    res = _run(str(_sample_file(truth)))
    assert res["status"] == "ok", res["error"]
    t = T.load(truth)
    ok, total, misses = T.compare(t, res["record"])
    assert ok == total, misses
    missing, wrong = T.findings_check(t, res["findings"])
    assert not wrong and not missing, (missing, wrong)


def test_samples_exist_in_every_kind_of_layout():
    """The sample corpus covers txt, md and docx so `make ingest` has something real to read."""
    kinds = {_sample_file(t).suffix for t in SAMPLE_TRUTHS}
    assert {".txt", ".docx", ".md"} <= kinds
