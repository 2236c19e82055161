"""What the corpus-level passes read from and write to the warehouse (renditions, problem
categories, corpus rules). Every function takes the ``Warehouse`` (or a bare DuckDB connection) and
returns or stores plain rows, so the passes in ``pipeline/`` never hold SQL."""
from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Iterator

STREAM_ROWS = 200
# DuckDB's own memory during the corpus passes: its default (80 % of RAM) lets the buffer pool grow
# with the warehouse; past this it spills to a temporary folder (env JIXIAO_CORPUS_MEMORY to change)
PASS_MEMORY = os.environ.get("JIXIAO_CORPUS_MEMORY", "512MB")


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


@contextlib.contextmanager
def memory_budget(db, limit: str = PASS_MEMORY):
    """DuckDB held to ``limit`` (spilling to a temporary folder) while the corpus passes run; the
    settings before are restored after."""
    con = _con(db)
    before = con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchone()
    with tempfile.TemporaryDirectory(prefix="jixiao-pass-") as tmp:
        con.execute(f"SET memory_limit = '{limit}'")
        con.execute(f"SET temp_directory = '{tmp}'")
        try:
            yield
        finally:
            con.execute(f"SET memory_limit = '{before[0]}'")
            try:
                con.execute(f"SET temp_directory = '{before[1]}'")
            except Exception:       # noqa: BLE001 — DuckDB keeps a used temp folder: harmless, it is ours
                pass


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


class RenditionBands:
    """A scratch table of the warehouse (a TEMP table: never stored, spills to disk past the memory
    limit) holding each report's LSH band keys; ``pairs()`` gives the candidate rendition pairs.

        with RenditionBands(wh) as b: b.add(doc_id, keys); ...; pairs = b.pairs()"""

    FLUSH = 20000

    def __init__(self, db):
        # a cursor of its own: the texts are streamed on the warehouse's connection meanwhile
        self.con = _con(db).cursor()
        self._rows: list[tuple] = []

    def __enter__(self) -> "RenditionBands":
        self.con.execute("CREATE OR REPLACE TEMP TABLE _rendition_bands (doc_id VARCHAR, band UTINYINT, key BIGINT)")
        return self

    def add(self, doc_id: str, keys: list[int]) -> None:
        self._rows.extend((doc_id, b, k) for b, k in enumerate(keys))
        if len(self._rows) >= self.FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            import pandas as pd
            frame = pd.DataFrame(self._rows, columns=["doc_id", "band", "key"])
            self.con.register("_band_rows", frame)
            try:
                self.con.execute("INSERT INTO _rendition_bands SELECT doc_id, band, key FROM _band_rows")
            finally:
                self.con.unregister("_band_rows")
            self._rows = []

    def pairs(self) -> list[tuple[str, str]]:
        """(doc_id, doc_id) pairs, first < second, sharing a band key and not stating a different
        fiscal year or county (grouping never joins those: blocking that changes no group)."""
        self._flush()
        return self.con.execute("""
            WITH b AS (SELECT b.doc_id, b.band, b.key, r.fiscal_year, r.county
                       FROM _rendition_bands b JOIN reports r USING (doc_id))
            SELECT DISTINCT x.doc_id, y.doc_id FROM b x JOIN b y
              ON x.band = y.band AND x.key = y.key AND x.doc_id < y.doc_id
            WHERE (x.fiscal_year IS NULL OR y.fiscal_year IS NULL OR x.fiscal_year = y.fiscal_year)
              AND (x.county IS NULL OR y.county IS NULL OR x.county = y.county)
            ORDER BY 1, 2""").fetchall()

    def __exit__(self, *exc) -> None:
        self.con.execute("DROP TABLE IF EXISTS _rendition_bands")
        self.con.close()


def all_texts(db) -> Iterator[tuple[str, str]]:
    """(doc_id, text) of every stored report, streamed from a table scan (a join would hold every
    text in its hash table)."""
    cur = _con(db).execute("SELECT doc_id, text FROM doc_text WHERE doc_id IN (SELECT doc_id FROM reports)")
    while batch := cur.fetchmany(STREAM_ROWS):
        yield from batch


