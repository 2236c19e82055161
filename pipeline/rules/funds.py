"""Funds rules: execution and arrival rates recomputed, parts of amounts added up, execution that hides
missing funds, and low execution."""
from __future__ import annotations

from typing import Iterator

from .base import Rule
from pipeline.record.numbers import round_half_up

from .common import truncation_finding, as_stated, fmt, half_ulp, num, prov, stated_decimals, verdict

COLS = (("allocated_wan", "预算安排"), ("received_wan", "到位"), ("spent_wan", "支出"))


def below_full(stated: float, computed: float, nd: int) -> bool:
    """99 % for 3271.65 of 3272 (99.99 %): rounding would claim full execution (100 %) for money not
    all spent, so a report writes the figure cut below 100 — the honest statement, not a finding."""
    return computed < 100 and round_half_up(computed, nd) >= 100 and stated < 100


class ExecutionRateMismatch(Rule):
    id = "funds.execution_rate_mismatch"
    severity = "warning"
    doc = "a stated 预算执行率 must equal spent/received or spent/allocated (either, at its decimals)"
    template = "预算执行率按支出÷到位资金或支出÷预算应为{expected}，报告写为{actual}%，请核对金额或执行率。"

    def check(self, rec: dict) -> Iterator[dict]:
        r, spent = num(rec.get("execution_rate_pct")), num(rec.get("spent_wan"))
        if r is None or spent is None:
            return
        dens = [(k, d) for k in ("received_wan", "allocated_wan") if (d := num(rec.get(k)))]
        if not dens:
            return
        ev, page = prov(rec, "execution_rate_pct")
        nd = stated_decimals(rec, r, "execution_rate_pct", ev)
        # some reports cap the rate at 100 % when more than the budget was spent
        vs = [verdict(r, spent, d, nd) for _, d in dens]
        if "round" in vs or (r == 100 and any(spent >= d for _, d in dens)):
            return
        if any(v == "truncate" and below_full(r, spent / d * 100, nd) for v, (_, d) in zip(vs, dens)):
            return
        if "truncate" in vs:
            d = dens[vs.index("truncate")][1]
            yield truncation_finding(self, what="预算执行率", expected=fmt(spent / d * 100, nd + 1),
                                     actual=as_stated(r, nd), evidence=ev, page=page)
            return
        exp = " 或 ".join(dict.fromkeys(f"{fmt(spent / d * 100)}%" for _, d in dens))
        yield self.finding(expected=exp, actual=as_stated(r, nd), evidence=ev, page=page)


class ArrivalRateMismatch(Rule):
    id = "funds.arrival_rate_mismatch"
    severity = "warning"
    doc = "a stated 资金到位率 must equal received/allocated (at its decimals)"
    template = "资金到位率按到位资金÷预算安排应为{expected}%，报告写为{actual}%，请核对。"

    def check(self, rec: dict) -> Iterator[dict]:
        r, rec_, alloc = num(rec.get("arrival_rate_pct")), num(rec.get("received_wan")), num(rec.get("allocated_wan"))
        if r is None or rec_ is None or not alloc:
            return
        ev, page = prov(rec, "arrival_rate_pct")
        nd = stated_decimals(rec, r, "arrival_rate_pct", ev)
        v = verdict(r, rec_, alloc, nd)
        if v == "round" or (r == 100 and rec_ >= alloc) or (v == "truncate" and below_full(r, rec_ / alloc * 100, nd)):
            return
        if v == "truncate":
            yield truncation_finding(self, what="资金到位率", expected=fmt(rec_ / alloc * 100, nd + 1),
                                     actual=as_stated(r, nd), evidence=ev, page=page)
            return
        yield self.finding(expected=fmt(rec_ / alloc * 100), actual=as_stated(r, nd), evidence=ev, page=page)


def _close(parts: list[float], total: float, floor: float, scale: float = 1.0) -> bool:
    tol = max(floor, sum(half_ulp(p) for p in parts) + half_ulp(total) * scale) + 1e-9
    return abs(sum(parts) - total * scale) <= tol


