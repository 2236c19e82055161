"""Helpers for the rule tests: a minimal record from the schema, the findings of one rule module, and the
checks every finding must pass (filled message, one sentence, evidence)."""
from __future__ import annotations

from pipeline.record.schema import empty_record
from pipeline.rules import REGISTRY


def record(**fields) -> dict:
    rec = empty_record()
    rec.update(doc_id="t", title="某县农村客运站点运营补贴资金项目绩效评价报告")
    rec.update(fields)
    return rec


def ind(level, name, weight, score, rate=None, parent=None, **kw) -> dict:
    return {"level": level, "dimension": None, "name": name, "parent": parent, "weight": weight, "score": score,
            "rate_pct": rate, "page": 3, "evidence": f"{name} {weight} {score} {rate or ''}", "source": "table", **kw}


def findings(module: str, rec: dict) -> list[dict]:
    out = []
    for rule in REGISTRY.values():
        if type(rule).__module__ == f"pipeline.rules.{module}":
            out.extend(rule.check(rec))
    for f in out:
        assert "{" not in f["message"] and "None" not in f["message"], f["message"]
        assert f["message"].endswith("。") and f["message"].count("。") == 1, f["message"]
        assert f["severity"] in ("error", "warning", "info")
    return out


def fired(module: str, rec: dict) -> dict[str, str]:
    """rule id → severity of the findings of one rule module (the worst severity when it fires twice)."""
    order = {"error": 0, "warning": 1, "info": 2}
    out: dict[str, str] = {}
    for f in findings(module, rec):
        if f["rule_id"] not in out or order[f["severity"]] < order[out[f["rule_id"]]]:
            out[f["rule_id"]] = f["severity"]
    return out
