"""The synthetic corpus generator (corpus/generate.py): deterministic, clean reports genuinely
consistent, every per-report rule planted, TXT/DOCX carrying the score table."""
from __future__ import annotations

from decimal import Decimal

import pytest

from corpus.generate import generate, planted_rule, to_txt
from corpus.synth_render import build_blocks, truth
from corpus.synth_spec import ALWAYS_POSSIBLE, PLANTABLE, grade_of, make_spec, rate


def _half_up(num: float, den: float) -> float:
    return float(rate(round(num * 100), round(den * 100)))


@pytest.fixture(scope="module")
def corpus60() -> list[dict]:
    """Truths of a 60-report corpus (built in memory: same code path as the writer)."""
    out = []
    for i in range(60):
        spec = make_spec(7, i, planted_rule(i, 0.35))
        blocks = build_blocks(spec)
        out.append(dict(truth(spec, f"{i}.txt", "txt"), _text=to_txt(blocks)))
    return out


def test_same_seed_writes_identical_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(6, 3, a, ["txt", "docx"])
    generate(6, 3, b, ["txt", "docx"])
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert any(n.endswith(".docx") for n in names) and any(n.endswith(".txt") for n in names)
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes(), n


def test_other_seed_gives_other_reports(tmp_path):
    t1 = generate(3, 1, tmp_path / "a", ["txt"])
    t2 = generate(3, 2, tmp_path / "b", ["txt"])
    assert [t["county"] for t in t1] != [t["county"] for t in t2]


def test_clean_reports_are_internally_consistent(corpus60):
    clean = [t for t in corpus60 if not t["planted"]]
    assert len(clean) >= 30
    for t in clean:
        l1 = t["level1"]
        assert sum(x["weight"] for x in l1) == 100
        assert round(sum(x["score"] for x in l1), 2) == t["total_score"]
        assert t["grade"] == grade_of(round(t["total_score"] * 100))
        for x in l1:
            assert 0 <= x["score"] <= x["weight"]
            kids = [c for c in t["level2"] if c["dimension"] == x["dimension"]]
            assert round(sum(c["score"] for c in kids), 2) == x["score"]
            assert sum(c["weight"] for c in kids) == x["weight"]
            if x["rate_pct"] is not None:
                assert x["rate_pct"] == _half_up(x["score"], x["weight"])
        for c in t["level2"]:
            kids = [g for g in t["level3"] if g["parent"] == c["name"]]
            assert round(sum(g["score"] for g in kids), 2) == c["score"]
        assert t["execution_rate_pct"] == _half_up(t["spent_wan"], t["received_wan"])
        assert t["arrival_rate_pct"] == _half_up(t["received_wan"], t["allocated_wan"])
        assert t["execution_rate_pct"] >= 60
        rows = t["funding_table"]["rows"]
        for col in (1, 2, 3):
            assert round(sum(r[col] for r in rows[:-1]), 2) == rows[-1][col]
        assert t["findings"]["must"] == []
        assert not set(t["findings"]["must_not"]) & ALWAYS_POSSIBLE
        assert f"综合得分{t['total_score']:.2f}分" in t["_text"] or f"综合得分{t['total_score']:g}分" in t["_text"]


def test_clean_report_text_states_rates_that_follow_from_its_counts(corpus60):
    t = next(t for t in corpus60 if not t["planted"])
    sv = t["survey"]
    assert f"有效问卷{sv['respondents']}份" in t["_text"]
    assert f"{sv['satisfaction_pct']:.2f}%" in t["_text"]
    assert f"预算执行率" in t["_text"]


def test_every_per_report_rule_is_planted_in_a_corpus_of_60(corpus60):
    planted = {t["planted"] for t in corpus60 if t["planted"]}
    assert planted == set(PLANTABLE)
    for t in corpus60:
        if t["planted"]:
            assert t["findings"]["must"] == [t["planted"]]
            assert t["planted"] not in t["findings"]["must_not"]


def test_only_the_over_weight_plant_has_a_score_outside_0_to_weight(corpus60):
    for t in corpus60:
        if t["planted"] == "score.over_weight":
            continue
        for key in ("level1", "level2", "level3"):
            for x in t[key]:
                assert 0 <= x["score"] <= x["weight"], (t["planted"], x)


def test_planted_numeric_errors_are_real(corpus60):
    by = {t["planted"]: t for t in corpus60 if t["planted"]}
    t = by["score.total_mismatch"]
    assert round(sum(x["score"] for x in t["level1"]), 2) != t["total_score"]
    t = by["weight.total_not_100"]
    assert sum(x["weight"] for x in t["level1"]) != 100
    t = by["grade.band_mismatch"]
    assert t["grade"] != grade_of(round(t["total_score"] * 100))
    t = by["funds.execution_rate_mismatch"]
    assert t["execution_rate_pct"] != _half_up(t["spent_wan"], t["received_wan"])
    t = by["funds.arrival_rate_mismatch"]
    assert t["arrival_rate_pct"] != _half_up(t["received_wan"], t["allocated_wan"])
    t = by["funds.low_execution"]
    assert t["execution_rate_pct"] < 60
    t = by["score.over_weight"]
    assert any(g["score"] > g["weight"] for g in t["level3"])
    t = by["score.child_sum_mismatch"]
    assert any(round(sum(g["score"] for g in t["level3"] if g["parent"] == c["name"]), 2) != c["score"]
               for c in t["level2"])
    t = by["funds.sum_mismatch"]
    rows = t["funding_table"]["rows"]
    assert round(sum(r[1] for r in rows[:-1]), 2) != rows[-1][1]
    t = by["meta.missing_section"]
    assert "存在的主要问题" not in t["_text"] or "相关建议" not in t["_text"]


def test_txt_and_docx_carry_the_level1_table(tmp_path):
    import docx

    truths = generate(8, 5, tmp_path, ["txt", "docx"])
    seen = set()
    for t in truths:
        p = tmp_path / t["file"]
        names = [x["name"] for x in t["level1"]]
        if t["format"] == "txt":
            lines = p.read_text(encoding="utf-8").splitlines()
            rows = [ln.split("\t") for ln in lines if "\t" in ln]
        else:
            d = docx.Document(str(p))
            rows = [[c.text for c in r.cells] for tb in d.tables for r in tb.rows]
        flat = [c for r in rows for c in r]
        assert all(n in flat for n in names), (t["file"], names)
        assert any("分值" in c for c in flat) and any("得分" in c for c in flat)
        seen.add(t["format"])
    assert seen == {"txt", "docx"}
