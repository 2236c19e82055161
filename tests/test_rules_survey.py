"""survey.rate_mismatch (pipeline/rules/survey.py): the report's weights if stated, else any reasonable reading
of "satisfied" — conservative: only a rate no reading supports fires."""
from __future__ import annotations

import pytest

from tests.rulecase import fired, record


def survey(stated, options, valid=None, issued=None):
    return {"issued": issued, "valid": valid, "stated_pct": stated, "page": 8, "evidence": f"满意度{stated}%",
            "options": [dict(zip(("label", "count", "share_pct", "weight_pct"), o)) for o in options]}


OPTS = [("非常满意", 150, None, None), ("满意", 100, None, None), ("基本满意", 20, None, None), ("不满意", 5, None, None)]
R = "survey.rate_mismatch"
CASES = [
    ("满意+非常满意 250/275 = 90.91: silent", survey(90.91, OPTS, valid=275), {}),
    ("with 基本满意 270/275 = 98.18: silent", survey(98.18, OPTS, valid=275), {}),
    ("truncated 90.90 gives no finding", survey(90.90, OPTS, valid=275), {}),
    ("95.00 follows from no reading fires", survey(95.0, OPTS, valid=275), {R: "warning"}),
    ("no valid count: the option total is the base", survey(90.91, OPTS), {}),
    ("shares given instead of counts: 60+30 = 90: silent",
     survey(90.0, [("非常满意", None, 60.0, None), ("满意", None, 30.0, None), ("不满意", None, 10.0, None)]), {}),
    ("rounded shares 33.33+33.33 = 66.66 against stated 66.67: silent",
     survey(66.67, [("非常满意", None, 33.33, None), ("满意", None, 33.33, None), ("不满意", None, 33.34, None)]), {}),
    ("report's weights 100/80/60/0: 150+80+12 = 242/275 = 88.0: silent",
     survey(88.0, [("非常满意", 150, None, 100), ("满意", 100, None, 80), ("基本满意", 20, None, 60),
                   ("不满意", 5, None, 0)], valid=275), {}),
    ("weights for the positive options only (不满意 unweighted = 0), answers of 4 questions × 20 people: silent",
     survey(93.63, [("非常满意", 37, None, 100), ("满意", 35, None, 90), ("一般", 8, None, 80),
                    ("不满意", 0, None, None)], valid=20, issued=20), {}),
    ("report's weights but stated 95 fires",
     survey(95.0, [("非常满意", 150, None, 100), ("满意", 100, None, 80), ("基本满意", 20, None, 60),
                   ("不满意", 5, None, 0)], valid=275), {R: "warning"}),
    ("一般 and 不太满意 are not satisfied: 96.36 (265/275) only with 一般 fires if stated 99",
     survey(99.0, [("满意", 200, None, None), ("比较满意", 45, None, None), ("一般", 20, None, None),
                   ("不太满意", 10, None, None)], valid=275), {R: "warning"}),
    ("a label cut short (非常满) still counts as satisfied",
     survey(90.91, [("非常满", 150, None, None), ("满意", 100, None, None), ("不满意", 25, None, None)], valid=275), {}),
    ("option counts (30) that are not valid × questions (20 × n) mean a lost column: not judged",
     survey(93.63, [("满意", 26, None, 90), ("一般", 4, None, 80), ("不满意", 0, None, None)], valid=20), {}),
    ("one option only is not judged", survey(50.0, [("满意", 10, None, None)]), {}),
    ("no stated rate: silent", survey(None, OPTS, valid=275), {}),
]


@pytest.mark.parametrize("title,s,expected", CASES, ids=[c[0] for c in CASES])
def test_survey_rules(title, s, expected):
    assert fired("survey", record(survey=s)) == expected, title
