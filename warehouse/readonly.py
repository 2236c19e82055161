"""``query``'s SQL: read statements only, on a connection that cannot be changed.

Three locks, each closing what the others leave open:

1. the warehouse is opened read-only (no write reaches the file);
2. the SQL is parsed by DuckDB itself (``extract_statements``) and every statement must be a read:
   SELECT (with WITH, VALUES, FROM-first, DESCRIBE, SHOW, SUMMARIZE, which DuckDB parses as
   SELECT) or EXPLAIN of one. A read-only database still takes CREATE TEMP TABLE/VIEW (a temporary
   ``reports`` view would shadow the real table), SET, PRAGMA, CALL, ATTACH, COPY, INSTALL/LOAD,
   EXPORT, so these are refused before anything runs;
3. the connection's configuration is locked after external access is switched off, so a SELECT
   that calls a setting-changing table function (``SELECT * FROM enable_logging(...)``, which with
   file storage aborted the process) is refused by DuckDB, and no file outside the warehouse can
   be read or written (``read_csv``, ``COPY … TO``).
"""
from __future__ import annotations

import re

import duckdb

READ_TYPES = {"SELECT"}
_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?:\([^)]*\)\s*)?", re.IGNORECASE)


class NotReadOnly(ValueError):
    """The SQL holds a statement that is not a read; nothing of it was run."""


def _kind(statement) -> str:
    return getattr(statement.type, "name", str(statement.type)).upper()


def _check_one(con: duckdb.DuckDBPyConnection, statement) -> None:
    kind = _kind(statement)
    if kind == "EXPLAIN":
        # EXPLAIN ANALYZE runs its statement: what is explained must itself be a read
        inner = _EXPLAIN.sub("", statement.query, count=1)
        if inner == statement.query or not inner.strip():
            raise NotReadOnly("EXPLAIN is allowed for a SELECT only")
        inner_statements = con.extract_statements(inner)
        if not inner_statements:
            raise NotReadOnly("EXPLAIN is allowed for a SELECT only")
        for s in inner_statements:
            if _kind(s) not in READ_TYPES:
                raise NotReadOnly(f"EXPLAIN of a {_kind(s)} statement is refused: only SELECT is allowed")
        return
    if kind not in READ_TYPES:
        first = " ".join(statement.query.split()[:3])[:40]
        raise NotReadOnly(f"{kind} statements are refused (“{first} …”): query runs SELECT only "
                          f"(also WITH, VALUES, DESCRIBE, SHOW, EXPLAIN SELECT)")


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """The number of statements in ``sql`` when every one is a read; NotReadOnly otherwise. A parse
    error is raised as DuckDB's own ParserException (its message points at the mistake)."""
    statements = con.extract_statements(sql)
    if not statements:
        raise NotReadOnly("no SQL statement given")
    for s in statements:
        _check_one(con, s)
    return len(statements)


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """No files outside the warehouse, and no setting can change from here on."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def read_rows(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    """(column names, rows) of ``sql`` once every statement in it is checked to be a read
    (NotReadOnly otherwise, before anything runs). Lock the connection first (``lock_down``)."""
    check_read_only(con, sql)
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description] if cur.description else []
    return cols, cur.fetchall()     # errors can surface here too, while rows are computed
