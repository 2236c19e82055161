"""The layers hold: SQL lives in warehouse/ only (pipeline/ and extractors/ hand rows to functions
named for what they store or return), and imports go one way (pipeline uses extractors and
warehouse; those two never import pipeline, nor each other)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NO_SQL_PACKAGES = ("pipeline", "extractors")
# files allowed to hold SQL for now, each with the reason; empty is the goal (and the state today)
SQL_ALLOWED: dict[str, str] = {}

# SQL-shaped text: keywords in capitals anywhere (the house style for SQL), any case at the start
_SQL_SHAPES = [
    r"SELECT\s.{0,300}?\bFROM\s+[\w(\"]", r"INSERT\s+(?:OR\s+\w+\s+)?INTO\s", r"UPDATE\s+\w+\s+SET\s",
    r"DELETE\s+FROM\s", r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\w*\s+)?(?:UNIQUE\s+)?(?:TABLE|VIEW|INDEX|SEQUENCE|MACRO|SCHEMA)\b",
    r"ALTER\s+TABLE\s", r"DROP\s+(?:TABLE|VIEW|INDEX|SEQUENCE|MACRO|SCHEMA)\b",
    r"(?:BEGIN|COMMIT|ROLLBACK)(?:\s+TRANSACTION)?\s*;?\s*$",
]
SQL_ANYWHERE = re.compile(r"\b(?:" + "|".join(_SQL_SHAPES) + ")", re.S)
SQL_STATEMENT = re.compile(r"^\s*(?:WITH\s+\w+\s+AS\s*\(\s*)?(?:" + "|".join(_SQL_SHAPES) + ")", re.S | re.I)
# SQL that the user is told to type: an argument of a shown `python -m pipeline query … "SQL"` line
SHOWN_QUERY = re.compile(r"""pipeline query\b[^"\n]*"[^"\n]*\"""")
# calls that only make sense on a database connection
CONNECTION_CALLS = {"execute", "executemany", "fetchall", "fetchone", "fetchmany", "fetchdf", "sql"}


def _py_files(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if ".venv" not in p.parts)


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal with its line; an f-string's parts joined with ? for its fields."""
    out, inside_f = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                inside_f.add(id(v))
                parts.append(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "?")
            out.append((node.lineno, "".join(parts)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside_f:
            out.append((node.lineno, node.value))
    return out


def sql_in(text: str) -> str | None:
    """The SQL-shaped piece of ``text`` (None if there is none), leaving out queries shown to the user."""
    text = SHOWN_QUERY.sub('pipeline query "…"', text)
    m = SQL_STATEMENT.search(text) or SQL_ANYWHERE.search(text)
    return " ".join(text[m.start():].split())[:60] if m else None


def _sql_hits(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    hits = [f"{path.relative_to(root)}:{line}: string holds SQL {found!r}"
            for line, s in _strings(tree) if (found := sql_in(s))]
    hits += [f"{path.relative_to(root)}:{node.lineno}: calls .{node.func.attr}() on a connection"
             for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CONNECTION_CALLS]
    return hits


@pytest.mark.parametrize("text", [
    "SELECT doc_id FROM reports", "select count(*) from findings", "INSERT INTO reviews VALUES (?)",
    "UPDATE problems SET category = ?", "DELETE FROM report_groups", "CREATE TEMP TABLE x (a INT)",
    "ALTER TABLE reports ADD COLUMN y INT", "DROP VIEW outliers", "BEGIN", "COMMIT",
    "WITH keep AS (SELECT h FROM samples) SELECT * FROM keep",
    "\n        SELECT r.doc_id,\n               r.county\n        FROM reports r",
])
def test_the_sql_check_sees_sql_statements(text):
    assert sql_in(text)


@pytest.mark.parametrize("text", [
    "query is read-only: SELECT only", "CREATE (also TEMP), SET, PRAGMA are refused",
    "please select one of csv, json; then begin", "预算执行率 SELECT", "Commit the changes",
    'try: python -m pipeline query --db w.duckdb "SELECT * FROM ingest_log"',
])
def test_the_sql_check_lets_prose_and_shown_query_commands_pass(text):
    assert sql_in(text) is None


def test_the_check_finds_sql_and_connection_calls_in_a_module(tmp_path):
    bad = tmp_path / "pipeline" / "leaky.py"
    bad.parent.mkdir()
    bad.write_text('def f(con, n):\n    return con.execute(f"SELECT * FROM reports LIMIT {n}").fetchall()\n',
                   encoding="utf-8")
    hits = _sql_hits(bad, root=tmp_path)
    assert any("holds SQL" in h for h in hits) and any(".execute()" in h for h in hits) and any(".fetchall()" in h for h in hits)


@pytest.mark.parametrize("package", NO_SQL_PACKAGES)
def test_no_sql_outside_the_warehouse(package):
    hits = [h for p in _py_files(package) if str(p.relative_to(ROOT)) not in SQL_ALLOWED for h in _sql_hits(p)]
    assert not hits, ("SQL belongs in warehouse/ (a function named for what it returns or stores); found:\n"
                      + "\n".join(hits))


def _imported(path: Path) -> set[str]:
    """Top-level packages a module imports (relative imports that climb out of its package included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                out.add(node.module.split(".")[0])
            elif node.level > 1:
                out.add("<outside its package>")
    return out


@pytest.mark.parametrize("package,forbidden", [("extractors", {"pipeline", "warehouse"}),
                                               ("warehouse", {"pipeline", "extractors"})])
def test_imports_go_one_way(package, forbidden):
    bad = [f"{p.relative_to(ROOT)} imports {sorted(_imported(p) & (forbidden | {'<outside its package>'}))}"
           for p in _py_files(package) if _imported(p) & (forbidden | {"<outside its package>"})]
    assert not bad, f"{package}/ must not import {sorted(forbidden)} (pipeline uses them, not the other way):\n" + "\n".join(bad)


def test_the_import_check_sees_an_upward_import(tmp_path):
    mod = tmp_path / "extractors" / "x.py"
    mod.parent.mkdir()
    mod.write_text("from pipeline.vocab import WORDS\nfrom ..pipeline import flow\n", encoding="utf-8")
    assert {"pipeline", "<outside its package>"} <= _imported(mod)
