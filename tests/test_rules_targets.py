"""target.claimed_met_below_target (pipeline/rules/targets.py): the direction of the target decides what misses."""
from __future__ import annotations

import pytest

from tests.rulecase import fired, record


def tgt(direction, target, actual, status="已完成", name="档案接收率", unit="%"):
    return {"name": name, "direction": direction, "target_text": f"{direction}{target}{unit}", "target_value": target,
            "actual_text": f"{actual}{unit}", "actual_value": actual, "unit": unit, "status": status, "page": 6,
            "evidence": f"{name} {direction}{target} {actual} {status}"}


R = "target.claimed_met_below_target"
CASES = [
    ("≥100 % claimed met at 90 % fires", [tgt(">=", 100, 90)], {R: "warning"}),
    ("≥100 % met at 100 %: silent", [tgt(">=", 100, 100)], {}),
    ("≥412 people exceeded (超过412人 → 412): silent", [tgt(">=", 412, 412, unit="人")], {}),
    ("≤ 5 days claimed met at 7 fires", [tgt("<=", 5, 7, unit="天")], {R: "warning"}),
    ("≤ 5 days met at 3: silent", [tgt("<=", 5, 3, unit="天")], {}),
    ("= 100 % claimed met at 99.93 fires", [tgt("=", 100, 99.93)], {R: "warning"}),
    ("= 12 months met at 12: silent", [tgt("=", 12, 12, unit="个月")], {}),
    ("below target but marked 部分完成 is honest: silent", [tgt(">=", 100, 90, status="部分完成")], {}),
    ("below target but marked 未完成 is honest: silent", [tgt(">=", 100, 90, status="未完成")], {}),
    ("no direction: cannot tell, silent", [tgt(None, 100, 90)], {}),
    ("no actual value: silent", [dict(tgt(">=", 100, 90), actual_value=None)], {}),
]


@pytest.mark.parametrize("title,targets,expected", CASES, ids=[c[0] for c in CASES])
def test_target_rules(title, targets, expected):
    assert fired("targets", record(targets=targets)) == expected, title
