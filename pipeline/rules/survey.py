"""Survey: a stated satisfaction rate that does not follow from the option counts or shares."""
from __future__ import annotations

from typing import Iterator

from .base import Rule
from .common import as_stated, fmt, half_ulp, num, stated_decimals, verdict

NEG = ("不满", "不太满", "不了解", "不知道", "不清楚")


def _tier(label: str) -> int | None:
    """0 非常满意/满意, 1 比较满意/较满意, 2 基本满意/一般; None for a negative option."""
    if any(n in label for n in NEG):
        return None
    if "基本" in label or "一般" in label:
        return 2
    if "比较" in label or "较" in label:
        return 1
    if "满" in label or "了解" in label or "知道" in label:  # "满" also covers a label cut short (非常满)
        return 0
    return None


class SurveyRateMismatch(Rule):
    id = "survey.rate_mismatch"
    severity = "warning"
    doc = ("a stated satisfaction rate must follow from the option counts/shares: the report's weights if given, "
           "else the share of satisfied options (满意 + 非常满意, optionally + 比较/基本满意 — any reading agrees)")
    template = "按问卷各选项数据计算满意度应为{expected}%，报告写为{actual}%，请核对计算口径。"
    min_options = 2

    def _candidates(self, s: dict) -> list[tuple[float, float]]:
        opts = [o for o in s.get("options") or [] if isinstance(o, dict) and o.get("label")]
        if len(opts) < self.min_options:
            return []
        counts = [num(o.get("count")) for o in opts]
        slack = 0.0
        if all(c is not None for c in counts):
            valid = num(s.get("valid"))
            total = sum(counts)
            # answers are valid × questions; any other total means an option column was lost (OCR, merged cells)
            if valid and total and abs(total / valid - round(total / valid)) > 1e-9:
                return []
            bases = {b for b in (num(s.get("valid")), sum(counts), num(s.get("issued"))) if b}
            shares = [[c / b * 100 for c in counts] for b in bases]
        else:
            sh = [num(o.get("share_pct")) for o in opts]
            if any(x is None for x in sh):
                return []
            shares = [sh]
            slack = sum(half_ulp(x) for x in sh)  # stated shares are rounded themselves
        out: list[tuple[float, float]] = []
        weights = [num(o.get("weight_pct")) for o in opts]
        for share in shares:
            if any(w is not None for w in weights):  # an option without a weight (不满意) scores 0
                out.append((sum(x * (w or 0) for x, w in zip(share, weights)) / 100, slack))
            tiers = [_tier(o["label"]) for o in opts]
            for upto in (0, 1, 2):
                out.append((sum(x for x, t in zip(share, tiers) if t is not None and t <= upto), slack))
        return out

    def check(self, rec: dict) -> Iterator[dict]:
        s = rec.get("survey") or {}
        r = num(s.get("stated_pct")) if isinstance(s, dict) else None
        if r is None:
            return
        cands = self._candidates(s)
        if not cands:
            return
        nd = stated_decimals(rec, r, evidence=s.get("evidence"))
        if any(verdict(r, a, 1.0, nd, pct=False) or abs(a - r) <= slack + 0.5 * 10 ** -nd + 1e-9 for a, slack in cands):
            return
        best = min(cands, key=lambda c: abs(c[0] - r))[0]
        yield self.finding(expected=fmt(best), actual=as_stated(r, nd), evidence=s.get("evidence"), page=s.get("page"))
