"""What the audit list (pipeline/audit.py) reads and stores: findings with their report's context,
reviewers' marks (table ``reviews``, migration 003) and the report count. Every function takes a
DuckDB connection (or the ``Warehouse``) and returns or stores plain rows, so the audit list in
``pipeline/`` never holds SQL."""
from __future__ import annotations

import datetime as dt

# the finding as the reviewer saw it, kept beside the mark (columns of ``reviews``)
SNAPSHOT = ["doc_id", "rule_id", "severity", "county", "message", "expected", "actual", "evidence"]


def _con(db):
    return getattr(db, "con", db)


def has_table(db, name: str) -> bool:
    """Whether the warehouse has a table or view of that name (a read-only warehouse from an older
    jixiao may lack the newer ones)."""
    return bool(_con(db).execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                                 [name]).fetchone()[0])


def finding_rows(db) -> list[dict]:
    """Every finding with its report's place, title and source (corpus-wide findings have none),
    in table order."""
    cur = _con(db).execute(
        "SELECT f.doc_id, r.source_path, r.title, r.province, r.city, r.county, r.fiscal_year, "
        "f.rule_id, f.severity, f.message, f.expected, f.actual, f.evidence, f.page "
        "FROM findings f LEFT JOIN reports r ON r.doc_id = f.doc_id")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def review_rows(db) -> dict[str, dict]:
    """Every stored review by finding_key, oldest first; none when the warehouse predates reviews."""
    if not has_table(db, "reviews"):
        return {}
    cur = _con(db).execute("SELECT * FROM reviews ORDER BY reviewed_at, finding_key")
    cols = [d[0] for d in cur.description]
    return {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}


def review_marks(db) -> dict[str, tuple]:
    """finding_key → (mark, comment) of every stored review."""
    return {k: (m, c) for k, m, c in _con(db).execute("SELECT finding_key, mark, comment FROM reviews").fetchall()}


def store_reviews(db, new: list[dict], changed: list[dict], source_file: str,
                  reviewed_at: dt.datetime | None = None) -> None:
    """New reviews inserted and changed ones updated (a snapshot column left empty keeps its stored
    value), in one transaction. Each review: finding_key, mark, comment and the SNAPSHOT columns."""
    con = _con(db)
    now = reviewed_at or dt.datetime.now().replace(microsecond=0)
    insert = (f"INSERT INTO reviews (finding_key, mark, comment, reviewed_at, source_file, {', '.join(SNAPSHOT)}) "
              f"VALUES ({', '.join('?' * (5 + len(SNAPSHOT)))})")
    update = ("UPDATE reviews SET mark = ?, comment = ?, reviewed_at = ?, source_file = ?, "
              + ", ".join(f"{c} = COALESCE(?, {c})" for c in SNAPSHOT) + " WHERE finding_key = ?")
    con.execute("BEGIN")
    try:
        for rv in new:
            con.execute(insert, [rv["finding_key"], rv["mark"], rv["comment"], now, source_file]
                        + [rv.get(c) for c in SNAPSHOT])
        for rv in changed:
            con.execute(update, [rv["mark"], rv["comment"], now, source_file] + [rv.get(c) for c in SNAPSHOT]
                        + [rv["finding_key"]])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def report_count(db) -> int:
    """Number of stored reports (0 when the warehouse has no reports table)."""
    return _con(db).execute("SELECT count(*) FROM reports").fetchone()[0] if has_table(db, "reports") else 0
