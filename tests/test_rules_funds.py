"""Funds rules (pipeline/rules/funds.py): rates recomputed both ways, sums, masking, low execution."""
from __future__ import annotations

import pytest

from tests.rulecase import fired, record


def src(name, kind, a=None, r=None, s=None):
    return {"name": name, "kind": kind, "allocated_wan": a, "received_wan": r, "spent_wan": s, "page": 2,
            "evidence": f"{name} {a} {r} {s}"}


def det(name, yuan):
    return {"name": name, "amount_yuan": yuan, "page": 4, "evidence": f"{name} {yuan}元"}


CASES = [
    # funds.execution_rate_mismatch (low_execution fires alongside where execution < 60 %)
    ("28.91 vs 7.3278/25.35=28.906 rounds: no mismatch",
     record(allocated_wan=25.35, spent_wan=7.3278, execution_rate_pct=28.91), {"funds.low_execution": "warning"}),
    ("rate against received agrees though allocated differs: silent",
     record(allocated_wan=100, received_wan=50, spent_wan=49, execution_rate_pct=98.0), {}),
    ("rate against allocated agrees though received differs: silent",
     record(allocated_wan=100, received_wan=120, spent_wan=99, execution_rate_pct=99.0), {}),
    ("truncated rate (91.42 for 91.428…) is info only",
     record(allocated_wan=35, spent_wan=32, execution_rate_pct=91.42), {"funds.execution_rate_mismatch": "info"}),
    ("truncated against one denominator but rounded against the other: silent",
     record(allocated_wan=35, received_wan=32, spent_wan=32, execution_rate_pct=100.0), {}),
    ("100 % when more than the budget was spent is accepted",
     record(allocated_wan=10, spent_wan=10.2, execution_rate_pct=100), {}),
    ("rate matching neither denominator fires",
     record(allocated_wan=100, received_wan=80, spent_wan=70, execution_rate_pct=95.0),
     {"funds.execution_rate_mismatch": "warning"}),
    ("rate without spent is not judged", record(allocated_wan=100, execution_rate_pct=95.0), {}),
    # funds.arrival_rate_mismatch
    ("arrival 31.77 vs 151.68/477.4=31.772 rounds: silent",
     record(allocated_wan=477.4, received_wan=151.68, spent_wan=151.68, arrival_rate_pct=31.77),
     {"funds.execution_masks_arrival": "warning"}),
    ("arrival 100 vs received 80 of 100 fires",
     record(allocated_wan=100, received_wan=80, spent_wan=80, arrival_rate_pct=100),
     {"funds.arrival_rate_mismatch": "warning"}),
    # funds.sum_mismatch
    ("sources add up to the 合计 row and the report's amounts: silent",
     record(allocated_wan=25.35, fund_sources=[src("中央", "source", 20.0), src("省级", "source", 5.35),
                                               src("合计", "total", 25.35)]), {}),
    ("sources do not add up to the 合计 row fires",
     record(fund_sources=[src("中央", "source", 20.0), src("省级", "source", 4.35), src("合计", "total", 25.35)]),
     {"funds.sum_mismatch": "warning"}),
    ("合计 row differs from the report's allocated amount fires",
     record(allocated_wan=26.35, fund_sources=[src("中央", "source", 20.0), src("省级", "source", 5.35),
                                               src("合计", "total", 25.35)]), {"funds.sum_mismatch": "warning"}),
    ("rounded parts within a cent of the total: silent",
     record(fund_sources=[src("中央", "source", 1.333), src("省级", "source", 1.333), src("县级", "source", 1.333),
                          src("合计", "total", 4.0)]), {}),
    ("years add up to 合计; a multi-year 合计 is not the evaluated amount: silent",
     record(allocated_wan=477.39, fund_sources=[src("2020", "year", 120.53), src("2021", "year", 237.98),
                                                src("2022", "year", 171.99), src("合计", "total", 530.5)]), {}),
    ("years not adding up to 合计 fire",
     record(fund_sources=[src("2020", "year", 120.53), src("2021", "year", 237.98), src("合计", "total", 530.5)]),
     {"funds.sum_mismatch": "warning"}),
    ("no 合计 row: parts are not compared with anything",
     record(allocated_wan=30, fund_sources=[src("中央", "source", 20.0), src("省级", "source", 5.35)]), {}),
    ("expense lines add up and equal spent × 10000: silent",
     record(spent_wan=7.3278, expense_total_yuan=73278.0,
            expense_details=[det("办公用品", 23278.0), det("档案柜", 50000.0)]), {}),
    ("expense lines do not add up to their total fires",
     record(expense_total_yuan=73278.0, expense_details=[det("办公用品", 23278.0), det("档案柜", 40000.0)]),
     {"funds.sum_mismatch": "warning"}),
    ("expense total in 元 vs spent rounded to 万元 two decimals: silent (7.33万 ≈ 73,278元)",
     record(spent_wan=7.33, expense_total_yuan=73278.0, expense_details=[det("a", 23278.0), det("b", 50000.0)]), {}),
    ("expense total in 元 vs spent 万元 off by 1000元 fires",
     record(spent_wan=7.4278, expense_total_yuan=73278.0, expense_details=[det("a", 23278.0), det("b", 50000.0)]),
     {"funds.sum_mismatch": "warning"}),
    ("lines adding up to the allocated amount are a funding breakdown, not spending: silent",
     record(allocated_wan=8642.73, spent_wan=6914.184, expense_total_yuan=86427300.0,
            expense_details=[det("中央", 62318400.0), det("省级", 24108900.0)]), {}),
    # funds.execution_masks_arrival
    ("all received spent but received only 20 % of allocated fires",
     record(allocated_wan=100, received_wan=20, spent_wan=20), {"funds.execution_masks_arrival": "warning"}),
    ("stated arrival rate 30 % with spending equal to it fires",
     record(allocated_wan=100, arrival_rate_pct=30, spent_wan=30), {"funds.execution_masks_arrival": "warning"}),
    ("arrival 60 % is not a small share: silent",
     record(allocated_wan=100, received_wan=60, spent_wan=60), {}),
    # funds.low_execution
    ("execution 59 % of received fires", record(received_wan=100, spent_wan=59), {"funds.low_execution": "warning"}),
    ("execution 60 % exactly: silent", record(received_wan=100, spent_wan=60), {}),
    ("stated 45 % without amounts fires", record(execution_rate_pct=45.0), {"funds.low_execution": "warning"}),
    ("nothing known: silent", record(), {}),
]


@pytest.mark.parametrize("title,rec,expected", CASES, ids=[c[0] for c in CASES])
def test_funds_rules(title, rec, expected):
    assert fired("funds", rec) == expected, title


def test_truncated_arrival_rate_is_info_saying_truncation():
    from tests.rulecase import findings
    got = findings("funds", record(allocated_wan=35, received_wan=32, spent_wan=32, arrival_rate_pct=91.42))
    arr = [f for f in got if f["rule_id"] == "funds.arrival_rate_mismatch"]
    assert len(arr) == 1 and arr[0]["severity"] == "info" and "截尾" in arr[0]["message"], got
