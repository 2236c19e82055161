"""What the corpus-level passes read from and write to the warehouse (renditions, problem
categories, corpus rules). Every function takes the ``Warehouse`` (or a bare DuckDB connection) and
returns or stores plain rows, so the passes in ``pipeline/`` never hold SQL."""
from __future__ import annotations

from typing import Iterator

STREAM_ROWS = 200


def _con(db):
    return getattr(db, "con", db)


def _transaction(con, work) -> None:
    con.execute("BEGIN")
    try:
        work()
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def rendition_candidates(db, completeness_fields: tuple[str, ...]) -> list[dict]:
    """Every report with what grouping its renditions needs: content key, year, county, format,
    size, OCR pages, and a completeness count (fields filled + indicator and problem rows)."""
    filled = " + ".join(f"(r.{c} IS NOT NULL)::INT" for c in completeness_fields)
    cur = _con(db).execute(f"""
        SELECT r.doc_id, r.content_key, r.fiscal_year, r.county, r.source_format, r.text_chars, r.ocr_pages,
               {filled} + (SELECT count(*) FROM indicators i WHERE i.doc_id = r.doc_id)
                        + (SELECT count(*) FROM problems p WHERE p.doc_id = r.doc_id) AS completeness
        FROM reports r""")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def all_texts(db) -> Iterator[tuple[str, str]]:
    """(doc_id, text) of every stored report, streamed from a table scan (a join would hold every
    text in its hash table)."""
    cur = _con(db).execute("SELECT doc_id, text FROM doc_text WHERE doc_id IN (SELECT doc_id FROM reports)")
    while batch := cur.fetchmany(STREAM_ROWS):
        yield from batch


def texts_of(db, doc_ids: list[str], chunk: int = STREAM_ROWS) -> Iterator[tuple[str, str | None]]:
    """(doc_id, text) for the given reports, in that order, a few hundred at a time."""
    con = _con(db)
    for k in range(0, len(doc_ids), chunk):
        part = doc_ids[k:k + chunk]
        got = dict(con.execute("SELECT doc_id, text FROM doc_text WHERE doc_id IN (SELECT unnest(?))", [part]).fetchall())
        for d in part:
            yield d, got.get(d)


def replace_report_groups(db, rows: list[list]) -> None:
    """``report_groups`` rewritten whole: rows of [doc_id, group_id, is_primary, similarity]."""
    con = _con(db)

    def work():
        con.execute("DELETE FROM report_groups")
        if rows:
            con.executemany("INSERT INTO report_groups (doc_id, group_id, is_primary, similarity) VALUES (?, ?, ?, ?)",
                            rows)
    _transaction(con, work)


def problem_rows(db) -> list[tuple]:
    """(doc_id, seq, text, category) of every problem, in report order."""
    return _con(db).execute("SELECT doc_id, seq, text, category FROM problems ORDER BY doc_id, seq").fetchall()


def set_problem_categories(db, changes: list[list]) -> None:
    """Rows of [category, doc_id, seq]: one transaction."""
    con = _con(db)
    if changes:
        _transaction(con, lambda: con.executemany(
            "UPDATE problems SET category = ? WHERE doc_id = ? AND seq = ?", changes))


def corpus_records(db) -> list[dict]:
    """Reports with their report group and problems, as records for corpus-level rules (texts come
    from ``texts_of``: holding every text at once would grow with the corpus)."""
    con = _con(db)
    cur = con.execute("SELECT r.*, COALESCE(g.group_id, r.doc_id) AS report_group FROM reports r "
                      "LEFT JOIN report_groups g USING (doc_id) ORDER BY r.doc_id")
    cols = [d[0] for d in cur.description]
    recs = [dict(zip(cols, row)) for row in cur.fetchall()]
    probs: dict = {}
    for doc_id, seq, text, cat in problem_rows(con):
        probs.setdefault(doc_id, []).append({"seq": seq, "text": text, "category": cat})
    for r in recs:
        r["problems"] = probs.get(r["doc_id"], [])
    return recs
