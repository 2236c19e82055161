"""What the HTML comparison page (pipeline/report.py) reads: the comparison views of
migrations/002_views.sql, which count a report stored in several formats once. Every function takes
a DuckDB connection (or the ``Warehouse``) and returns plain rows (dicts), so the page in
``pipeline/`` never holds SQL."""
from __future__ import annotations

SEVERITY_ORDER = "CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END"


def _con(db):
    return getattr(db, "con", db)


def _rows(db, sql: str, params: list | None = None) -> list[dict]:
    cur = _con(db).execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def has_comparison_views(db) -> bool:
    """Whether the comparison views exist (a warehouse from an older jixiao lacks them until the
    next ingest migrates it)."""
    return bool(_con(db).execute("SELECT count(*) FROM information_schema.tables "
                                 "WHERE table_name = 'county_summary'").fetchone()[0])


def county_summaries(db) -> list[dict]:
    """One row per county × year × programme (view ``county_summary``), best total score first."""
    return _rows(db, "SELECT * FROM county_summary ORDER BY total_score DESC NULLS LAST, county")


def report_counts(db) -> tuple[int, int]:
    """(stored report files, distinct reports once renditions are grouped)."""
    con = _con(db)
    return (con.execute("SELECT count(*) FROM reports").fetchone()[0],
            con.execute("SELECT count(*) FROM canonical_reports").fetchone()[0])


def severity_counts(db) -> dict[str, int]:
    """severity → number of findings on canonical reports and corpus-wide."""
    return dict(_con(db).execute("SELECT severity, count(*) FROM findings f WHERE doc_id IS NULL "
                                 "OR doc_id IN (SELECT doc_id FROM canonical_reports) GROUP BY 1").fetchall())


def outlier_doc_ids(db, metric: str) -> set[str]:
    """doc_ids flagged as outliers on ``metric`` (view ``outliers``)."""
    return {r[0] for r in _con(db).execute("SELECT doc_id FROM outliers WHERE metric = ?", [metric]).fetchall()}


def problem_frequencies(db) -> list[dict]:
    """One row per problem category (view ``problem_frequency``), most widespread first."""
    return _rows(db, "SELECT * FROM problem_frequency ORDER BY n_reports DESC, n_problems DESC, category")


def outlier_rows(db) -> list[dict]:
    """Every outlier (view ``outliers``) by metric, the most extreme first."""
    return _rows(db, "SELECT * FROM outliers ORDER BY metric, abs(coalesce(robust_z, 99)) DESC, doc_id")


def canonical_findings(db, limit: int) -> list[dict]:
    """Up to ``limit`` findings of canonical reports and corpus-wide ones, with the report's county,
    year and programme, worst first."""
    return _rows(db, f"""SELECT f.*, c.county, c.fiscal_year, c.programme FROM findings f
                         LEFT JOIN canonical_reports c USING (doc_id)
                         WHERE f.doc_id IS NULL OR c.doc_id IS NOT NULL
                         ORDER BY {SEVERITY_ORDER}, c.county, f.rule_id
                         LIMIT ?""", [int(limit)])
