"""Count rules (pipeline/rules/counts.py): parts vs total, and a claimed rate against the counts given for it."""
from __future__ import annotations

import pytest

from tests.rulecase import fired, record


def cnt(name, total, parts, rate=None, **kw):
    return {"name": name, "total": total, "parts": [{"name": n, "value": v} for n, v in parts],
            "stated_rate_pct": rate, "page": 7, "evidence": f"{name}{total}，比率{rate}%", **kw}


S, R = "count.sum_mismatch", "count.rate_claim_mismatch"
CASES = [
    ("parts 12,612+1,373+8,541 = 22,526: silent",
     [cnt("退休人员", 22526, [("区级", 12612), ("市级", 1373), ("市以上", 8541)])], {}),
    ("parts one short of the total fire", [cnt("退休人员", 22526, [("区级", 12612), ("市级", 1373), ("市以上", 8540)])],
     {S: "warning"}),
    ("a single part is not a breakdown: silent", [cnt("退休人员", 22526, [("区级", 12612)])], {}),
    ("接收率 100 % with 20,298 of a base 22,526 fires",
     [cnt("档案接收", 20298, [("市以上", 9619), ("区级", 10679)], rate=100, base=22526)], {R: "warning"}),
    ("接收率 90.11 % with 20,298 of 22,526 (90.108…) rounds: silent",
     [cnt("档案接收", 20298, [("市以上", 9619), ("区级", 10679)], rate=90.11, base=22526)], {}),
    ("准确率 99.96 % from 实发 22,305 / 应发 22,313: silent",
     [cnt("慰问金发放", None, [("应发人数", 22313), ("实发人数", 22305)], rate=99.96)], {}),
    ("准确率 100 % with 实发 22,305 / 应发 22,313 fires",
     [cnt("慰问金发放", None, [("应发人数", 22313), ("实发人数", 22305)], rate=100)], {R: "warning"}),
    ("total 应发 22,313 with the one part 实发 22,305 and 99.96 %: silent",
     [cnt("应发/实发", 22313, [("实发", 22305)], rate=99.96)], {}),
    ("total 应发 22,292 with the one part 实发 22,264 and 100 % fires",
     [cnt("应发/实发", 22292, [("实发", 22264)], rate=100)], {R: "warning"}),
    ("a rate not written in the count's own evidence (a target's 100 %) is not its claim",
     [dict(cnt("应发/实发", 22292, [("实发", 22264)], rate=100), evidence="应发22,292人，实发22,264人，准确率为99.87%")], {}),
    ("the same count read twice fires once",
     [cnt("应发/实发", 22292, [("实发", 22264)], rate=100)] * 2, {R: "warning"}),
    ("移交率 100 % with 未移交 12 of 579 fires",
     [cnt("移交", 579, [("已移交", 567), ("未移交", 12)], rate=100)], {R: "warning"}),
    ("100 % (no decimals) with 25,409 of 25,410 fires: nobody missed is the claim",
     [dict(cnt("资助", None, [("应资助", 25410), ("实际资助", 25409)], rate=100),
           evidence="应资助25410人，实际资助25409人，资助覆盖率100%")], {R: "warning"}),
    ("100.00 % with 25,409 of 25,410 is 99.996 % to two decimals: silent",
     [dict(cnt("资助", None, [("应资助", 25410), ("实际资助", 25409)], rate=100),
           evidence="应资助25410人，实际资助25409人，资助覆盖率100.00%")], {}),
    ("100.00 % with 22,305 of 22,313 (99.96 %) fires",
     [dict(cnt("发放", None, [("应发人数", 22313), ("实发人数", 22305)], rate=100),
           evidence="应发人数22313人，实发人数22305人，准确率100.00%")], {R: "warning"}),
    ("truncated rate 91.42 for 32/35 is info only",
     [cnt("走访", 32, [], rate=91.42, base=35)], {R: "info"}),
    ("a rate with no base or due/done parts is not judged",
     [cnt("退休人员", 22526, [("区级", 12612), ("市级", 1373), ("市以上", 8541)], rate=100)], {}),
]


@pytest.mark.parametrize("title,counts,expected", CASES, ids=[c[0] for c in CASES])
def test_count_rules(title, counts, expected):
    assert fired("counts", record(counts=counts)) == expected, title


def test_duplicate_count_gives_one_finding():
    from tests.rulecase import findings
    assert len(findings("counts", record(counts=[cnt("应发/实发", 22292, [("实发", 22264)], rate=100)] * 2))) == 1
