"""Compare a warehouse with the generator's truth JSONs: field accuracy, indicator accuracy,
planted-rule recall and precision."""
from __future__ import annotations

from pathlib import Path

# reports column → how to read the expected value from a truth JSON
FIELDS = {
    "province": lambda t: t["province"],
    "city": lambda t: t["city"],
    "county": lambda t: t["county"],            # a list of accepted spellings
    "fiscal_year": lambda t: t["fiscal_year"],
    "evaluator": lambda t: t["evaluator"],
    "total_score": lambda t: t["total_score"],
    "grade": lambda t: t["grade"],
    "allocated_wan": lambda t: t["allocated_wan"],
    "received_wan": lambda t: t["received_wan"],
    "spent_wan": lambda t: t["spent_wan"],
    "execution_rate_pct": lambda t: t["execution_rate_pct"],
    "arrival_rate_pct": lambda t: t["arrival_rate_pct"],
    "beneficiaries": lambda t: t["beneficiaries"],
    "survey_respondents": lambda t: t["survey"].get("respondents"),
    "satisfaction_pct": lambda t: t["survey"].get("satisfaction_pct"),
}


def same(got, want) -> bool:
    if isinstance(want, list):
        return any(same(got, w) for w in want)
    if want is None or got is None:
        return want is None and got is None
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        try:
            return abs(float(got) - float(want)) <= 0.0051
        except (TypeError, ValueError):
            return False
    return str(got).strip() == str(want).strip()


def stem_of(path: str) -> str:
    return Path(path).stem


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def field_accuracy(rows: list[dict], truths: dict[str, dict]) -> dict:
    """rows: reports rows (dicts); truths: stem → truth. A report with no row counts as all wrong."""
    by_stem = {stem_of(r["source_path"]): r for r in rows}
    out, total_ok, total_n = {}, 0, 0
    for f, get in FIELDS.items():
        ok = sum(1 for st, t in truths.items() if st in by_stem and same(by_stem[st].get(f), get(t)))
        out[f] = _ratio(ok, len(truths))
        total_ok += ok
        total_n += len(truths)
    out["overall"] = _ratio(total_ok, total_n)
    return out


def indicator_accuracy(ind_rows: list[dict], doc_stem: dict[str, str], truths: dict[str, dict]) -> dict:
    """Share of truth indicators found with the right weight and score (level 1 by dimension,
    levels 2–3 by name), and of stated level-1 得分率 found."""
    got: dict[str, list[dict]] = {}
    for r in ind_rows:
        st = doc_stem.get(r["doc_id"])
        if st:
            got.setdefault(st, []).append(r)
    res = {}
    for level, key in ((1, "level1"), (2, "level2"), (3, "level3")):
        ok = n = 0
        for st, t in truths.items():
            rows = [r for r in got.get(st, []) if r.get("level") == level]
            for want in t.get(key, []):
                n += 1
                if level == 1:
                    cands = [r for r in rows if r.get("dimension") == want["dimension"]]
                else:
                    cands = [r for r in rows if (r.get("name") or "").strip() == want["name"]]
                if any(same(r.get("weight"), want["weight"]) and same(r.get("score"), want["score"]) for r in cands):
                    ok += 1
        res[f"level{level}"] = _ratio(ok, n)
    ok = n = 0
    for st, t in truths.items():
        rows = [r for r in got.get(st, []) if r.get("level") == 1]
        for want in t.get("level1", []):
            if want.get("rate_pct") is None:
                continue
            n += 1
            ok += any(r.get("dimension") == want["dimension"] and same(r.get("rate_pct"), want["rate_pct"]) for r in rows)
    res["level1_rate_pct"] = _ratio(ok, n)
    return res


def problems_accuracy(prob_rows: list[dict], doc_stem: dict[str, str], truths: dict[str, dict]) -> dict:
    got: dict[str, list[str]] = {}
    for r in prob_rows:
        st = doc_stem.get(r["doc_id"])
        if st:
            got.setdefault(st, []).append(r.get("text") or "")
    ok = n = cnt_ok = 0
    for st, t in truths.items():
        texts = got.get(st, [])
        cnt_ok += len(texts) == len(t.get("problems_prefixes", []))
        for pre in t.get("problems_prefixes", []):
            n += 1
            ok += any(pre in x for x in texts)
    return {"prefix_found": _ratio(ok, n), "count_exact": _ratio(cnt_ok, len(truths))}


def planted_scores(fired: dict[str, set[str]], truths: dict[str, dict]) -> dict:
    """fired: stem → rule ids found. Recall over must; precision counts must_not hits as false."""
    per_rule: dict[str, dict] = {}
    for st, t in truths.items():
        got = fired.get(st, set())
        for r in t["findings"]["must"]:
            d = per_rule.setdefault(r, dict(tp=0, fn=0, fp=0))
            d["tp" if r in got else "fn"] += 1
        for r in t["findings"]["must_not"]:
            if r in got:
                per_rule.setdefault(r, dict(tp=0, fn=0, fp=0))["fp"] += 1
    for d in per_rule.values():
        d["recall"] = _ratio(d["tp"], d["tp"] + d["fn"])
        d["precision"] = _ratio(d["tp"], d["tp"] + d["fp"])
    tp = sum(d["tp"] for d in per_rule.values())
    fn = sum(d["fn"] for d in per_rule.values())
    fp = sum(d["fp"] for d in per_rule.values())
    clean = [st for st, t in truths.items() if not t["findings"]["must"]]
    clean_fp = sum(1 for st in clean if fired.get(st, set()) & set(truths[st]["findings"]["must_not"]))
    return {"planted_recall": _ratio(tp, tp + fn), "planted_precision": _ratio(tp, tp + fp),
            "tp": tp, "fn": fn, "fp": fp,
            "clean_reports_with_false_finding": _ratio(clean_fp, len(clean)),
            "per_rule": dict(sorted(per_rule.items()))}
