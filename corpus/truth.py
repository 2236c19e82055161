"""Compare an extracted record with a ground-truth file (``<report>.truth.json``, the shape of one
report of gold.json): which scalar fields, level-1/level-3 indicators and problems agree.
Used by the golden-file tests and by the benchmark's accuracy figures."""
from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path

SCALARS = ["province", "city", "county", "fiscal_year", "evaluation_kind", "evaluator", "report_date",
           "total_score", "grade", "allocated_wan", "received_wan", "spent_wan", "execution_rate_pct",
           "arrival_rate_pct", "beneficiaries"]


def _norm(v):
    return unicodedata.normalize("NFKC", v).strip() if isinstance(v, str) else v


def same(gold, got) -> bool:
    if isinstance(gold, list):
        return any(same(g, got) for g in gold)
    if gold is None:
        return got in (None, "", [])
    if isinstance(gold, (int, float)) and not isinstance(gold, bool):
        try:
            return math.isclose(float(got), float(gold), abs_tol=0.0051)
        except (TypeError, ValueError):
            return False
    return _norm(gold) == _norm(got)


def compare(truth: dict, rec: dict) -> tuple[int, int, list[str]]:
    """(fields right, fields checked, what was wrong)."""
    ok = total = 0
    misses: list[str] = []

    def check(label, good):
        nonlocal ok, total
        total += 1
        if good:
            ok += 1
        else:
            misses.append(label)

    for k in SCALARS:
        if k in truth:
            check(f"{k}={rec.get(k)!r}≠{truth[k]!r}", same(truth[k], rec.get(k)))
    survey = truth.get("survey") or {}
    for gk, rk in (("respondents", "survey_respondents"), ("satisfaction_pct", "satisfaction_pct")):
        if gk in survey:
            check(f"{rk}={rec.get(rk)!r}≠{survey[gk]!r}", same(survey[gk], rec.get(rk)))
    if "title_contains" in truth:
        check(f"title={rec.get('title')!r}", truth["title_contains"] in _norm(rec.get("title") or ""))
    inds = rec.get("indicators") or []
    for g in truth.get("level1", []):
        hit = [i for i in inds if i.get("level") == 1 and _norm(i.get("dimension")) == g["dimension"]]
        check(f"L1 {g['dimension']}", bool(hit) and all(same(g[c], hit[0].get(c)) for c in ("weight", "score", "rate_pct")))
    for item in truth.get("level3", []):
        # gold.json writes [name, weight, score]; the generator writes dicts
        name, w, s = (item["name"], item["weight"], item["score"]) if isinstance(item, dict) else item
        hit = [i for i in inds if i.get("level") == 3 and name in _norm(i.get("name") or "")]
        check(f"L3 {name}", bool(hit) and same(w, hit[0].get("weight")) and same(s, hit[0].get("score")))
    probs = rec.get("problems") or []
    for p in truth.get("problems_prefixes", []):
        check(f"problem {p[:8]}", any(p in _norm(x.get("text") if isinstance(x, dict) else x) for x in probs))
    return ok, total, misses


def findings_check(truth: dict, findings: list[dict]) -> tuple[list[str], list[str]]:
    """(must rules that did not fire, must_not rules that fired)."""
    ids = {f.get("rule_id") for f in findings}
    f = truth.get("findings") or {}
    return [m for m in f.get("must", []) if m not in ids], [m for m in f.get("must_not", []) if m in ids]


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
