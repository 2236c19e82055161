"""survey.rate_mismatch (pipeline/rules/survey.py): the report's weights if stated, else any reasonable reading
of "satisfied" — conservative: only a rate no reading supports fires."""
from __future__ import annotations

import pytest

from tests.rulecase import fired, record


def survey(stated, options, valid=None, issued=None):
    return {"issued": issued, "valid": valid, "stated_pct": stated, "page": 8, "evidence": f"满意度{stated}%",
            "options": [dict(zip(("label", "count", "share_pct", "weight_pct"), o)) for o in options]}


OPTS = [("非常满意", 167, None, None), ("满意", 96, None, None), ("基本满意", 18, None, None), ("不满意", 6, None, None)]
R = "survey.rate_mismatch"
CASES = [
    ("满意+非常满意 263/287 = 91.64: silent", survey(91.64, OPTS, valid=287), {}),
    ("with 基本满意 281/287 = 97.91: silent", survey(97.91, OPTS, valid=287), {}),
    ("truncated 91.63 gives no finding", survey(91.63, OPTS, valid=287), {}),
    ("95.00 follows from no reading fires", survey(95.0, OPTS, valid=287), {R: "warning"}),
    ("no valid count: the option total is the base", survey(91.64, OPTS), {}),
    ("shares given instead of counts: 60+30 = 90: silent",
     survey(90.0, [("非常满意", None, 60.0, None), ("满意", None, 30.0, None), ("不满意", None, 10.0, None)]), {}),
    ("rounded shares 14.29+42.86 = 57.15 against stated 57.14: silent",
     survey(57.14, [("非常满意", None, 14.29, None), ("满意", None, 42.86, None), ("不满意", None, 42.85, None)]), {}),
    ("report's weights 100/80/60/0: 167+76.8+10.8 = 254.6/287 = 88.71: silent",
     survey(88.71, [("非常满意", 167, None, 100), ("满意", 96, None, 80), ("基本满意", 18, None, 60),
                   ("不满意", 6, None, 0)], valid=287), {}),
    ("weights for the positive options only (不满意 unweighted = 0), answers of 4 questions × 23 people: silent",
     survey(93.04, [("非常满意", 41, None, 100), ("满意", 38, None, 90), ("一般", 13, None, 80),
                    ("不满意", 0, None, None)], valid=23, issued=23), {}),
    ("report's weights but stated 95 fires",
     survey(95.0, [("非常满意", 167, None, 100), ("满意", 96, None, 80), ("基本满意", 18, None, 60),
                   ("不满意", 6, None, 0)], valid=287), {R: "warning"}),
    ("一般 and 不太满意 are not satisfied: 97.21 (279/287) only with 一般 fires if stated 99",
     survey(99.0, [("满意", 211, None, None), ("比较满意", 43, None, None), ("一般", 25, None, None),
                   ("不太满意", 8, None, None)], valid=287), {R: "warning"}),
    ("a label cut short (非常满) still counts as satisfied",
     survey(91.64, [("非常满", 167, None, None), ("满意", 96, None, None), ("不满意", 24, None, None)], valid=287), {}),
    ("option counts (32) that are not valid × questions (23 × n) mean a lost column: not judged",
     survey(93.04, [("满意", 27, None, 90), ("一般", 5, None, 80), ("不满意", 0, None, None)], valid=23), {}),
    ("one option only is not judged", survey(50.0, [("满意", 10, None, None)]), {}),
    ("no stated rate: silent", survey(None, OPTS, valid=287), {}),
]


@pytest.mark.parametrize("title,s,expected", CASES, ids=[c[0] for c in CASES])
def test_survey_rules(title, s, expected):
    assert fired("survey", record(survey=s)) == expected, title
