"""All rules, registered by importing their modules here. ``run(record)`` gives a report's findings."""
from __future__ import annotations

import importlib
import pkgutil

from .base import REGISTRY, Rule

for _m in pkgutil.iter_modules(__path__):
    if _m.name != "base":
        importlib.import_module(f"{__name__}.{_m.name}")

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def run(rec: dict) -> list[dict]:
    """Findings of every per-report rule; a rule that crashes becomes an info finding, not a crash."""
    out: list[dict] = []
    for rule in REGISTRY.values():
        if rule.corpus:
            continue
        try:
            for f in rule.check(rec):
                f["doc_id"] = rec.get("doc_id")
                out.append(f)
        except Exception as e:  # a rule bug must not cost the report
            out.append({"doc_id": rec.get("doc_id"), "rule_id": "internal.rule_error", "severity": "info",
                        "message": f"规则 {rule.id} 运行出错：{type(e).__name__}: {e}", "expected": None,
                        "actual": None, "evidence": None, "page": None})
    # a finding that rests on an untrusted OCR value is demoted to meta.low_confidence_ocr (rules/ocr.py)
    from .ocr import guard
    out = guard(rec, out)
    out.sort(key=lambda f: SEVERITY_ORDER.get(f["severity"], 9))
    return out


def run_corpus(records: list[dict], texts=None) -> list[dict]:
    """Findings of every corpus rule; ``texts(doc_ids)`` streams document texts (see Rule.check_corpus)."""
    out: list[dict] = []
    for rule in REGISTRY.values():
        if rule.corpus:
            out.extend(rule.check_corpus(records, texts))
    return out


__all__ = ["REGISTRY", "Rule", "run", "run_corpus"]
