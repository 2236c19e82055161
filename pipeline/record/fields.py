"""The ordered list of field families that turn a document into a record, and the check that the
order is right. Each family module ``pipeline/record/<name>.py`` declares the record keys it reads
and writes (``READS``, ``WRITES``) and the keys it may overwrite after an earlier family
(``OVERRIDES``); the check runs at import, so a family that reads a key nobody wrote before it, or
two families that silently write the same key, fail before any report is read."""
from __future__ import annotations

import importlib
from types import ModuleType

from .schema import empty_record

# form comes after funds, indicators and targets: a value the self-evaluation form states
# outranks what those read from the narrative (see pipeline/record/form.py)
NAMES = ("meta", "sections", "indicators", "funds", "survey", "targets", "form", "counts", "problems")

# keys build_record sets before any family runs
BASE = ("doc_id", "source_path", "source_format", "pages", "text_chars", "ocr_pages", "narrative")
# collections every family adds its own entries to (keyed by field, or appended), never replaces:
# several families may write them without an override
SHARED = ("provenance", "rounding", "statements", "notes")
RECORD_KEYS = frozenset(empty_record()) | set(SHARED)


class FamilyOrderError(ImportError):
    """The families' declarations do not fit their order (raised at import of pipeline.record)."""


def check_order(families: list[tuple[str, ModuleType]]) -> None:
    """Raise FamilyOrderError unless every key a family reads is a base or shared key or is written
    by an earlier family, and every key written by two families is declared in the later one's
    ``OVERRIDES`` (and only such keys are)."""
    writer: dict[str, str] = {}
    for name, mod in families:
        for const in ("READS", "WRITES"):
            if not isinstance(getattr(mod, const, None), tuple):
                raise FamilyOrderError(f"record family {name!r} must declare {const} = (...) (record keys)")
        reads, writes, overrides = mod.READS, mod.WRITES, tuple(getattr(mod, "OVERRIDES", ()))
        unknown = sorted(set(reads + writes + overrides) - RECORD_KEYS)
        if unknown:
            raise FamilyOrderError(f"record family {name!r} names keys the record does not have: {unknown} "
                                   "(see pipeline/record/schema.py)")
        early = [k for k in reads if k not in BASE and k not in SHARED and k not in writer]
        if early:
            raise FamilyOrderError(f"record family {name!r} reads {early}, which no earlier family writes: "
                                   "move it after the family that writes them (fields.NAMES)")
        for k in overrides:
            if k not in writes or k not in writer:
                raise FamilyOrderError(f"record family {name!r} declares it overrides {k!r}, but it does not "
                                       "write it or no earlier family does: drop it from OVERRIDES")
        for k in writes:
            if k in writer and k not in SHARED and k not in overrides:
                raise FamilyOrderError(f"record families {writer[k]!r} and {name!r} both write {k!r}: declare it in "
                                       f"{name}.OVERRIDES with a comment why the later one wins")
            if k not in SHARED or k not in writer:
                writer[k] = name


def load(names: tuple[str, ...] = NAMES) -> list[tuple[str, ModuleType]]:
    """The family modules in order; a listed family without its module is an error, never skipped."""
    out = []
    for name in names:
        try:
            mod = importlib.import_module(f"pipeline.record.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"pipeline.record.{name}":
                raise FamilyOrderError(f"record family {name!r} is listed in pipeline/record/fields.py but "
                                       f"pipeline/record/{name}.py does not exist: add it or drop the name") from e
            raise
        out.append((name, mod))
    return out


_MODULES = load()
check_order(_MODULES)
FAMILIES: list = [mod.extract for _, mod in _MODULES]
