"""The single writer: schema by recorded migrations, one transaction per document.

A document is replaced whole (delete its rows, insert the new ones) inside one transaction, so a
re-run never duplicates and a crash never leaves half a report. Files are remembered by content
hash in ``documents``; ``ingest_log`` gets one row per file per run.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb

MIGRATIONS = Path(__file__).parent / "migrations"

# record list → (table, columns); every row also gets doc_id and seq
DETAIL_TABLES = {
    "indicators": ("indicators", ["level", "dimension", "name", "parent", "weight", "score", "rate_pct", "source", "page", "evidence"]),
    "problems": ("problems", ["text", "category", "page"]),
    "recommendations": ("recommendations", ["text", "page"]),
    "fund_sources": ("fund_sources", ["name", "kind", "allocated_wan", "received_wan", "spent_wan", "page", "evidence"]),
    "expense_details": ("expense_details", ["name", "amount_yuan", "page", "evidence"]),
    "targets": ("targets", ["name", "direction", "target_text", "target_value", "actual_text", "actual_value", "unit", "status", "page", "evidence"]),
}
FINDING_COLS = ["doc_id", "rule_id", "severity", "message", "expected", "actual", "evidence", "page"]
LOG_COLS = ["run_id", "source_path", "doc_id", "status", "error", "seconds", "file_sha", "pages"]
PROVENANCE_COLS = ["doc_id", "field", "page", "start_char", "end_char", "text"]
PER_DOC_TABLES = ["reports", "indicators", "problems", "recommendations", "findings", "fund_sources",
                  "expense_details", "targets", "provenance", "doc_text"]


class WarehouseLocked(RuntimeError):
    pass


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}; run `make ingest` first / 数据库不存在，请先运行 make ingest")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise WarehouseLocked(f"{path} is in use by another process (another ingest?); wait for it to finish "
                                  f"and run again, or pass --wait SECONDS / 数据库正被另一个进程使用，请等待其结束后重试") from e
        raise
    con.execute("SET enable_progress_bar = false")   # ingest draws its own bar; query output stays clean
    return con


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet recorded; returns the names applied."""
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
            con.execute("ROLLBACK")
            raise
        applied.append(f.stem)
    return applied


class Warehouse:
    def __init__(self, path: str | Path, pipeline_version: str = ""):
        self.path = Path(path)
        self.con = connect(self.path)
        migrate(self.con)
        self.version = pipeline_version
        self._report_cols = [r[0] for r in self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name='reports' ORDER BY ordinal_position").fetchall()]

    def close(self) -> None:
        self.con.close()

    def known_files(self, shas: list[str | None], chunk: int = 1000) -> dict[str, str]:
        """{file_sha: doc_id} for the files already stored with these bytes by this pipeline version
        (one query per thousand files, not one per file)."""
        out: dict[str, str] = {}
        want = sorted({s for s in shas if s})
        for k in range(0, len(want), chunk):
            for sha, doc_id in self.con.execute(
                    "SELECT d.file_sha, min(d.doc_id) FROM documents d JOIN reports r USING (doc_id) "
                    "WHERE d.file_sha IN (SELECT unnest(?)) AND r.pipeline_version = ? GROUP BY 1",
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
        the file at fault)."""
        ok = [r for r in results if r.get("record") is not None and r["status"] == "ok"]
        stored = {r["record"]["doc_id"]: r for r in ok}     # the same text twice in one batch: the later file's rows
        con = self.con
        con.execute("BEGIN")
        try:
            if stored:
                self._replace_reports(list(stored.values()))
            # every file is remembered by its bytes, also a second file with the same text
            self._insert("documents", ["file_sha", "doc_id", "source_path", "source_format", "pages"],
                         [[r.get("file_sha"), r["record"]["doc_id"], r["source_path"], r["record"].get("source_format"),
                           r["record"].get("pages")] for r in ok], replace=True)
            if ok:
                self._drop_earlier_versions(ok)
            self._insert("ingest_log", LOG_COLS, [[run_id, r["source_path"], r.get("doc_id"), r["status"], r.get("error"),
                                                   r.get("seconds"), r.get("file_sha"), r.get("pages")] for r in results])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise

    def _drop_earlier_versions(self, ok: list[dict]) -> None:
        """A file stored again with other bytes (edited, re-exported) replaces its earlier version:
        the earlier bytes' documents row goes, and so does the earlier report, unless another file
        still holds it. A changed file that can no longer be read keeps its earlier report (this runs
        for stored results only)."""
        con = self.con
        now = {r["source_path"]: r.get("file_sha") for r in ok}
        earlier = [(sha, path, doc_id) for sha, path, doc_id in con.execute(
            "SELECT file_sha, source_path, doc_id FROM documents WHERE source_path IN (SELECT unnest(?))",
            [list(now)]).fetchall() if sha != now[path]]
        if not earlier:
            return
        for sha, path, _ in earlier:
            con.execute("DELETE FROM documents WHERE file_sha = ? AND source_path = ?", [sha, path])
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
        self._insert("findings", FINDING_COLS, [[rec["doc_id"]] + [f.get(c) for c in FINDING_COLS[1:]]
                                                for rec, res in zip(recs, results) for f in res.get("findings") or []])
        self._insert("provenance", PROVENANCE_COLS,
                     [[rec["doc_id"], f, p.get("page"), p.get("start"), p.get("end"), p.get("text")]
                      for rec in recs for f, p in (rec.get("provenance") or {}).items()])
        self._insert("doc_text", ["doc_id", "text"],
                     [[rec["doc_id"], res["text"]] for rec, res in zip(recs, results) if res.get("text") is not None])

    def _insert(self, table: str, cols: list[str], rows: list[list], replace: bool = False) -> None:
        """Rows through a DataFrame (object columns: None stays NULL, never NaN): one statement per
        table and batch. ``executemany`` ran the statement once per row — most of the writer's time,
        taken from the workers on the same cores."""
        if not rows:
            return
        import pandas as pd
        frame = pd.DataFrame(rows, columns=cols, dtype=object)
        self.con.register("_jixiao_rows", frame)
        try:
            self.con.execute(f"INSERT {'OR REPLACE ' if replace else ''}INTO {table} ({', '.join(cols)}) "
                             "SELECT * FROM _jixiao_rows")
        finally:
            self.con.unregister("_jixiao_rows")

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
            con.execute("ROLLBACK")
            raise


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
