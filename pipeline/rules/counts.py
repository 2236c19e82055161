"""Counts: parts that must add up, and a claimed rate (接收率 100 %) the counts contradict."""
from __future__ import annotations

import re
from typing import Iterator

from .base import Rule
from .common import truncation_finding, as_stated, fmt, num, stated_decimals, stated_in, verdict


class CountSumMismatch(Rule):
    id = "count.sum_mismatch"
    severity = "warning"
    doc = "a count's parts must add up to the stated count (exact: counts are whole)"
    template = "“{name}”各分项合计为{expected}，与报告所述总数{actual}不一致，请核对。"
    tolerance = 0.0

    def check(self, rec: dict) -> Iterator[dict]:
        seen = set()
        for c in rec.get("counts") or []:
            if not isinstance(c, dict):
                continue
            total = num(c.get("total"))
            vals = [num(p.get("value")) for p in c.get("parts") or [] if isinstance(p, dict)]
            if total is None or len(vals) < 2 or any(v is None for v in vals) or (total, tuple(vals)) in seen:
                continue
            seen.add((total, tuple(vals)))
            if abs(sum(vals) - total) > self.tolerance + 1e-9:
                yield self.finding(expected=fmt(sum(vals)), actual=fmt(total), name=c.get("name") or "",
                                   evidence=c.get("evidence"), page=c.get("page"))


# 应发/应接收 (due) against 实发/已接收 (done); 未发放/未接收 (not done)
_DUE = re.compile(r"^(应|计划|需)")
_DONE = re.compile(r"^(实|已|实际)")
_NOT = re.compile(r"^(未|尚未|没有)")


def _rate_bases(c: dict) -> list[tuple[float, float]]:
    """(done, due) pairs a rate can be checked against, from what the count states explicitly."""
    total = num(c.get("total"))
    base = num(c.get("base")) if c.get("base") is not None else num(c.get("denominator"))
    if total is not None and base:
        return [(total, base)]
    parts = [(p.get("name") or "", num(p.get("value"))) for p in c.get("parts") or [] if isinstance(p, dict)]
    due = [v for n, v in parts if _DUE.search(n) and v]
    done = [v for n, v in parts if _DONE.search(n) and v is not None]
    if len(due) == 1 and len(done) == 1:
        return [(done[0], due[0])]
    if total and len(parts) == 1 and len(done) == 1:  # 应发 19,240 (total) of which 实发 19,232 (the part)
        return [(done[0], total)]
    nots = [v for n, v in parts if _NOT.search(n) and v is not None]
    if total and len(nots) == 1:
        return [(total - nots[0], total)]
    return []


class CountRateClaimMismatch(Rule):
    id = "count.rate_claim_mismatch"
    severity = "warning"
    doc = ("a stated rate contradicts its counts: total ÷ base, 实/已 ÷ 应 (or ÷ total), (total − 未…) ÷ total — only what "
           "the count states explicitly is checked")
    template = "“{name}”按所给人数/份数计算应为{expected}%，报告却称{actual}%，请核对该比率或计数口径。"
    whole_means_all = True  # "100 %" (no decimals) claims that nobody was missed: 19,232 of 19,240 is not 100 %

    def check(self, rec: dict) -> Iterator[dict]:
        seen = set()
        for c in rec.get("counts") or []:
            if not isinstance(c, dict) or num(c.get("stated_rate_pct")) is None:
                continue
            r = num(c["stated_rate_pct"])
            bases = _rate_bases(c)
            if not bases or (r, tuple(bases)) in seen:
                continue  # the same count read twice (summary and body) is one finding
            seen.add((r, tuple(bases)))
            if not stated_in(c.get("evidence"), r):
                continue  # the rate is not written where the counts are: not this count's claim
            nd = stated_decimals(rec, r, evidence=c.get("evidence"))
            # "100%" claims nobody was missed; "100.00%" claims a figure to two decimals, and
            # 25,409 of 25,410 (99.996 %) is 100.00 % to two decimals
            if self.whole_means_all and r == 100 and nd == 0:
                if any(abs(a - b) < 1e-9 for a, b in bases):
                    continue
            else:
                vs = [verdict(r, a, b, nd) for a, b in bases]
                if "round" in vs:
                    continue
                if "truncate" in vs:
                    a, b = bases[vs.index("truncate")]
                    yield truncation_finding(self, what=f"“{c.get('name') or ''}”比率", expected=fmt(a / b * 100, nd + 1),
                                             actual=as_stated(r, nd), evidence=c.get("evidence"), page=c.get("page"))
                    continue
            a, b = bases[0]
            yield self.finding(expected=fmt(a / b * 100), actual=as_stated(r, nd), name=c.get("name") or "",
                               evidence=c.get("evidence"), page=c.get("page"))
