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


# ---------------------------------------------------------------- charts and report cards (issue #18)

# the detail tables a report card shows, with the order of their rows
_CARD_TABLES = {"indicators": "level, seq", "fund_sources": "seq", "targets": "seq", "problems": "seq",
                "provenance": "field, start_char"}


def _has_column(db, table: str, column: str) -> bool:
    return bool(_con(db).execute("SELECT count(*) FROM information_schema.columns WHERE table_name = ? "
                                 "AND column_name = ?", [table, column]).fetchone()[0])


def card_reports(db) -> list[dict]:
    """Every canonical report (one per rendition group) with its header fields and rendition count,
    by place and year: the report cards' headers."""
    return _rows(db, "SELECT * FROM canonical_reports ORDER BY county NULLS LAST, fiscal_year, programme, doc_id")


def card_details(db, table: str) -> dict[str, list[dict]]:
    """doc_id → rows of one detail table (``indicators``, ``fund_sources``, ``targets``, ``problems``,
    ``provenance``) for the canonical reports, in reading order. Every column is read, so columns a
    later migration adds (boxes on the page, a locator) reach the card without a change here."""
    order = _CARD_TABLES[table]              # KeyError for anything else: no table name from outside
    out: dict[str, list[dict]] = {}
    for r in _rows(db, f"SELECT t.* FROM {table} t WHERE t.doc_id IN (SELECT doc_id FROM canonical_reports) "
                       f"ORDER BY t.doc_id, {order}"):
        out.setdefault(r["doc_id"], []).append(r)
    return out


def dimension_rates(db) -> list[dict]:
    """Per canonical report and first-level indicator dimension (决策, 过程, 产出, 效益, …): the points
    scored over the points available, in %, from view ``indicator_rates``."""
    return _rows(db, """SELECT doc_id, county, city, province, fiscal_year, programme, dimension,
                               round(sum(score) / sum(weight) * 100, 1) AS rate, sum(score) AS score,
                               sum(weight) AS weight
                        FROM indicator_rates
                        WHERE level = 1 AND dimension IS NOT NULL AND weight > 0 AND score IS NOT NULL
                        GROUP BY ALL ORDER BY county, fiscal_year, doc_id, dimension""")


def problems_by_county(db) -> list[dict]:
    """Problem count per county (all years) × problem category, over canonical reports."""
    return _rows(db, """SELECT COALESCE(c.county, c.city, c.province, '（地区不详）') AS county,
                               COALESCE(p.category, '未分类') AS category, count(*) AS n,
                               count(DISTINCT c.report_group) AS n_reports
                        FROM problems p JOIN canonical_reports c USING (doc_id)
                        GROUP BY ALL ORDER BY county, category""")


def has_boxes(db) -> bool:
    """Whether provenance carries boxes on the page (migration 009)."""
    return _has_column(db, "provenance", "x0")


def pdf_renditions(db) -> dict[str, str]:
    """primary doc_id → the doc_id of a PDF rendition in its report group (the text-layer one with
    fewest OCR pages first), for primaries that are not PDFs themselves: their cards take the
    crops of the page from it."""
    if not _con(db).execute("SELECT count(*) FROM report_groups").fetchone()[0]:
        return {}
    ocr = "coalesce(r.ocr_pages, 0)" if _has_column(db, "reports", "ocr_pages") else "0"
    return dict(_con(db).execute(f"""
        SELECT group_id, arg_min(doc_id, ({ocr}, doc_id)) FROM report_groups g JOIN reports r USING (doc_id)
        WHERE NOT g.is_primary AND lower(r.source_format) = 'pdf' GROUP BY group_id""").fetchall())