def texts_among(db, doc_ids: list[str]) -> Iterator[tuple[str, str]]:
    """(doc_id, text) of the given reports, in table order (one scan, streamed: fetching them in a
    given order scanned the table once per chunk)."""
    want = set(doc_ids)
    for doc_id, text in all_texts(db):
        if doc_id in want:
            yield doc_id, text


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
            _insert_frame(con, "report_groups", ["doc_id", "group_id", "is_primary", "similarity"], rows)
    _transaction(con, work)


def _insert_frame(con, table: str, cols: list[str], rows: list[list]) -> None:
    """Rows in one statement through a DataFrame (``executemany`` ran once per row: minutes at 10⁵)."""
    import pandas as pd
    for k in range(0, len(rows), 100_000):
        frame = pd.DataFrame(rows[k:k + 100_000], columns=cols, dtype=object)
        con.register("_corpus_rows", frame)
        try:
            con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _corpus_rows")
        finally:
            con.unregister("_corpus_rows")


def problem_rows(db) -> list[tuple]:
    """(doc_id, seq, text, category) of every problem, in report order."""
    return _con(db).execute("SELECT doc_id, seq, text, category FROM problems ORDER BY doc_id, seq").fetchall()


def iter_problem_rows(db, batch: int = 5000) -> Iterator[tuple]:
    """(doc_id, seq, text, category) of every problem, streamed in table order on a cursor of its
    own (the warehouse's connection stays free for ``CategoryChanges``)."""
    cur = _con(db).cursor()
    try:
        cur.execute("SELECT doc_id, seq, text, category FROM problems")
        while rows := cur.fetchmany(batch):
            yield from rows
    finally:
        cur.close()


def set_problem_categories(db, changes: list[list]) -> None:
    """Rows of [category, doc_id, seq]: one transaction."""
    with CategoryChanges(db) as out:
        for lb, d, s in changes:
            out.add(lb, d, s)


class CategoryChanges:
    """New categories gathered in a TEMP table in batches (spilling past the memory budget), then
    applied to ``problems`` in one UPDATE, in one transaction, when the block ends without error.

        with CategoryChanges(wh) as out: out.add(category, doc_id, seq); ...; n = out.count"""

    FLUSH = 50_000

    def __init__(self, db):
        self.con = _con(db)
        self.count = 0
        self._rows: list[list] = []

    def __enter__(self) -> "CategoryChanges":
        self.con.execute("CREATE OR REPLACE TEMP TABLE _category_changes (category VARCHAR, doc_id VARCHAR, seq INTEGER)")
        return self

    def add(self, category: str, doc_id: str, seq: int) -> None:
        self._rows.append([category, doc_id, seq])
        self.count += 1
        if len(self._rows) >= self.FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            _insert_frame(self.con, "_category_changes", ["category", "doc_id", "seq"], self._rows)
            self._rows = []

    def __exit__(self, exc_type, *exc) -> None:
        try:
            if exc_type is None and self.count:
                self._flush()
                _transaction(self.con, lambda: self.con.execute(
                    "UPDATE problems SET category = c.category FROM _category_changes c "
                    "WHERE problems.doc_id = c.doc_id AND problems.seq = c.seq"))
        finally:
            self.con.execute("DROP TABLE IF EXISTS _category_changes")


def corpus_records(db, fields: tuple[str, ...] | None = None) -> list[dict]:
    """Reports with their report group and problems, as records for corpus-level rules (texts come
    from ``texts_among``: holding every text at once would grow with the corpus). With ``fields``
    (``reports`` columns and ``report_group``), only those and no problems: what the rules read, so
    the records of 10⁵ reports stay small."""
    con = _con(db)
    cols = "r.*" if fields is None else ", ".join(f"r.{f}" for f in fields if f != "report_group")
    cur = con.execute(f"SELECT {cols}, COALESCE(g.group_id, r.doc_id) AS report_group FROM reports r "
                      "LEFT JOIN report_groups g USING (doc_id) ORDER BY r.doc_id")
    cols = [d[0] for d in cur.description]
    recs = [dict(zip(cols, row)) for row in cur.fetchall()]
    if fields is not None:
        return recs
    probs: dict = {}
    for doc_id, seq, text, cat in problem_rows(con):
        probs.setdefault(doc_id, []).append({"seq": seq, "text": text, "category": cat})
    for r in recs:
        r["problems"] = probs.get(r["doc_id"], [])
    return recs
