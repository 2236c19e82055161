"""Build one synthetic report as data (the "spec"): region, scores, money, counts, survey, targets,
problems — all consistent, except the one planted inconsistency when asked for.

Exact arithmetic: scores are kept in hundredths of a point, amounts in hundredths of 万元 (= 100 元),
both as ints, so every stated sum adds up exactly; rates are rounded half-up to 2 decimals.
"""
from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from . import synth_vocab as V

# rules a single report can carry (CONTRACT.md), in planting order
PLANTABLE = [
    "score.total_mismatch", "score.child_sum_mismatch", "score.rate_mismatch", "score.over_weight",
    "weight.total_not_100", "grade.band_mismatch", "number.restated_mismatch",
    "score.full_marks_despite_problem", "funds.execution_rate_mismatch", "funds.arrival_rate_mismatch",
    "funds.sum_mismatch", "funds.execution_masks_arrival", "funds.low_execution",
    "logic.full_execution_unimplemented", "logic.funds_not_in_place_but_spent",
    "target.claimed_met_below_target", "count.sum_mismatch", "count.rate_claim_mismatch",
    "survey.rate_mismatch", "text.offtopic_boilerplate", "meta.missing_section",
]
# may fire on any report (corpus-level, or about the extractor's own misses): never in must_not
ALWAYS_POSSIBLE = {"text.duplicate_passage", "meta.missing_field", "compare.cost_per_beneficiary_outlier"}
# a planted error that may honestly make a neighbouring rule fire too: those leave must_not
SIDE_EFFECTS = {
    "score.total_mismatch": {"grade.band_mismatch", "number.restated_mismatch"},
    "number.restated_mismatch": {"score.total_mismatch", "grade.band_mismatch"},
    "funds.arrival_rate_mismatch": {"funds.execution_masks_arrival"},
    "funds.execution_rate_mismatch": {"funds.low_execution"},
    "funds.execution_masks_arrival": {"funds.low_execution", "logic.funds_not_in_place_but_spent"},
    "count.sum_mismatch": {"count.rate_claim_mismatch"},
    "count.rate_claim_mismatch": {"count.sum_mismatch"},
    "score.over_weight": {"score.child_sum_mismatch"},
}


