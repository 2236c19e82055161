"""A rule is a small declarative object: a stable id, a severity, a Chinese message template with
named fields, tolerances as fields, and one ``check(record)`` that yields findings.

Rules register themselves in ``REGISTRY`` when their module is imported; a duplicate id fails at
import time. Findings are plain dicts — the ``findings`` table's columns.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Iterator

SEVERITIES = ("error", "warning", "info")
REGISTRY: dict[str, "Rule"] = {}


@dataclass
class Rule:
    id: ClassVar[str]
    severity: ClassVar[str] = "warning"
    template: ClassVar[str] = ""        # str.format fields, Chinese, one sentence a reader can act on
    doc: ClassVar[str] = ""             # what it checks, one line (``pipeline rules`` prints it)
    corpus: ClassVar[bool] = False      # True: check_corpus(records, texts) instead of check(record)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if not getattr(cls, "id", None):
            return
        if cls.id in REGISTRY:
            raise ValueError(f"duplicate rule id {cls.id}")
        if cls.severity not in SEVERITIES:
            raise ValueError(f"{cls.id}: severity {cls.severity!r} not in {SEVERITIES}")
        REGISTRY[cls.id] = cls()

    def check(self, rec: dict) -> Iterator[dict]:
        return iter(())

    def check_corpus(self, records: list[dict], texts=None) -> Iterator[dict]:
        """``texts(doc_ids)``, when given, yields (doc_id, document text) in that order: records
        from the warehouse leave the text out, a rule that reads it streams it."""
        return iter(())

    def finding(self, doc_id=None, *, expected=None, actual=None, evidence=None, page=None,
                severity: str | None = None, **fields) -> dict:
        return {
            "doc_id": doc_id, "rule_id": self.id, "severity": severity or self.severity,
            "message": self.template.format(expected=expected, actual=actual, **fields),
            "expected": None if expected is None else str(expected),
            "actual": None if actual is None else str(actual),
            "evidence": (evidence or "")[:500] or None, "page": page,
        }
