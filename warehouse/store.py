"""The single writer: schema by recorded migrations, one transaction per document.

A document is replaced whole (delete its rows, insert the new ones) inside one transaction, so a
re-run never duplicates and a crash never leaves half a report. Files are remembered by content
hash in ``documents``; ``ingest_log`` gets one row per file per run.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from pathlib import Path

import duckdb

from . import guard, paths
from .guard import NotAWarehouse  # noqa: F401  (re-exported: callers catch it from here)

MIGRATIONS = Path(__file__).parent / "migrations"

# a value's box on its page (migration 009): PDF points, origin top-left, y downwards
BOX_COLS = ["x0", "y0", "x1", "y1", "page_width", "page_height"]
# record list → (table, columns); every row also gets doc_id and seq
DETAIL_TABLES = {
    "indicators": ("indicators", ["level", "dimension", "name", "parent", "weight", "score", "rate_pct", "source", "page", "evidence"] + BOX_COLS),
    "problems": ("problems", ["text", "category", "page"]),
    "recommendations": ("recommendations", ["text", "page"]),
    "fund_sources": ("fund_sources", ["name", "kind", "allocated_wan", "received_wan", "spent_wan", "page", "evidence"] + BOX_COLS),
    "expense_details": ("expense_details", ["name", "amount_yuan", "page", "evidence"] + BOX_COLS),
    "targets": ("targets", ["name", "direction", "target_text", "target_value", "actual_text", "actual_value", "unit", "status", "page", "evidence"] + BOX_COLS),
}
FINDING_COLS = ["doc_id", "rule_id", "severity", "message", "expected", "actual", "evidence", "page", "field"] + BOX_COLS
LOG_COLS = ["run_id", "source_path", "doc_id", "status", "error", "seconds", "file_sha", "pages", "path_key", "warnings"]
# statuses of a file whose report is stored: `partial` lost something (pages, a table) and says what
STORED_STATUSES = ("ok", "partial")
PROVENANCE_COLS = ["doc_id", "field", "page", "start_char", "end_char", "text"] + BOX_COLS + ["locator"]
PER_DOC_TABLES = ["reports", "indicators", "problems", "recommendations", "findings", "fund_sources",
                  "expense_details", "targets", "provenance", "doc_text"]


class WarehouseLocked(RuntimeError):
    pass


class WarehouseUnwritable(RuntimeError):
    """The warehouse itself cannot take writes (disk full, file system read-only, permissions): no
    file is at fault, so the run stops with this message instead of logging files as failed."""


def connect(path: str | Path, read_only: bool = False, create: bool = True) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse at ``path``. It must be a jixiao warehouse; a read-write
    connection with ``create`` (ingest) also takes a new file, a 0-byte file or an empty DuckDB
    database. Anything else (a folder, a PDF, another tool's DuckDB file) raises guard.NotAWarehouse
    before a byte of it is written."""
    path = Path(path)
    create = create and not read_only
    kind = guard.check_path(path, create=create)
    if not read_only:
        if kind == "duckdb":
            _probe(path, create)
        elif kind == "empty":
            _remove_empty(path)
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only)
    try:
        guard.require(con, path, create=create)
    except BaseException:
        con.close()
        raise
    con.execute("SET enable_progress_bar = false")   # ingest draws its own bar; query output stays clean
    return con


def _locked(path: Path) -> WarehouseLocked:
    return WarehouseLocked(f"{path} is in use by another process (another ingest?); wait for it to finish "
                           f"and run again, or pass --wait SECONDS / 数据库正被另一个进程使用，请等待其结束后重试")


def _remove_empty(path: Path) -> None:
    """DuckDB refuses a 0-byte file, which holds nothing to keep: remove it so DuckDB can create the
    warehouse there. Under a lock, because a 0-byte file may also be a warehouse another ingest
    has just begun to create (DuckDB locks the file before it writes its header)."""
    import fcntl
    with open(path, "rb+") as fh:
        try:
            fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            raise _locked(path) from e
        if path.stat().st_size == 0:
            path.unlink()


