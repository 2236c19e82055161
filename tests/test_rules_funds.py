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
    ("33.98 vs 12.5173/36.84=33.977 rounds: no mismatch",
     record(allocated_wan=36.84, spent_wan=12.5173, execution_rate_pct=33.98), {"funds.low_execution": "warning"}),
    ("rate against received agrees though allocated differs: silent",
     record(allocated_wan=100, received_wan=50, spent_wan=49, execution_rate_pct=98.0), {}),
    ("rate against allocated agrees though received differs: silent",
     record(allocated_wan=100, received_wan=120, spent_wan=99, execution_rate_pct=99.0), {}),
    ("truncated rate (88.67 for 47/53 = 88.679…) is info only",
     record(allocated_wan=53, spent_wan=47, execution_rate_pct=88.67), {"funds.execution_rate_mismatch": "info"}),
    ("truncated against one denominator but rounded against the other: silent",
     record(allocated_wan=53, received_wan=47, spent_wan=47, execution_rate_pct=100.0), {}),
    ("100 % when more than the budget was spent is accepted",
     record(allocated_wan=10, spent_wan=10.2, execution_rate_pct=100), {}),
    ("rate matching neither denominator fires",
     record(allocated_wan=100, received_wan=80, spent_wan=70, execution_rate_pct=95.0),
     {"funds.execution_rate_mismatch": "warning"}),
    ("rate without spent is not judged", record(allocated_wan=100, execution_rate_pct=95.0), {}),
    # funds.arrival_rate_mismatch
    ("arrival 31.82 vs 171.43/538.7=31.823 rounds: silent",
     record(allocated_wan=538.7, received_wan=171.43, spent_wan=171.43, arrival_rate_pct=31.82),
     {"funds.execution_masks_arrival": "warning"}),
    ("arrival 100 vs received 80 of 100 fires",
     record(allocated_wan=100, received_wan=80, spent_wan=80, arrival_rate_pct=100),
     {"funds.arrival_rate_mismatch": "warning"}),
    # funds.sum_mismatch
    ("sources add up to the 合计 row and the report's amounts: silent",
     record(allocated_wan=27.48, fund_sources=[src("中央", "source", 20.0), src("省级", "source", 7.48),
                                               src("合计", "total", 27.48)]), {}),
    ("sources do not add up to the 合计 row fires",
     record(fund_sources=[src("中央", "source", 20.0), src("省级", "source", 6.48), src("合计", "total", 27.48)]),
     {"funds.sum_mismatch": "warning"}),
    ("合计 row differs from the report's allocated amount fires",
     record(allocated_wan=28.48, fund_sources=[src("中央", "source", 20.0), src("省级", "source", 7.48),
                                               src("合计", "total", 27.48)]), {"funds.sum_mismatch": "warning"}),
    ("rounded parts within a cent of the total: silent",
     record(fund_sources=[src("中央", "source", 1.333), src("省级", "source", 1.333), src("县级", "source", 1.333),
                          src("合计", "total", 4.0)]), {}),
    ("years add up to 合计; a multi-year 合计 is not the evaluated amount: silent",
     record(allocated_wan=412.76, fund_sources=[src("2020", "year", 108.47), src("2021", "year", 263.15),
                                                src("2022", "year", 154.62), src("合计", "total", 526.24)]), {}),
    ("years not adding up to 合计 fire",
     record(fund_sources=[src("2020", "year", 108.47), src("2021", "year", 263.15), src("合计", "total", 526.24)]),
     {"funds.sum_mismatch": "warning"}),
    ("no 合计 row: parts are not compared with anything",
     record(allocated_wan=30, fund_sources=[src("中央", "source", 20.0), src("省级", "source", 7.48)]), {}),
    ("expense lines add up and equal spent × 10000: silent",
     record(spent_wan=6.4153, expense_total_yuan=64153.0,
            expense_details=[det("办公用品", 21153.0), det("档案柜", 43000.0)]), {}),
    ("expense lines do not add up to their total fires",
     record(expense_total_yuan=64153.0, expense_details=[det("办公用品", 21153.0), det("档案柜", 35000.0)]),
     {"funds.sum_mismatch": "warning"}),
    ("expense total in 元 vs spent rounded to 万元 two decimals: silent (6.42万 ≈ 64,153元)",
     record(spent_wan=6.42, expense_total_yuan=64153.0, expense_details=[det("a", 21153.0), det("b", 43000.0)]), {}),
    ("expense total in 元 vs spent 万元 off by 1000元 fires",
     record(spent_wan=6.5153, expense_total_yuan=64153.0, expense_details=[det("a", 21153.0), det("b", 43000.0)]),
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
    got = findings("funds", record(allocated_wan=53, received_wan=47, spent_wan=47, arrival_rate_pct=88.67))
    arr = [f for f in got if f["rule_id"] == "funds.arrival_rate_mismatch"]
    assert len(arr) == 1 and arr[0]["severity"] == "info" and "截尾" in arr[0]["message"], got
