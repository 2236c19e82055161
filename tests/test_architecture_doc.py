"""docs/ARCHITECTURE.md exists, speaks of the repository only (no machine's absolute paths), and
every repository path it names exists."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ARCHITECTURE.md"
ABSOLUTE = re.compile(r"(?<![\w.])(?:/work|/home|/tmp|/Users|/root|~/)|[A-Za-z]:\\")


def test_architecture_doc_exists_and_covers_the_four_ways_to_extend():
    text = DOC.read_text(encoding="utf-8")
    for part in ("## The flow", "### A file format", "### A record field", "### A rule", "### A view"):
        assert part in text


def test_architecture_doc_has_no_absolute_path():
    bad = [ln for ln in DOC.read_text(encoding="utf-8").splitlines() if ABSOLUTE.search(ln)]
    assert not bad, f"absolute paths in docs/ARCHITECTURE.md (use repository-relative ones): {bad}"


def test_absolute_path_check_catches_each_form():
    for line in ("see /work/main/x.py", "in /home/me/repo", "/tmp/out.db", r"C:\Users\x"):
        assert ABSOLUTE.search(line), line
    assert not ABSOLUTE.search("see `extractors/pdf.py` and pipeline/record/fields.py")


def test_every_path_the_doc_names_exists():
    names = re.findall(r"`((?:extractors|pipeline|warehouse|tests|corpus|docs)/[\w/.<>-]*?)(?::[^`]*)?`",
                       DOC.read_text(encoding="utf-8"))
    missing = [n for n in names if "<" not in n and "NNN" not in n and not (ROOT / n.rstrip("/")).exists()]
    assert not missing, f"docs/ARCHITECTURE.md names paths that do not exist: {missing}"