def _probe(path: Path, create: bool) -> None:
    """Refuse a foreign DuckDB file from a read-only look: a read-write open would already
    checkpoint that file's pending WAL, changing its bytes."""
    try:
        con = _open(path, True)
    except duckdb.ConnectionException:
        return      # this process holds it read-write already: it was checked when that connection opened
    try:
        guard.require(con, path, create=create)
    finally:
        con.close()


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise _locked(path) from e
        raise


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet recorded; returns the names applied. Only a jixiao warehouse or
    an empty database is ever migrated (guard.NotAWarehouse otherwise, nothing written)."""
    where = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    guard.require(con, Path(where[0] if where and where[0] else "the database"), create=True)
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
                "applied_at TIMESTAMP DEFAULT current_timestamp)")
    done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for f in sorted(MIGRATIONS.glob("*.sql")):
        version = int(f.name.split("_")[0])
        if version in done:
            continue
        con.execute("BEGIN")
        try:
            con.execute(f.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, f.stem])
            con.execute("COMMIT")
        except Exception:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass        # a failed COMMIT (disk full) has ended the transaction: its error is the one to see
            raise
        applied.append(f.stem)
    return applied


class Warehouse:
    def __init__(self, path: str | Path, pipeline_version: str = "", con: duckdb.DuckDBPyConnection | None = None):
        self.path = Path(path)
        self.con = connect(self.path) if con is None else con   # refuses all but a new file or a warehouse
        try:
            migrate(self.con)
        except BaseException:
            self.con.close()                # a failed upgrade (disk full) must not hold the file open
            raise
        self.version = pipeline_version
        self._report_cols = [r[0] for r in self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name='reports' ORDER BY ordinal_position").fetchall()]

    @classmethod
    def staging(cls, pipeline_version: str = "") -> "Warehouse":
        """An in-memory warehouse with the same schema. Shards (warehouse/shards.py) are written
        through it, so a shard holds exactly the rows ``write_many`` stores: one row builder."""
        return cls(":memory:", pipeline_version, con=duckdb.connect(":memory:"))

    def close(self) -> None:
        self.con.close()

    def known_files(self, shas: list[str | None], chunk: int = 1000) -> dict[str, str]:
        """{file_sha: doc_id} for the files already stored with these bytes by this pipeline version
        (one query per thousand files, not one per file). A file last read `partial` is not among
        them: it is read again, so a page left out for want of OCR is read once OCR is installed."""
        out: dict[str, str] = {}
        want = sorted({s for s in shas if s})
        for k in range(0, len(want), chunk):
            for sha, doc_id in self.con.execute(
                    "SELECT d.file_sha, min(d.doc_id) FROM documents d JOIN reports r USING (doc_id) "
                    "WHERE d.file_sha IN (SELECT unnest($1)) AND r.pipeline_version = $2 "
                    "AND d.file_sha NOT IN (SELECT file_sha FROM ingest_log WHERE file_sha IN (SELECT unnest($1)) "
                    "AND status <> 'skipped' GROUP BY 1 HAVING arg_max(status, logged_at) = 'partial') GROUP BY 1",
                    [want[k:k + chunk], self.version]).fetchall():
                out[sha] = doc_id
        return out

    def corpus_digest(self, extra: str = "") -> str:
        """A digest of the stored reports (doc_id and pipeline version of each) and ``extra``."""
        row = self.con.execute("SELECT count(*), md5(coalesce(string_agg(doc_id || ':' || coalesce(pipeline_version, ''), ',' "
                               "ORDER BY doc_id), '')) FROM reports").fetchone()
        return f"{row[0]}:{row[1]}:{hashlib.md5(extra.encode()).hexdigest()}"

    def state(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM corpus_state WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO corpus_state (key, value, updated_at) VALUES (?, ?, current_timestamp)",
                         [key, value])

    def write(self, result: dict, run_id: str, document_text: str | None = None) -> None:
        """Store one file's result: its report rows (replacing any earlier version) and its log row."""
        self.write_many([dict(result, text=document_text)], run_id)

    def write_many(self, results: list[dict], run_id: str) -> None:
        """Store a batch of results (``text``: the document text, if any) in one transaction: each
        report replaced whole (earlier rows deleted, new ones inserted), one ingest_log row per
        result. A crash leaves none of the batch behind; when the warehouse refuses a value the whole
        batch is rolled back and the error raised (the caller then writes file by file to find and log
        the file at fault).

        Every file that holds a report is remembered in ``documents`` under its ``path_key`` (the
        resolved path): a file read now (status ok or partial) and a file skipped because its bytes are already
        stored (``unchanged``, with the doc_id it holds). Whatever that path held before with other
        bytes is dropped, so no report outlives the file that held it."""
        results = [_named(r) for r in results]
        ok = [r for r in results if r.get("record") is not None and r["status"] in STORED_STATUSES]
        held = [r for r in results if r.get("unchanged") and r.get("doc_id") and r.get("file_sha")]
        stored = {r["record"]["doc_id"]: r for r in ok}     # the same text twice in one batch: the later file's rows
        self._fixes = []
        con = self.con
        con.execute("BEGIN")
        try:
            if stored:
                self._replace_reports(list(stored.values()))
            formats = self._stored_formats([r["file_sha"] for r in held])
            rows = [[r.get("file_sha"), r["record"]["doc_id"], r["source_path"], r["record"].get("source_format"),
                     r["record"].get("pages"), r["path_key"]] for r in ok]
            rows += [[r["file_sha"], r["doc_id"], r["source_path"], *formats.get(r["file_sha"], (None, None)),
                      r["path_key"]] for r in held]
            # every file is remembered by its bytes and path, also a second file with the same text
            self._insert("documents", ["file_sha", "doc_id", "source_path", "source_format", "pages", "path_key"],
                         [row for row in rows if row[0]], replace=True)
            if ok or held:
                self._drop_earlier_versions(ok + held)
            notes = _fix_notes(self._fixes)
            self._insert("ingest_log", LOG_COLS, [[run_id, r["source_path"], r.get("doc_id"), r["status"],
                                                   _join(r.get("error"), notes.get(r.get("doc_id"))),
                                                   r.get("seconds"), r.get("file_sha"), r.get("pages"), r["path_key"],
                                                   r.get("warnings")]
                                                  for r in results])
            con.execute("COMMIT")
        except Exception:
            _rollback(con)
            raise

    def _stored_formats(self, shas: list[str]) -> dict[str, tuple]:
        """{file_sha: (source_format, pages)} of bytes already stored (for a file skipped as unchanged)."""
        if not shas:
            return {}
        return {sha: (fmt, pages) for sha, fmt, pages in self.con.execute(
            "SELECT file_sha, any_value(source_format), any_value(pages) FROM documents "
            "WHERE file_sha IN (SELECT unnest(?)) GROUP BY 1", [sorted(set(shas))]).fetchall()}

    def _drop_earlier_versions(self, holders: list[dict]) -> None:
        """A file stored again with other bytes (edited, re-exported, overwritten by a copy) replaces
        its earlier version: the earlier bytes' documents row goes, and so does the earlier report,
        unless another file still holds it. A changed file that can no longer be read keeps its
        earlier report (this runs for files that hold a report now only)."""
        con = self.con
        now = {r["path_key"]: r.get("file_sha") for r in holders}
        earlier = [(sha, k, doc_id) for sha, k, doc_id in con.execute(
            "SELECT file_sha, path_key, doc_id FROM documents WHERE path_key IN (SELECT unnest(?))",
            [list(now)]).fetchall() if sha != now[k]]
        if not earlier:
            return
        for sha, k, _ in earlier:
            con.execute("DELETE FROM documents WHERE file_sha = ? AND path_key = ?", [sha, k])
        gone = [r[0] for r in con.execute(
            "SELECT DISTINCT d FROM (SELECT unnest(?) AS d) WHERE d NOT IN (SELECT doc_id FROM documents)",
            [sorted({doc_id for _, _, doc_id in earlier})]).fetchall()]
        for t in PER_DOC_TABLES if gone else ():
            con.execute(f"DELETE FROM {t} WHERE doc_id IN (SELECT unnest(?))", [gone])

    def log_only(self, run_id: str, source_path: str, status: str, error: str | None, doc_id: str | None = None,
                 file_sha: str | None = None, seconds: float = 0.0) -> None:
        self.write_many([{"source_path": source_path, "status": status, "error": error, "doc_id": doc_id,
                          "file_sha": file_sha, "seconds": seconds}], run_id)

    def _replace_reports(self, results: list[dict]) -> None:
        con = self.con
        recs = [r["record"] for r in results]
        # rows of a report are only ever written together with its reports row (one transaction):
        # only doc_ids already in reports (a primary-key lookup) have rows to delete
        old = [r[0] for r in con.execute("SELECT doc_id FROM reports WHERE doc_id IN (SELECT unnest(?))",
                                         [[rec["doc_id"] for rec in recs]]).fetchall()]
        if old:
            for t in PER_DOC_TABLES:
                con.execute(f"DELETE FROM {t} WHERE doc_id IN (SELECT unnest(?))", [old])
        cols = [c for c in self._report_cols if c != "pipeline_version" and any(c in rec for rec in recs)]
        rows = []
        for rec in recs:
            row = [rec.get(c) for c in cols] + [self.version]
            if "report_date" in cols and isinstance(rec.get("report_date"), str):
                try:
                    dt.date.fromisoformat(rec["report_date"])
                except ValueError:
                    row[cols.index("report_date")] = None
            rows.append(row)
        self._insert("reports", cols + ["pipeline_version"], rows)
        for key, (table, tcols) in DETAIL_TABLES.items():
            self._insert(table, ["doc_id", "seq"] + tcols,
                         [[rec["doc_id"], i + 1] + [item.get(c) for c in tcols]
                          for rec in recs for i, item in enumerate(rec.get(key) or [])])
        self._insert("findings", FINDING_COLS, [[rec["doc_id"]] + [g.get(c) for c in FINDING_COLS[1:]]
                                                for rec, res in zip(recs, results) for f in res.get("findings") or []
                                                for g in [with_box(rec, f)]])
        self._insert("provenance", PROVENANCE_COLS,
                     [[rec["doc_id"], f, p.get("page"), p.get("start"), p.get("end"), p.get("text")]
                      + [p.get(c) for c in BOX_COLS] + [p.get("locator")]
                      for rec in recs for f, p in (rec.get("provenance") or {}).items()])
        self._insert("doc_text", ["doc_id", "text"],
                     [[rec["doc_id"], res["text"]] for rec, res in zip(recs, results) if res.get("text") is not None])

    def _insert(self, table: str, cols: list[str], rows: list[list], replace: bool = False) -> None:
        """Rows through a DataFrame (object columns: None stays NULL, never NaN): one statement per
        table and batch. ``executemany`` ran the statement once per row — most of the writer's time,
        taken from the workers on the same cores. Values are first fitted to their column types
        (``_fit_rows``), so a nonsense value read from a file (10^23 people, a page count of 3·10^9)
        becomes NULL with a note, never a refused batch."""
        if not rows:
            return
        import pandas as pd
        rows = self._fit_rows(table, cols, rows)
        frame = pd.DataFrame(rows, columns=cols, dtype=object)
        self.con.register("_jixiao_rows", frame)
        try:
            self.con.execute(f"INSERT {'OR REPLACE ' if replace else ''}INTO {table} ({', '.join(cols)}) "
                             "SELECT * FROM _jixiao_rows")
        finally:
            try:
                self.con.unregister("_jixiao_rows")
            except duckdb.Error:
                pass        # an aborted transaction refuses this too; the INSERT's own error is the one to see

    def _fit_rows(self, table: str, cols: list[str], rows: list[list]) -> list[list]:
        types = self._column_types(table)
        fitters = [(i, _FIT.get(types.get(c, ""))) for i, c in enumerate(cols)]
        fitters = [(i, f) for i, f in fitters if f is not None]
        doc_col = cols.index("doc_id") if "doc_id" in cols else None
        fixes = getattr(self, "_fixes", None)
        out = []
        for row in rows:
            row = list(row)
            for i, fit in fitters:
                v = row[i]
                if v is None:
                    continue
                fitted = fit(v)
                if fitted is not v and fitted != v:
                    if fitted is None and fixes is not None:
                        fixes.append((row[doc_col] if doc_col is not None else None, table, cols[i], v))
                    row[i] = fitted
            out.append(row)
        return out

    def _column_types(self, table: str) -> dict[str, str]:
        cache = self.__dict__.setdefault("_coltypes", {})
        if table not in cache:
            cache[table] = dict(self.con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]).fetchall())
        return cache[table]

    def replace_corpus_findings(self, rule_ids: list[str], findings: list[dict]) -> None:
        """Corpus-level rules are re-run over the whole warehouse after each ingest."""
        con = self.con
        con.execute("BEGIN")
        try:
            if rule_ids:
                con.execute(f"DELETE FROM findings WHERE rule_id IN ({', '.join('?' * len(rule_ids))})", rule_ids)
            self._insert("findings", FINDING_COLS, [[f.get(c) for c in FINDING_COLS] for f in findings])
            con.execute("COMMIT")
        except Exception:
            _rollback(con)
            raise


