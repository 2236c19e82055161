"""What the evidence crops (pipeline/evidence.py) read: a value's box on its page and the PDF files
that hold a report. Every function takes a DuckDB connection (or the ``Warehouse``) and returns
plain rows; columns a warehouse from before migration 009 lacks read as None."""
from __future__ import annotations

import re

BOX_COLUMNS = ["x0", "y0", "x1", "y1", "page_width", "page_height"]
# record list → detail table: ``indicators[3].score`` is the row with seq 4 (0-based list index)
ITEM_TABLES = {"indicators": "indicators", "fund_sources": "fund_sources",
               "expense_details": "expense_details", "targets": "targets"}
_ITEM = re.compile(r"^(\w+)\[(\d+)\](?:\.\w+)?$")


def _con(db):
    return getattr(db, "con", db)


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}


def _select_box(con, table: str) -> str | None:
    """``page, x0, …`` for a table, or None when it has no box columns (a warehouse before 009)."""
    have = _columns(con, table)
    if not set(BOX_COLUMNS) <= have:
        return None
    return "page, " + ", ".join(BOX_COLUMNS)


def field_box(db, doc_id: str, field: str) -> dict | None:
    """{page, x0, y0, x1, y1, page_width, page_height} of a report's value: a scalar from
    ``provenance`` (``total_score``), a detail row (``indicators[3].score`` → indicators seq 4);
    None when the field is unknown or has no box."""
    con = _con(db)
    m = _ITEM.match(field or "")
    if m:
        table = ITEM_TABLES.get(m.group(1))
        cols = _select_box(con, table) if table else None
        if cols is None:
            return None
        cur = con.execute(f"SELECT {cols} FROM {table} WHERE doc_id = ? AND seq = ? LIMIT 1",
                          [doc_id, int(m.group(2)) + 1])
    else:
        cols = _select_box(con, "provenance")
        if cols is None:
            return None
        cur = con.execute(f"SELECT {cols} FROM provenance WHERE doc_id = ? AND field = ? LIMIT 1", [doc_id, field])
    row = cur.fetchone()
    if row is None:
        return None
    out = dict(zip([d[0] for d in cur.description], row))
    return out if out.get("x0") is not None and out.get("page") is not None else None


def pdf_paths(db, doc_id: str) -> list[str]:
    """The PDF files stored as holding this report (newest first), then the report's own source
    when it is a PDF: a crop is drawn from the first of them that is still on disk."""
    con = _con(db)
    rows = con.execute("SELECT source_path FROM documents WHERE doc_id = ? AND lower(source_format) = 'pdf' "
                       "ORDER BY first_seen DESC", [doc_id]).fetchall()
    rows += con.execute("SELECT source_path FROM reports WHERE doc_id = ? AND lower(source_format) = 'pdf'",
                        [doc_id]).fetchall()
    out: list[str] = []
    for (p,) in rows:
        if p and p not in out:
            out.append(p)
    return out


def field_locator(db, doc_id: str, field: str) -> dict | None:
    """{page, locator, text} of a scalar's provenance (DOCX/TXT: ``paragraph 12``), or None."""
    con = _con(db)
    loc = "locator" if "locator" in _columns(con, "provenance") else "NULL AS locator"
    cur = con.execute(f"SELECT page, {loc}, text FROM provenance WHERE doc_id = ? AND field = ? LIMIT 1",
                      [doc_id, field])
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row)) if row else None


def report_format(db, doc_id: str) -> str | None:
    """The stored report's source format (pdf, docx, txt, md), or None when there is no such report."""
    row = _con(db).execute("SELECT source_format FROM reports WHERE doc_id = ?", [doc_id]).fetchone()
    return (row[0] or "unknown") if row else None