def rate(num: int, den: int) -> Decimal:
    """num/den as a percentage, half-up to 2 decimals."""
    return (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def grade_of(total_hund: int) -> str:
    t = total_hund / 100
    return "优" if t >= 90 else "良" if t >= 80 else "中" if t >= 60 else "差"


@lru_cache(maxsize=1)
def counties() -> list[tuple[str, str, str]]:
    """(province, city, county) for every county-level unit in jionlp's division data."""
    import jionlp as jio  # heavy import: only when a corpus is generated
    out = []
    for prov, cities in jio.china_location_loader().items():
        if prov.startswith("_") or not isinstance(cities, dict):
            continue
        for city, cs in cities.items():
            if city.startswith("_") or not isinstance(cs, dict):
                continue
            for county in cs:
                if not county.startswith("_") and county not in ("市辖区",):
                    out.append((prov, city, county))
    out.sort()
    return out


def split_int(rng: random.Random, total: int, k: int, minimum: int) -> list[int]:
    """k ints ≥ minimum summing to total (random composition)."""
    k = max(1, min(k, total // max(minimum, 1)))
    free = total - k * minimum
    cuts = sorted(rng.randint(0, free) for _ in range(k - 1))
    parts = [b - a for a, b in zip([0] + cuts, cuts + [free])]
    return [p + minimum for p in parts]


def build_tree(rng: random.Random, l1w: tuple[int, ...], quality: float) -> list[dict]:
    """Indicator tree: level-1 dims → level-2 → level-3, weights in points, scores in hundredths."""
    tree = []
    for dim, w1 in zip(V.DIMENSIONS, l1w):
        cat = V.L2_CATALOG[dim]
        names = list(cat)
        k = rng.randint(2, min(len(names), max(2, w1 // 4)))
        chosen = sorted(rng.sample(names, k), key=names.index)
        l2 = []
        for name2, w2 in zip(chosen, split_int(rng, w1, k, 2)):
            subs = cat[name2]
            m = rng.randint(1, min(len(subs), w2))
            l3 = []
            for name3, w3 in zip(subs[:m], split_int(rng, w2, m, 1)):
                f = min(1.0, max(0.2, rng.gauss(quality, 0.12)))
                s = round(w3 * 100 * f)
                if rng.random() < 0.5:      # many evaluators score in half points
                    s = min(w3 * 100, round(s / 50) * 50)
                l3.append(dict(name=name3, weight=w3, score=s))
            l2.append(dict(name=name2, weight=w2, children=l3))
        tree.append(dict(dimension=dim, weight=w1, children=l2))
    return tree


def resum(tree: list[dict]) -> None:
    for d in tree:
        for c in d["children"]:
            c["score"] = sum(g["score"] for g in c["children"])
        d["score"] = sum(c["score"] for c in d["children"])


def make_spec(seed: int, idx: int, planted: str | None) -> dict:
    rng = random.Random(f"jixiao-synth:{seed}:{idx}")
    prov, city, county = rng.choice(counties())
    prog = rng.choice(V.PROGRAMMES)
    year = rng.randint(2019, 2024)
    third = rng.random() < 0.7
    evaluator = (rng.choice(V.FIRM_HEAD) + rng.choice(V.FIRM_MID) + rng.choice(V.FIRM_TAIL)) if third else None
    dept = county + prog["dept"]
    s: dict = dict(idx=idx, seed=seed, planted=planted, province=prov, city=city, county=county, year=year,
                   prog=prog, dept=dept, third=third, evaluator=evaluator,
                   report_date=f"{year + 1}-{rng.randint(3, 9):02d}-{rng.randint(1, 28):02d}")
    # --- layout knobs
    s["l1_names"] = rng.choice(V.L1_STYLES)
    s["l1_layout"] = rng.choice(["rows", "rows", "columns"])
    s["show_rate"] = rng.random() < 0.6 or planted == "score.rate_mismatch"
    s["numbering"] = rng.choice(["cn", "cn", "part", "arabic"])
    s["unit"] = rng.choice(["wan", "wan", "yuan"])
    s["score_fmt"] = rng.choice(["fixed", "trim"])
    s["merged_l3"] = rng.random() < 0.5
    s["summary"] = rng.random() < 0.6 or planted == "number.restated_mismatch"
    s["pages_target"] = rng.choice([rng.randint(3, 8)] * 5 + [rng.randint(8, 18)] * 3 + [rng.randint(18, 40)] * 1)

    # --- scores
    l1w = list(rng.choice(V.L1_WEIGHTS))
    if planted == "weight.total_not_100":
        l1w[rng.randrange(4)] += rng.choice([-5, -3, -2, 2, 3, 5])
    quality = rng.choice([0.55, 0.7, 0.78, 0.85, 0.9, 0.95])
    tree = build_tree(rng, tuple(l1w), quality)
    l2_present = [c["name"] for d in tree for c in d["children"]]

    # --- problems (areas present in the tree), recommendations
    cand = [p for p in V.PROBLEMS if p[1] in l2_present]
    n_prob = min(len(cand), rng.randint(3, 5))
    problems = rng.sample(cand, n_prob)
    s["problems"] = problems
    s["recommendations"] = rng.sample(V.RECOMMENDATIONS, rng.randint(3, 5))
    areas = {p[1] for p in problems}
    for d in tree:      # a named shortcoming never sits under full marks (unless planted)
        for c in d["children"]:
            if c["name"] in areas:
                for g in c["children"]:
                    if g["score"] >= g["weight"] * 100:
                        g["score"] = g["weight"] * 100 - max(25, round(g["weight"] * 100 * rng.uniform(0.1, 0.3)))
    if planted == "score.full_marks_despite_problem":
        # a problem that stays in the report (flagged ones may be dropped below)
        area = next((p[1] for p in problems if not p[3]), problems[0][1])
        for d in tree:
            for c in d["children"]:
                if c["name"] == area:
                    for g in c["children"]:
                        g["score"] = g["weight"] * 100
        s["full_marks_area"] = area
    if planted == "score.over_weight":
        g = rng.choice([g for d in tree for c in d["children"] for g in c["children"]])
        g["score"] = g["weight"] * 100 + rng.choice([50, 100, 150, 200])
        s["over_weight_item"] = g["name"]
    resum(tree)
    if planted == "score.child_sum_mismatch":
        c = rng.choice([c for d in tree for c in d["children"] if any(g["score"] >= 100 for g in c["children"])])
        g = next(g for g in c["children"] if g["score"] >= 100)
        g["score"] -= min(g["score"], rng.choice([50, 100, 150]))   # the child changes, the parent keeps its score
        s["child_sum_item"] = c["name"]
    s["tree"] = tree
    total = sum(d["score"] for d in tree)
    s["total_sum"] = total
    stated_total = total
    if planted == "score.total_mismatch":
        stated_total = total + rng.choice([-1, 1]) * rng.choice([150, 200, 300, 420])
    s["total"] = stated_total
    grade = grade_of(stated_total)
    if planted == "grade.band_mismatch":
        grade = {"优": "良", "良": "优", "中": "良", "差": "中"}[grade]
    s["grade"] = grade
    s["summary_total"] = stated_total
    if planted == "number.restated_mismatch":
        s["summary_total"] = stated_total + rng.choice([-1, 1]) * rng.choice([120, 250, 310])
    # stated level-1 rates (wrong on one row when planted)
    for d in tree:
        d["rate"] = rate(d["score"], d["weight"] * 100)
    if planted == "score.rate_mismatch":
        d = rng.choice(tree)
        d["rate"] = d["rate"] + Decimal(rng.choice([-1, 1]) * rng.choice([6, 8, 11])) if d["rate"] > 20 else d["rate"] + 9

    # --- money (hundredths of 万元)
    alloc = round(10 ** rng.uniform(2.7, 5.5))
    if planted == "funds.execution_masks_arrival":
        received = round(alloc * rng.uniform(0.2, 0.45))
        spent = received
    elif planted in ("logic.full_execution_unimplemented", "logic.funds_not_in_place_but_spent"):
        received, spent = alloc, alloc
    elif planted == "funds.low_execution":
        received = alloc
        spent = round(received * rng.uniform(0.25, 0.55))
    else:
        received = alloc if rng.random() < 0.7 else round(alloc * rng.uniform(0.9, 0.995))
        spent = received if rng.random() < 0.35 else round(received * rng.uniform(0.8, 0.995))
    s.update(alloc=alloc, received=received, spent=spent)
    s["arrival_rate"] = rate(received, alloc)
    s["exec_rate"] = rate(spent, received)
    if planted == "funds.arrival_rate_mismatch":
        s["arrival_rate"] = s["arrival_rate"] - Decimal(rng.choice([3, 5, 7, 12])) if s["arrival_rate"] > 50 else s["arrival_rate"] + 10
    if planted == "funds.execution_rate_mismatch":
        s["exec_rate"] = s["exec_rate"] - Decimal(rng.choice([4, 6, 9, 13])) if s["exec_rate"] > 80 else s["exec_rate"] + 8
        if s["exec_rate"] > 100:
            s["exec_rate"] -= 20
    s["text_unfinished"] = planted == "logic.full_execution_unimplemented"
    s["text_not_in_place"] = planted == "logic.funds_not_in_place_but_spent"
    # funding by source
    srcs = rng.sample(["中央", "省级", "市级", "县级"], rng.randint(2, 4))
    srcs.sort(key=["中央", "省级", "市级", "县级"].index)
    a_parts = split_int(rng, alloc, len(srcs), 1)
    r_parts = [a * received // alloc for a in a_parts]
    r_parts[-1] += received - sum(r_parts)
    p_parts = [r * spent // max(received, 1) for r in r_parts]
    p_parts[-1] += spent - sum(p_parts)
    if planted == "funds.sum_mismatch":
        i = rng.randrange(len(a_parts))
        a_parts[i] += max(100, alloc // rng.choice([7, 10, 15]))
    s["sources"] = list(zip(srcs, a_parts, r_parts, p_parts))

    # --- counts: beneficiaries and their parts, coverage claim
    parts_labels = prog["parts"]
    ben_parts = split_int(rng, rng.randint(120, 30000), len(parts_labels), 10)
    ben = sum(ben_parts)
    if planted == "count.sum_mismatch":
        ben += rng.choice([-1, 1]) * rng.randint(12, max(13, ben // 10))
    s["ben"], s["ben_parts"] = ben, list(zip(parts_labels, ben_parts))
    served = sum(ben_parts)
    planned = served if rng.random() < 0.6 else served + rng.randint(1, max(2, served // 20))
    cov = rate(served, planned)
    if planted == "count.rate_claim_mismatch":
        planned = served + rng.randint(3, max(4, served // 8))
        cov = Decimal("100.00")
    s["planned"], s["served"], s["coverage"] = planned, served, cov

    # --- survey
    issued = rng.randint(80, 900)
    valid = issued - rng.randint(0, issued // 20)
    q = rng.uniform(0.6, 0.97)
    a = round(valid * q * rng.uniform(0.4, 0.7))
    b = round(valid * q) - a
    c = round((valid - a - b) * rng.uniform(0.4, 0.9))
    d = valid - a - b - c
    s["survey"] = dict(issued=issued, valid=valid, options=[("非常满意", a), ("满意", b), ("基本满意", c), ("不满意", d)])
    sat = rate(a + b, valid)
    if planted == "survey.rate_mismatch":
        sat = sat + Decimal(rng.choice([4, 6, 9])) if sat < 90 else sat - Decimal(rng.choice([5, 8]))
    s["satisfaction"] = sat

    # --- targets
    true_exec = rate(spent, received)
    clean_full = true_exec >= 90
    rows = []
    for name, direc, unit, kind in prog["targets"]:
        if kind == "count":
            tv = rng.randint(20, 5000)
            av = tv + rng.randint(0, max(1, tv // 10))
            fmt = lambda v, u=unit: f"{v}{u}"
        elif kind == "days":
            tv = rng.choice([5, 7, 10, 15, 20, 30])
            av = max(1, tv - rng.randint(0, tv // 2))
            fmt = lambda v, u=unit: f"{v}{u}"
        elif kind == "full":
            tv, av = 100, 100
            fmt = lambda v: f"{v}%"
        else:
            tv = rng.choice([85, 90, 95, 98])
            av = round(rng.uniform(tv, 100), 1)
            fmt = lambda v: f"{v}%"
        rows.append(dict(name=name, direction=direc, target=tv, actual=av, fmt=fmt, status="已完成"))
    if not clean_full and planted is None and rng.random() < 0.5:
        r = next(r for r in rows if r["direction"] == ">=")
        r["actual"] = round(r["target"] * rng.uniform(0.7, 0.95), 1) if isinstance(r["actual"], float) else int(r["target"] * rng.uniform(0.7, 0.95))
        r["status"] = rng.choice(["未完成", "部分完成"])
    if planted == "target.claimed_met_below_target":
        r = rows[1] if rows[1]["direction"] == ">=" else rows[0]
        r["actual"] = round(r["target"] * rng.uniform(0.8, 0.95), 1) if r["fmt"](1).endswith("%") else int(r["target"] * rng.uniform(0.7, 0.95))
        r["status"] = "已完成"
        s["target_item"] = r["name"]
    s["targets"] = rows

    # --- outline
    s["missing_section"] = rng.choice(["存在问题", "建议"]) if planted == "meta.missing_section" else None
    if planted == "text.offtopic_boilerplate":
        other = rng.choice([p for p in V.PROGRAMMES if p["dept"] != prog["dept"]])
        oprov, ocity, ocounty = rng.choice(counties())
        s["offtopic"] = rng.choice(V.OFFTOPIC).format(other_county=ocounty, other_dept=other["dept"],
                                                       other_prog=other["name"], other_work=other["work"],
                                                       other_ben=other["ben"])
    # not-clean problems (unfinished work) only where execution leaves room for it
    if planted != "logic.full_execution_unimplemented" and clean_full:
        s["problems"] = [p for p in s["problems"] if not p[3]] or s["problems"]
    return s
