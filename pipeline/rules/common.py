"""Shared helpers of the per-report rules: the contract's rounding rule applied to a stated figure,
input precision (a rounded input widens what a recomputed figure may be), evidence and page lookup.

Rounding decision (contract: "truncation is reported as info at most"): a stated rate that agrees only
by truncation (88.67 for 47/53 = 88.679…) gives an ``info`` finding in the rate rules (score, execution,
arrival, count rates) — the figure is not wrong, but the report does not round as it should; every other
rule stays silent on truncation. ``TRUNC_TEMPLATE`` is that finding's message.
"""
from __future__ import annotations

import re

from pipeline.record.numbers import agrees, decimals, round_half_up, truncate
from pipeline.vocab import NUM

_NUM = re.compile(NUM.replace("[-+]?", "", 1))     # the figure as written, without a sign


def value_decimals(x: float) -> int:
    """Decimals a float carries ('17.46' → 2, 80.0 → 0), after dropping float noise."""
    s = f"{round(float(x), 6):.6f}".rstrip("0").rstrip(".")
    return len(s.split(".")[1]) if "." in s else 0


def stated_decimals(rec: dict, value: float, field: str | None = None, evidence: str | None = None) -> int:
    """Decimals of a stated figure: rec["rounding"][field], else the figure as written in the evidence,
    else what its float carries."""
    if field and isinstance(rec.get("rounding"), dict) and rec["rounding"].get(field) is not None:
        return int(rec["rounding"][field])
    if evidence:
        for m in _NUM.finditer(evidence):
            t = m.group(0).replace(",", "").replace("，", "")
            try:
                if abs(float(t) - value) < 1e-9:
                    return decimals(t)
            except ValueError:
                continue
    return value_decimals(value)


def half_ulp(x: float | None) -> float:
    """Half a unit of the last stated digit: how far the true value of a rounded input may lie.
    Whole numbers are taken as exact (counts, integer scores), else every integer would widen by ±0.5."""
    if x is None:
        return 0.0
    nd = value_decimals(x)
    return 0.0 if nd == 0 else 0.5 * 10 ** -nd


def verdict(stated: float, num: float, den: float, nd: int, pct: bool = True) -> str | None:
    """'round' / 'truncate' when ``stated`` agrees with num/den (×100 for a percent) under the rounding
    rule, allowing for num and den being rounded themselves; None when it does not agree."""
    k = 100.0 if pct else 1.0
    c = num / den * k
    hit = agrees(stated, c, nd)
    if hit:
        return hit
    dn, dd = half_ulp(num), half_ulp(den)
    if dn or dd:
        lo = (num - dn) / (den + dd) * k
        hi = (num + dn) / max(den - dd, 1e-12) * k
        if round_half_up(lo, nd) - 1e-9 <= stated <= round_half_up(hi, nd) + 1e-9:
            return "round"
        if truncate(lo, nd) - 1e-9 <= stated <= truncate(hi, nd) + 1e-9:
            return "truncate"
    return None


def stated_in(evidence: str | None, value: float, pct: bool = True) -> bool:
    """True when the evidence writes this figure (as a percent when ``pct``), or when there is no evidence to
    tell. Guards a rule against a figure the extraction picked up from elsewhere (a target's 100 %)."""
    if not evidence:
        return True
    pat = rf"({_NUM.pattern})\s*[%％]" if pct else rf"({_NUM.pattern})"
    for m in re.finditer(pat, evidence):
        try:
            if abs(float(m.group(1).replace(",", "").replace("，", "")) - value) < 1e-9:
                return True
        except ValueError:
            continue
    return False


def fmt(x: float | None, nd: int = 2) -> str:
    """A recomputed figure for a message: 46.372 → '46.37', 100.0 → '100'."""
    if x is None:
        return "—"
    s = f"{round_half_up(x, nd):.{nd}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


TRUNC_TEMPLATE = "{what}按计算为{expected}%，报告写为{actual}%，系截尾而非四舍五入，数值可接受，仅供核对。"


def truncation_finding(rule, *, what: str, expected: str, actual: str, evidence=None, page=None) -> dict:
    """The info finding for a rate that agrees only by truncation (the contract's "info at most")."""
    f = rule.finding(expected=expected, actual=actual, evidence=evidence, page=page, severity="info", what=what,
                     name=what, label=what, score="")
    f["message"] = TRUNC_TEMPLATE.format(what=what, expected=expected, actual=actual)
    return f


def as_stated(x: float, nd: int) -> str:
    """A stated figure shown with the decimals it was stated with: 95.0 at 2 → '95.00'."""
    return f"{x:.{max(nd, 0)}f}"


def prov(rec: dict, field: str) -> tuple[str | None, int | None]:
    """(evidence, page) of a scalar field from rec["provenance"]."""
    p = (rec.get("provenance") or {}).get(field) or {}
    return p.get("text"), p.get("page")


def num(x) -> float | None:
    """A number or None (tolerates strings and bools left by an extractor)."""
    if x is None or isinstance(x, bool):
        return None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None