# Only numbers are fitted: an int or float beyond what the column holds (a misread 10^23 people)
# is stored as NULL with a note. A value of the wrong type is a bug in the record builder, not in
# the file: it is left for the warehouse to refuse, and the file is logged with the refusal.
def _rollback(con) -> None:
    """Roll back after a failed write, keeping the write's own error: when the COMMIT itself failed
    (disk full), DuckDB has no transaction left and ROLLBACK raises a second error that would hide
    the first."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _int_fitter(bits: int):
    hi = 2 ** (bits - 1) - 1

    def fit(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return v
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v if -hi <= v <= hi else None
    return fit


def _fit_double(v):
    if isinstance(v, int) and not isinstance(v, bool):
        try:
            return float(v)
        except OverflowError:
            return None
    return v


def _fit_text(v):
    return paths.storable(v) if isinstance(v, str) else v


def _fit_texts(v):
    return [_fit_text(x) for x in v] if isinstance(v, (list, tuple)) else v


_FIT = {"INTEGER": _int_fitter(32), "BIGINT": _int_fitter(64), "DOUBLE": _fit_double, "VARCHAR": _fit_text,
        "VARCHAR[]": _fit_texts}


_ITEM = re.compile(r"^(\w+)\[(\d+)\](?:\.\w+)?$")


def value_source(rec: dict, field: str | None) -> dict | None:
    """Where the record keeps a field's page and box: ``total_score`` → its provenance entry,
    ``indicators[3].score`` → the fourth indicator row (0-based list index, i.e. seq 4)."""
    if not field:
        return None
    m = _ITEM.match(field)
    if m:
        items = rec.get(m.group(1))
        k = int(m.group(2))
        return items[k] if isinstance(items, list) and 0 <= k < len(items) and isinstance(items[k], dict) else None
    p = (rec.get("provenance") or {}).get(field)
    return p if isinstance(p, dict) else None


def with_box(rec: dict, f: dict) -> dict:
    """The finding with the box of the value its ``field`` names, when it has no box of its own
    (pipeline/record/prov.py: box_findings gives most findings their field and box before this)."""
    if f.get("x0") is not None or not f.get("field"):
        return f
    src = value_source(rec, f["field"]) or {}
    out = dict(f)
    if src.get("x0") is not None and (f.get("page") is None or src.get("page") in (None, f.get("page"))):
        out.update({c: src.get(c) for c in BOX_COLS})
        if out.get("page") is None:
            out["page"] = src.get("page")
    return out


def _named(res: dict) -> dict:
    """The result with its path in both stored forms (warehouse/paths.py): a readable ``source_path``
    (also the record's) and the lossless ``path_key``."""
    raw = res.get("source_path") or ""
    out = dict(res, source_path=paths.readable(raw), path_key=res.get("path_key") or paths.key(raw))
    if out.get("record") is not None and out["record"].get("source_path") is not None:
        out["record"] = dict(out["record"], source_path=paths.readable(out["record"]["source_path"]))
    return out


def _fix_notes(fixes: list[tuple]) -> dict:
    """{doc_id: note} for the values that did not fit their column and were stored as NULL."""
    notes: dict = {}
    for doc_id, table, col, v in fixes:
        if doc_id is None:
            continue
        notes.setdefault(doc_id, []).append(f"{table}.{col}={str(v)[:30]}")
    return {d: "values out of range stored as NULL / 数值超出范围，已存为空: " + ", ".join(v[:5])
            for d, v in notes.items()}


def _join(*parts: str | None) -> str | None:
    parts = [p for p in parts if p]
    return "; ".join(parts) if parts else None


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
