"""The single writer: schema by recorded migrations, one transaction per document.

A document is replaced whole (delete its rows, insert the new ones) inside one transaction, so a
re-run never duplicates and a crash never leaves half a report. Files are remembered by content
hash in ``documents``; ``ingest_log`` gets one row per file per run.
"""
from __future__ import annotations

import datetime as dt
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
                                  f"and run again / 数据库正被另一个进程使用，请等待其结束后重试") from e
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

    def known_file(self, file_sha: str | None, source_path: str) -> str | None:
        """doc_id of a file already stored with these bytes by this pipeline version, else None."""
        if not file_sha:
            return None
        row = self.con.execute(
            "SELECT d.doc_id FROM documents d JOIN reports r USING (doc_id) WHERE d.file_sha = ? "
            "AND r.pipeline_version = ? LIMIT 1", [file_sha, self.version]).fetchone()
        return row[0] if row else None

    def write(self, result: dict, run_id: str, document_text: str | None = None) -> None:
        """Store one file's result: its report rows (replacing any earlier version) and its log row."""
        rec = result.get("record")
        con = self.con
        con.execute("BEGIN")
        try:
            if rec is not None and result["status"] == "ok":
                self._replace_report(rec, result, document_text)
            con.execute("INSERT INTO ingest_log (run_id, source_path, doc_id, status, error, seconds, file_sha, pages) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [run_id, result["source_path"], result.get("doc_id"), result["status"], result.get("error"),
                         result.get("seconds"), result.get("file_sha"), result.get("pages")])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise

    def log_only(self, run_id: str, source_path: str, status: str, error: str | None, doc_id: str | None = None,
                 file_sha: str | None = None, seconds: float = 0.0) -> None:
        self.con.execute("INSERT INTO ingest_log (run_id, source_path, doc_id, status, error, seconds, file_sha) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", [run_id, source_path, doc_id, status, error, seconds, file_sha])

    def _replace_report(self, rec: dict, result: dict, text: str | None) -> None:
        con, doc_id = self.con, rec["doc_id"]
        for t in PER_DOC_TABLES:
            con.execute(f"DELETE FROM {t} WHERE doc_id = ?", [doc_id])
        row = {k: rec.get(k) for k in self._report_cols if k in rec}
        row["pipeline_version"] = self.version
        if isinstance(row.get("report_date"), str):
            try:
                dt.date.fromisoformat(row["report_date"])
            except ValueError:
                row["report_date"] = None
        cols = list(row)
        con.execute(f"INSERT INTO reports ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [row[c] for c in cols])
        for key, (table, tcols) in DETAIL_TABLES.items():
            rows = [[doc_id, i + 1] + [item.get(c) for c in tcols] for i, item in enumerate(rec.get(key) or [])]
            if rows:
                con.executemany(f"INSERT INTO {table} (doc_id, seq, {', '.join(tcols)}) VALUES "
                                f"({', '.join('?' * (len(tcols) + 2))})", rows)
        fnd = [[doc_id] + [f.get(c) for c in FINDING_COLS[1:]] for f in result.get("findings") or []]
        if fnd:
            con.executemany(f"INSERT INTO findings ({', '.join(FINDING_COLS)}) VALUES ({', '.join('?' * len(FINDING_COLS))})", fnd)
        prov = [[doc_id, f, p.get("page"), p.get("start"), p.get("end"), p.get("text")]
                for f, p in (rec.get("provenance") or {}).items()]
        if prov:
            con.executemany("INSERT INTO provenance VALUES (?, ?, ?, ?, ?, ?)", prov)
        if text is not None:
            con.execute("INSERT INTO doc_text VALUES (?, ?)", [doc_id, text])
        con.execute("INSERT OR REPLACE INTO documents (file_sha, doc_id, source_path, source_format, pages) "
                    "VALUES (?, ?, ?, ?, ?)", [result.get("file_sha"), doc_id, result["source_path"],
                                               rec.get("source_format"), rec.get("pages")])

    def replace_corpus_findings(self, rule_ids: list[str], findings: list[dict]) -> None:
        """Corpus-level rules are re-run over the whole warehouse after each ingest."""
        con = self.con
        con.execute("BEGIN")
        try:
            if rule_ids:
                con.execute(f"DELETE FROM findings WHERE rule_id IN ({', '.join('?' * len(rule_ids))})", rule_ids)
            rows = [[f.get(c) for c in FINDING_COLS] for f in findings]
            if rows:
                con.executemany(f"INSERT INTO findings ({', '.join(FINDING_COLS)}) VALUES ({', '.join('?' * len(FINDING_COLS))})", rows)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
