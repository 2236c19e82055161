"""Logic rules (pipeline/rules/logic.py): clause-level reading of the narrative with negation and scope."""
from __future__ import annotations

import pytest

from tests.rulecase import fired, record


def story(*paras, section="项目实施情况"):
    return [{"text": p, "page": 5, "start": 0, "section": section, "kind": "paragraph"} for p in paras]


FULL = dict(allocated_wan=12.6, received_wan=12.6, spent_wan=12.6, execution_rate_pct=100.0)
HALF = dict(allocated_wan=10.0, received_wan=10.0, spent_wan=5.0, execution_rate_pct=50.0)
UNDONE = "截至评价日，该工程未按照计划开展建设工作，年度实施任务没有完成。"
NO_FUNDS = "截至评价日，上级配套资金未落实到位，本年支出12.60万元，预算执行率为100%。"

CASES = [
    # logic.full_execution_unimplemented
    ("full spending and 未按照计划开展建设工作 fires", record(**FULL, narrative=story(UNDONE)),
     {"logic.full_execution_unimplemented": "error"}),
    ("full spending and 项目尚未实施 fires", record(**FULL, narrative=story("该项目尚未实施。")),
     {"logic.full_execution_unimplemented": "error"}),
    ("half spending with the same text: silent", record(**HALF, narrative=story(UNDONE)), {}),
    ("项目已实施 is not 未实施", record(**FULL, narrative=story("项目已实施，各项工作按计划开展。")), {}),
    ("未及时完成 is lateness, not non-implementation", record(**FULL, narrative=story("工程未及时完成，拖慢了竣工验收。")), {}),
    ("denied: 不存在项目未实施的情况", record(**FULL, narrative=story("经核查，不存在项目未实施的情况。")), {}),
    ("conditional: 如项目未完成应扣分", record(**FULL, narrative=story("如项目未完成，应按比例扣分。")), {}),
    ("partial: 部分工作未完成 is not the whole project", record(**FULL, narrative=story("部分工作未完成。")), {}),
    ("full spending and 任务未能全部完成 fires", record(**FULL, narrative=story("至年末，项目任务未能全部完成。")),
     {"logic.full_execution_unimplemented": "error"}),
    ("资金未能按时足额到位 is not only late: fires", record(**FULL, narrative=story("由于财政紧张，项目资金未能按时足额到位。")),
     {"logic.funds_not_in_place_but_spent": "error"}),
    ("recommendation section is not a statement of fact",
     record(**FULL, narrative=story("避免项目未按计划开展。", "加快推进未开展的工作。", section="（三）建议")), {}),
    ("未完成 about something that is not the work (绩效目标值) is not judged",
     record(**FULL, narrative=story("满意度指标未完成。")), {}),
    # logic.funds_not_in_place_but_spent
    ("资金未落实到位 while 100 % spent and arrived fires", record(**FULL, narrative=story(NO_FUNDS)),
     {"logic.funds_not_in_place_but_spent": "error"}),
    ("资金未拨付 while arrival 100 % fires",
     record(allocated_wan=10, arrival_rate_pct=100.0, narrative=story("上级资金未拨付。")),
     {"logic.funds_not_in_place_but_spent": "error"}),
    ("资金未及时到位 with full arrival is late, not missing: info",
     record(**FULL, narrative=story("部分资金未及时到位，影响项目进度。")), {"logic.funds_not_in_place_but_spent": "info"}),
    ("资金未到位 while only 40 % arrived is consistent: silent",
     record(allocated_wan=10, received_wan=4, spent_wan=4, narrative=story("部分资金未到位。")), {}),
    ("未发现截留、挪用 is not a problem", record(**FULL, narrative=story("未发现截留、挪用资金的情况，资金已全部到位。")), {}),
    ("制度执行不到位 is not funds", record(**FULL, narrative=story("档案管理制度欠完善，制度执行不到位。")), {}),
    ("资金管理制度执行不到位 is not funds either", record(**FULL, narrative=story("资金管理制度执行不到位。")), {}),
    ("经费落实不到位 (poor follow-through, another pot of money) is not funds missing",
     record(**FULL, narrative=story("建后管护经费落实不到位，存在重建轻管现象。")), {}),
    ("资金不到位 stated flatly fires", record(**FULL, narrative=story("项目资金不到位。")),
     {"logic.funds_not_in_place_but_spent": "error"}),
    ("不存在资金未到位 is denied", record(**FULL, narrative=story("不存在资金未到位的情况。")), {}),
]


@pytest.mark.parametrize("title,rec,expected", CASES, ids=[c[0] for c in CASES])
def test_logic_rules(title, rec, expected):
    assert fired("logic", rec) == expected, title


def test_evidence_is_the_sentence_and_page_is_kept():
    from tests.rulecase import findings
    f = findings("logic", record(**FULL, narrative=story(UNDONE)))[0]
    assert "未按照计划开展建设工作" in f["evidence"] and f["page"] == 5


MORE = [
    ("相关工作尚未开展 fires", record(**FULL, narrative=story("截至评价日，相关工作尚未开展。")),
     {"logic.full_execution_unimplemented": "error"}),
    ("a method (对资金未到位的原因逐项核查分析) is not a finding",
     record(**FULL, narrative=story("评价组对资金未到位的原因逐项进行核查分析。")), {}),
    ("the method section is not read", record(**FULL, narrative=story(UNDONE, section="（三）评价方法")), {}),
    ("已完成全部任务，无未完成事项 is denied", record(**FULL, narrative=story("已完成全部任务，无未完成项目任务。")), {}),
]


@pytest.mark.parametrize("title,rec,expected", MORE, ids=[c[0] for c in MORE])
def test_logic_scope(title, rec, expected):
    assert fired("logic", rec) == expected, title
