"""Count rules (pipeline/rules/counts.py): parts vs total, and a claimed rate against the counts given for it."""
from __future__ import annotations

import pytest

from tests.rulecase import fired, record


def cnt(name, total, parts, rate=None, **kw):
    return {"name": name, "total": total, "parts": [{"name": n, "value": v} for n, v in parts],
            "stated_rate_pct": rate, "page": 7, "evidence": f"{name}{total}，比率{rate}%", **kw}


S, R = "count.sum_mismatch", "count.rate_claim_mismatch"
CASES = [
    ("parts 10,205+1,164+7,068 = 18,437: silent",
     [cnt("退休人员", 18437, [("区级", 10205), ("市级", 1164), ("市以上", 7068)])], {}),
    ("parts one short of the total fire", [cnt("退休人员", 18437, [("区级", 10205), ("市级", 1164), ("市以上", 7067)])],
     {S: "warning"}),
    ("a single part is not a breakdown: silent", [cnt("退休人员", 18437, [("区级", 10205)])], {}),
    ("接收率 100 % with 16,612 of a base 18,437 fires",
     [cnt("档案接收", 16612, [("市以上", 7904), ("区级", 8708)], rate=100, base=18437)], {R: "warning"}),
    ("接收率 90.10 % with 16,612 of 18,437 (90.101…) rounds: silent",
     [cnt("档案接收", 16612, [("市以上", 7904), ("区级", 8708)], rate=90.10, base=18437)], {}),
    ("准确率 99.94 % from 实发 19,229 / 应发 19,240: silent",
     [cnt("慰问金发放", None, [("应发人数", 19240), ("实发人数", 19229)], rate=99.94)], {}),
    ("准确率 100 % with 实发 19,229 / 应发 19,240 fires",
     [cnt("慰问金发放", None, [("应发人数", 19240), ("实发人数", 19229)], rate=100)], {R: "warning"}),
    ("total 应发 19,240 with the one part 实发 19,229 and 99.94 %: silent",
     [cnt("应发/实发", 19240, [("实发", 19229)], rate=99.94)], {}),
    ("total 应发 19,115 with the one part 实发 19,088 and 100 % fires",
     [cnt("应发/实发", 19115, [("实发", 19088)], rate=100)], {R: "warning"}),
    ("a rate not written in the count's own evidence (a target's 100 %) is not its claim",
     [dict(cnt("应发/实发", 19115, [("实发", 19088)], rate=100), evidence="应发19,115人，实发19,088人，准确率为99.86%")], {}),
    ("the same count read twice fires once",
     [cnt("应发/实发", 19115, [("实发", 19088)], rate=100)] * 2, {R: "warning"}),
    ("移交率 100 % with 未移交 12 of 579 fires",
     [cnt("移交", 579, [("已移交", 567), ("未移交", 12)], rate=100)], {R: "warning"}),
    ("100 % (no decimals) with 25,409 of 25,410 fires: nobody missed is the claim",
     [dict(cnt("资助", None, [("应资助", 25410), ("实际资助", 25409)], rate=100),
           evidence="应资助25410人，实际资助25409人，资助覆盖率100%")], {R: "warning"}),
    ("100.00 % with 25,409 of 25,410 is 99.996 % to two decimals: silent",
     [dict(cnt("资助", None, [("应资助", 25410), ("实际资助", 25409)], rate=100),
           evidence="应资助25410人，实际资助25409人，资助覆盖率100.00%")], {}),
    ("100.00 % with 19,229 of 19,240 (99.94 %) fires",
     [dict(cnt("发放", None, [("应发人数", 19240), ("实发人数", 19229)], rate=100),
           evidence="应发人数19240人，实发人数19229人，准确率100.00%")], {R: "warning"}),
    ("truncated rate 88.67 for 47/53 is info only",
     [cnt("走访", 47, [], rate=88.67, base=53)], {R: "info"}),
    ("a rate with no base or due/done parts is not judged",
     [cnt("退休人员", 18437, [("区级", 10205), ("市级", 1164), ("市以上", 7068)], rate=100)], {}),
]


@pytest.mark.parametrize("title,counts,expected", CASES, ids=[c[0] for c in CASES])
def test_count_rules(title, counts, expected):
    assert fired("counts", record(counts=counts)) == expected, title


def test_duplicate_count_gives_one_finding():
    from tests.rulecase import findings
    assert len(findings("counts", record(counts=[cnt("应发/实发", 19115, [("实发", 19088)], rate=100)] * 2))) == 1
