"""The ordered list of field families that turn a document into a record."""
from __future__ import annotations

FAMILIES: list = []


def _load() -> None:
    import importlib
    # form comes after funds, indicators and targets: a value the self-evaluation form states
    # outranks what those read from the narrative (see pipeline/record/form.py)
    for name in ("meta", "sections", "indicators", "funds", "survey", "targets", "form", "counts", "problems", "statements"):
        try:
            mod = importlib.import_module(f"pipeline.record.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"pipeline.record.{name}":
                continue          # family not written yet
            raise
        FAMILIES.append(mod.extract)


_load()
