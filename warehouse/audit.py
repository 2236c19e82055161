"""What the audit list (pipeline/audit.py) reads and stores: findings with their report's context,
reviewers' marks (table ``reviews``, migrations 003 and 010), report groups, printed values
and the report count. Every function takes a
DuckDB connection (or the ``Warehouse``) and returns or stores plain rows, so the audit list in
``pipeline/`` never holds SQL."""
from __future__ import annotations

import datetime as dt

# the finding as the reviewer saw it, kept beside the mark (columns of ``reviews``)
SNAPSHOT = ["doc_id", "rule_id", "severity", "county", "message", "expected", "actual", "evidence"]
# the report group a review was made in, and its group-level key (migration 010)
GROUP_COLUMNS = ["group_id", "group_key", "path_key"]


def _con(db):
    return getattr(db, "con", db)


def has_table(db, name: str) -> bool:
    """Whether the warehouse has a table or view of that name (a read-only warehouse from an older
    jixiao may lack the newer ones)."""
    return bool(_con(db).execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                                 [name]).fetchone()[0])


def columns_of(db, table: str) -> set[str]:
    """The column names of a table (empty when it does not exist)."""
    return {r[0] for r in _con(db).execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}


# where a finding's value sits on its PDF page (migration 009); absent in older warehouses
BOX_COLUMNS = ["field", "x0", "y0", "x1", "y1", "page_width", "page_height"]


def finding_rows(db) -> list[dict]:
    """Every finding with its report's place, title, source and report group (corpus-wide findings
    have none), in table order. ``group_id`` is the report group (``report_groups``, the doc itself
    when not grouped); ``path_key`` the resolved path of the file; the box columns (BOX_COLUMNS)
    are None in a warehouse from before migration 009."""
    con = _con(db)
    have = columns_of(con, "findings")
    box = ", ".join(f"f.{c}" if c in have else f"NULL AS {c}" for c in BOX_COLUMNS)
    grouped = has_table(con, "report_groups")
    group = "COALESCE(g.group_id, f.doc_id)" if grouped else "f.doc_id"
    join_group = "LEFT JOIN report_groups g ON g.doc_id = f.doc_id " if grouped else ""
    paths = "path_key" in columns_of(con, "documents")
    path = "d.path_key" if paths else "NULL"
    join_path = ("LEFT JOIN (SELECT doc_id, min(path_key) AS path_key FROM documents GROUP BY doc_id) d "
                 "ON d.doc_id = f.doc_id " if paths else "")
    cur = con.execute(
        "SELECT f.doc_id, r.source_path, r.source_format, r.title, r.province, r.city, r.county, r.fiscal_year, "
        f"f.rule_id, f.severity, f.message, f.expected, f.actual, f.evidence, f.page, {box}, "
        f"{group} AS group_id, {path} AS path_key "
        f"FROM findings f LEFT JOIN reports r ON r.doc_id = f.doc_id {join_group}{join_path}")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def group_of_docs(db) -> dict[str, str]:
    """doc_id → its report group's id (the primary rendition's doc_id) for every grouped report;
    empty in a warehouse without report_groups."""
    if not has_table(db, "report_groups"):
        return {}
    return dict(_con(db).execute("SELECT doc_id, group_id FROM report_groups").fetchall())


def doc_paths(db) -> dict[str, list[str]]:
    """doc_id → the resolved paths (documents.path_key) of the files read as that report, for every
    stored report; empty in a warehouse whose documents table predates path keys."""
    con = _con(db)
    if "path_key" not in columns_of(con, "documents") or not has_table(con, "reports"):
        return {}
    out: dict[str, list[str]] = {}
    for doc, path in con.execute("SELECT DISTINCT d.doc_id, d.path_key FROM documents d JOIN reports r "
                                 "ON r.doc_id = d.doc_id WHERE d.path_key IS NOT NULL ORDER BY 1, 2").fetchall():
        out.setdefault(doc, []).append(path)
    return out


def report_ids(db) -> set[str]:
    """The doc_id of every stored report."""
    return {r[0] for r in _con(db).execute("SELECT doc_id FROM reports").fetchall()} if has_table(db, "reports") else set()


def printed_values(db) -> dict[tuple[str, str], str]:
    """(doc_id, field) → the value as the report prints it (the provenance span of the document
    text), for every finding that names its field; empty before migration 009."""
    con = _con(db)
    if "field" not in columns_of(con, "findings") or not has_table(con, "doc_text"):
        return {}
    rows = con.execute(
        "SELECT p.doc_id, p.field, min(substr(t.text, p.start_char + 1, p.end_char - p.start_char)) "
        "FROM provenance p JOIN doc_text t ON t.doc_id = p.doc_id "
        "WHERE p.start_char IS NOT NULL AND p.end_char > p.start_char AND p.end_char - p.start_char <= 80 "
        "AND EXISTS (SELECT 1 FROM findings f WHERE f.doc_id = p.doc_id AND f.field = p.field) "
        "GROUP BY p.doc_id, p.field").fetchall()
    return {(d, f): v for d, f, v in rows if v}


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
    value), in one transaction. Each review: finding_key, mark, comment, the SNAPSHOT columns and,
    from migration 010, group_id and group_key (the report group it was made in)."""
    con = _con(db)
    now = reviewed_at or dt.datetime.now().replace(microsecond=0)
    keep = SNAPSHOT + [c for c in GROUP_COLUMNS if c in columns_of(con, "reviews")]
    insert = (f"INSERT INTO reviews (finding_key, mark, comment, reviewed_at, source_file, {', '.join(keep)}) "
              f"VALUES ({', '.join('?' * (5 + len(keep)))})")
    update = ("UPDATE reviews SET mark = ?, comment = ?, reviewed_at = ?, source_file = ?, "
              + ", ".join(f"{c} = COALESCE(?, {c})" for c in keep) + " WHERE finding_key = ?")
    con.execute("BEGIN")
    try:
        for rv in new:
            con.execute(insert, [rv["finding_key"], rv["mark"], rv["comment"], now, source_file]
                        + [rv.get(c) for c in keep])
        for rv in changed:
            con.execute(update, [rv["mark"], rv["comment"], now, source_file] + [rv.get(c) for c in keep]
                        + [rv["finding_key"]])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def report_count(db) -> int:
    """Number of stored reports (0 when the warehouse has no reports table)."""
    return _con(db).execute("SELECT count(*) FROM reports").fetchone()[0] if has_table(db, "reports") else 0