class SumMismatch(Rule):
    id = "funds.sum_mismatch"
    severity = "warning"
    doc = ("funding-table parts must add up to their 合计 row, the 合计 row must match the report's amounts, "
           "expense lines (元) must add up to their total and to spent × 10000")
    template = "{what}合计应为{expected}，报告写为{actual}，请核对明细与合计。"
    tol_wan = 0.01    # 万元
    tol_yuan = 1.0    # 元
    max_short_share = 0.1   # a breakdown this much short of its total lists only some parts

    def check(self, rec: dict) -> Iterator[dict]:
        every = [r for r in rec.get("fund_sources") or [] if isinstance(r, dict)]
        yield from self._breakdowns([r for r in every if r.get("group")])
        rows = [r for r in every if not r.get("group")]
        totals = [r for r in rows if r.get("kind") == "total"]
        total = totals[0] if len(totals) == 1 else None
        if total is not None:
            for kind, kname in (("source", "各资金来源"), ("year", "各年度")):
                parts = [r for r in rows if r.get("kind") == kind]
                if len(parts) < 2:
                    continue
                for col, cname in COLS:
                    vals, t = [num(p.get(col)) for p in parts], num(total.get(col))
                    if t is None or any(v is None for v in vals):
                        continue
                    if not _close(vals, t, self.tol_wan):
                        yield self.finding(expected=f"{fmt(sum(vals), 4)}万元", actual=f"{fmt(t, 4)}万元",
                                           what=f"{kname}{cname}金额", evidence=total.get("evidence"),
                                           page=total.get("page"))
            # a by-year table often spans more years than the amount evaluated: its 合计 is not that amount
            multi_year = any(r.get("kind") == "year" for r in rows)
            for col, cname in ([] if multi_year else COLS):
                t, v = num(total.get(col)), num(rec.get(col))
                if t is not None and v is not None and not _close([t], v, self.tol_wan):
                    yield self.finding(expected=f"{fmt(t, 4)}万元（资金表合计）", actual=f"{fmt(v, 4)}万元",
                                       what=f"{cname}金额与资金表", evidence=total.get("evidence"),
                                       page=total.get("page"))
        details = [d for d in rec.get("expense_details") or [] if isinstance(d, dict)]
        amounts = [num(d.get("amount_yuan")) for d in details]
        et = num(rec.get("expense_total_yuan"))
        if et is not None and len(amounts) >= 2 and all(a is not None for a in amounts):
            if not _close(amounts, et, self.tol_yuan):
                yield self.finding(expected=f"{fmt(sum(amounts))}元", actual=f"{fmt(et)}元", what="支出明细",
                                   evidence=details[0].get("evidence"), page=details[0].get("page"))
        spent = num(rec.get("spent_wan"))
        # lines that add up to the allocated or received amount are a funding breakdown, not spending
        funding = [v for k in ("allocated_wan", "received_wan") if (v := num(rec.get(k))) is not None]
        if et is not None and any(abs(et - v * 10000) <= max(self.tol_yuan, half_ulp(v) * 10000) for v in funding):
            return
        if et is not None and spent is not None and details:
            # spent in 万元 is rounded at its own decimals: that rounding, in 元, is the tolerance
            tol = max(self.tol_yuan, half_ulp(spent) * 10000) + 1e-6
            if abs(et - spent * 10000) > tol:
                ev, page = prov(rec, "spent_wan")
                yield self.finding(expected=f"{fmt(spent * 10000)}元（支出{fmt(spent, 4)}万元）", actual=f"{fmt(et)}元",
                                   what="支出明细（元）与支出金额（万元）", evidence=ev, page=page)


    def _breakdowns(self, rows: list[dict]) -> Iterator[dict]:
        """"3185万元。其中：…" groups (record/funds.breakdowns): the items must add up to their total. The
        total is some fund of the report, not necessarily its headline amount: it is not compared to it."""
        groups: dict[str, list[dict]] = {}
        for r in rows:
            groups.setdefault(str(r["group"]), []).append(r)
        for g in groups.values():
            tot = [r for r in g if r.get("kind") == "total"]
            items = [num(r.get("allocated_wan")) for r in g if r.get("kind") == "item"]
            t = num(tot[0].get("allocated_wan")) if len(tot) == 1 else None
            if t is None or len(items) < 2 or any(v is None for v in items):
                continue
            if sum(items) < t * (1 - self.max_short_share):
                continue    # far short of the total: "其中" named some of the parts, not all
            if not _close(items, t, self.tol_wan):
                yield self.finding(expected=f"{fmt(sum(items), 4)}万元", actual=f"{fmt(t, 4)}万元", what="各分项金额",
                                   evidence=tot[0].get("evidence"), page=tot[0].get("page"))


def _arrival_pct(rec: dict) -> tuple[float | None, float | None]:
    """(arrival %, received 万元): recomputed from amounts, else the stated rate."""
    alloc, got = num(rec.get("allocated_wan")), num(rec.get("received_wan"))
    if alloc and got is not None:
        return got / alloc * 100, got
    r = num(rec.get("arrival_rate_pct"))
    if r is not None and alloc:
        return r, alloc * r / 100
    return None, got


class ExecutionMasksArrival(Rule):
    id = "funds.execution_masks_arrival"
    severity = "warning"
    doc = "execution high against received funds while received funds are a small share of allocated"
    template = "到位资金仅占预算的{expected}%，按到位资金计算的执行率却达{actual}%，高执行率掩盖了资金未到位，请核对。"
    max_arrival_pct = 50.0
    min_execution_pct = 90.0

    def check(self, rec: dict) -> Iterator[dict]:
        arrival, got = _arrival_pct(rec)
        spent = num(rec.get("spent_wan"))
        if arrival is None or not got or spent is None:
            return
        ex = spent / got * 100
        if arrival < self.max_arrival_pct and ex >= self.min_execution_pct:
            ev, page = prov(rec, "received_wan")
            if not ev:
                ev, page = prov(rec, "arrival_rate_pct")
            yield self.finding(expected=fmt(arrival), actual=fmt(ex), evidence=ev, page=page)


class LowExecution(Rule):
    id = "funds.low_execution"
    severity = "warning"
    doc = "execution below 60 % of the available funds (received, else allocated × arrival rate, else allocated)"
    template = "预算执行率仅{actual}%，低于{expected}%，请核实资金未使用的原因及结转安排。"
    threshold_pct = 60.0

    def check(self, rec: dict) -> Iterator[dict]:
        spent = num(rec.get("spent_wan"))
        avail = _arrival_pct(rec)[1] or num(rec.get("allocated_wan"))  # received, or allocated × stated arrival
        rate = spent / avail * 100 if spent is not None and avail else num(rec.get("execution_rate_pct"))
        if rate is None or rate >= self.threshold_pct:
            return
        ev, page = prov(rec, "execution_rate_pct")
        if not ev:
            ev, page = prov(rec, "spent_wan")
        yield self.finding(expected=fmt(self.threshold_pct), actual=fmt(rate), evidence=ev, page=page)
