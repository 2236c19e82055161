"""Targets marked as met whose actual value misses the target value."""
from __future__ import annotations

from typing import Iterator

from .base import Rule
from .common import num

MET = ("已完成", "完成", "达成", "已达成", "达到", "已达到", "是")


class ClaimedMetBelowTarget(Rule):
    id = "target.claimed_met_below_target"
    severity = "warning"
    doc = "a target marked 已完成/达成 whose actual value misses the target (respects ≥, ≤, =)"
    template = "绩效目标“{name}”标为已完成，但实际值{actual}未达到目标值{expected}，请核对完成情况或评分。"
    tolerance = 1e-6      # same unit, so only float noise

    def check(self, rec: dict) -> Iterator[dict]:
        for t in rec.get("targets") or []:
            if not isinstance(t, dict) or (t.get("status") or "").strip() not in MET:
                continue
            tv, av, d = num(t.get("target_value")), num(t.get("actual_value")), t.get("direction")
            if tv is None or av is None or d not in (">=", "<=", "="):
                continue  # no direction: we cannot tell which side misses
            missed = (d == ">=" and av < tv - self.tolerance) or (d == "<=" and av > tv + self.tolerance) \
                or (d == "=" and abs(av - tv) > self.tolerance)
            if missed:
                yield self.finding(expected=t.get("target_text") or f"{d}{tv}", actual=t.get("actual_text") or av,
                                   name=t.get("name") or "", evidence=t.get("evidence"), page=t.get("page"))
