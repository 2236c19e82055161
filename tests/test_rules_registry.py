"""Every per-report rule id of the contract is registered, listed by `python -m pipeline rules`, and no rule
crashes on an empty or odd record."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import rules
from pipeline.record.schema import empty_record

ROOT = Path(__file__).resolve().parents[1]
# the per-report rule ids of /work/shared/CONTRACT.md (corpus rules live in pipeline/rules/corpus.py)
PER_REPORT = [
    "score.total_mismatch", "score.child_sum_mismatch", "score.rate_mismatch", "score.over_weight",
    "weight.total_not_100", "grade.band_mismatch", "number.restated_mismatch", "score.full_marks_despite_problem",
    "funds.execution_rate_mismatch", "funds.arrival_rate_mismatch", "funds.sum_mismatch",
    "funds.execution_masks_arrival", "funds.low_execution", "logic.full_execution_unimplemented",
    "logic.funds_not_in_place_but_spent", "target.claimed_met_below_target", "count.sum_mismatch",
    "count.rate_claim_mismatch", "survey.rate_mismatch", "text.offtopic_boilerplate", "meta.missing_field",
    "meta.missing_section",
]


@pytest.mark.parametrize("rid", PER_REPORT)
def test_contract_rule_is_registered_per_report(rid):
    r = rules.REGISTRY[rid]
    assert not r.corpus and r.doc and r.template and r.severity in ("error", "warning", "info")


def test_pipeline_rules_lists_every_contract_rule():
    out = subprocess.run([sys.executable, "-m", "pipeline", "rules"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    listed = {line.split()[0] for line in out.stdout.splitlines() if line.strip()}
    assert set(PER_REPORT) <= listed, set(PER_REPORT) - listed


def test_empty_record_gives_only_meta_findings():
    got = {f["rule_id"] for f in rules.run(empty_record())}
    assert got <= {"meta.missing_field", "meta.missing_section"}, got


def test_odd_values_do_not_crash_a_rule():
    rec = empty_record()
    rec.update(total_score="n/a", grade="A", spent_wan="", received_wan=0, allocated_wan=0, execution_rate_pct="100",
               indicators=[{"level": 1, "name": None, "weight": None, "score": "x"}, "junk"],
               statements=[{"quantity": "total_score", "value": "九十"}, {"quantity": "total_score", "value": 90}],
               survey={"stated_pct": 90, "options": [{"label": "满意"}, {"label": None}]},
               counts=[{"name": "x", "total": 1, "parts": [{"name": "a"}], "stated_rate_pct": 100}],
               targets=[{"status": "已完成", "direction": ">=", "target_value": "100", "actual_value": None}],
               fund_sources=[{"kind": "total"}], narrative=[{"text": None}, {"text": "资金未到位。"}])
    errs = [f for f in rules.run(rec) if f["rule_id"] == "internal.rule_error"]
    assert not errs, errs
