"""Shards: a batch of results as Parquet files, one per table, for corpora larger than one writer
(issue #16). ``ingest --shards DIR`` writes them; ``load DIR --db FILE`` stores them.

A shard is a folder ``DIR/<name>/`` holding ``<table>.parquet`` for each table the batch has rows
in. Its rows are built by the warehouse's own writer (``Warehouse.write_many`` on an in-memory
warehouse, ``Warehouse.staging``), so a shard holds exactly what a direct ingest stores. Its name
is a hash of its rows (run ids, timings and timestamps left out), so the same batch read again
gets the same name and is not written twice. It is written into a hidden temporary folder and
renamed into place whole: a crash leaves a complete shard or none.

``load_shards`` stores each shard in one transaction, replacing each of its reports whole (as
``write_many`` does), and records the shard in ``loaded_shards`` in that same transaction, so a
load run again skips what is in and a crash mid-load leaves whole shards only."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .corpus import memory_budget
from .store import PER_DOC_TABLES, Warehouse

SHARD_TABLES = PER_DOC_TABLES + ["documents", "ingest_log"]
# left out of a shard's name: they differ between two reads of the same files
VOLATILE = {"run_id", "seconds", "ingested_at", "first_seen", "logged_at"}
NAME = re.compile(r"[0-9a-f]{24}")


class ShardError(RuntimeError):
    """A shard that cannot be read (a damaged or foreign file): the shards before it stay loaded."""


class ShardWriter:
    """``w = ShardWriter(DIR, version); w.write(results, run_id)`` → the shard's name."""

    def __init__(self, folder: str | Path, pipeline_version: str = ""):
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise ShardError(f"--shards {self.folder} is a file, not a folder; give a folder for the shards "
                             f"(it is created if missing) / --shards 须为文件夹")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.stage = Warehouse.staging(pipeline_version)

    def write(self, results: list[dict], run_id: str) -> str:
        """One shard of these results; its name."""
        self.clear()
        self.stage.write_many(results, run_id)
        return self.seal()

    def clear(self) -> None:
        """Empty the staging warehouse, for the next shard's rows (stored there by ``write_many``)."""
        for t in SHARD_TABLES:
            self.stage.con.execute(f"DELETE FROM {t}")

    def seal(self) -> str:
        """Write what the staging warehouse holds as one shard, unless a shard of the same rows
        exists; its name."""
        con = self.stage.con
        name = self._name()
        final = self.folder / name
        if final.exists():          # the same rows are there already (a re-run)
            return name
        tmp = self.folder / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            for t in SHARD_TABLES:
                if con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]:
                    con.execute(f"COPY {t} TO '{_sql_path(tmp / (t + '.parquet'))}' (FORMAT parquet)")
            try:
                os.rename(tmp, final)
            except OSError:
                if not final.exists():  # not another writer's identical shard: a real failure
                    raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return name

    def _name(self) -> str:
        h = hashlib.sha256()
        con = self.stage.con
        for t in SHARD_TABLES:
            cols = [c for c, in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                            "ORDER BY ordinal_position", [t]).fetchall() if c not in VOLATILE]
            h.update(f"\x00{t}\x00".encode())
            for row in sorted(repr(r) for r in con.execute(f"SELECT {', '.join(cols)} FROM {t}").fetchall()):
                h.update(row.encode("utf-8", "surrogatepass"))
                h.update(b"\n")
        return h.hexdigest()[:24]

    def close(self) -> None:
        self.stage.close()


def shard_folders(folder: str | Path) -> list[Path]:
    """The complete shards under ``folder``, oldest first (a later shard's version of a report wins,
    as a later ingest's would)."""
    found = [d for d in Path(folder).iterdir() if d.is_dir() and NAME.fullmatch(d.name)]
    return sorted(found, key=lambda d: (d.stat().st_mtime_ns, d.name))


@dataclass
class Loaded:
    shards: int = 0         # loaded now
    skipped: int = 0        # loaded before
    reports: int = 0
    files: int = 0


def load_shards(wh: Warehouse, folder: str | Path) -> Loaded:
    """Store every shard under ``folder`` not yet in ``loaded_shards``, one transaction each."""
    out = Loaded()
    done = {r[0] for r in wh.con.execute("SELECT shard_id FROM loaded_shards").fetchall()}
    # DuckDB's cache held to the passes' budget: by default it keeps every page it wrote (2.3 GB
    # after 10⁵ synthetic reports); held, it writes them out to the warehouse file instead
    with memory_budget(wh):
        for d in shard_folders(folder):
            if d.name in done:
                out.skipped += 1
                continue
            reports, files = _load_one(wh, d)
            out.shards += 1
            out.reports += reports
            out.files += files
    return out


def _load_one(wh: Warehouse, shard: Path) -> tuple[int, int]:
    con = wh.con
    parts = {t: _sql_path(shard / f"{t}.parquet") for t in SHARD_TABLES if (shard / f"{t}.parquet").is_file()}
    con.execute("BEGIN")
    try:
        reports = 0
        if "reports" in parts:
            ids = [r[0] for r in con.execute(f"SELECT doc_id FROM read_parquet('{parts['reports']}')").fetchall()]
            reports = len(ids)
            # each report replaced whole, as Warehouse.write_many does
            for t in PER_DOC_TABLES:
                con.execute(f"DELETE FROM {t} WHERE doc_id IN (SELECT unnest(?))", [ids])
        for t in PER_DOC_TABLES:
            if t in parts:
                con.execute(f"INSERT INTO {t} BY NAME SELECT * FROM read_parquet('{parts[t]}')")
        if "documents" in parts:
            holders = con.execute(f"SELECT file_sha, path_key FROM read_parquet('{parts['documents']}')").fetchall()
            con.execute(f"INSERT OR REPLACE INTO documents BY NAME SELECT * FROM read_parquet('{parts['documents']}')")
            wh._drop_earlier_versions([{"file_sha": s, "path_key": k} for s, k in holders])
        files = 0
        if "ingest_log" in parts:
            files = con.execute(f"SELECT count(*) FROM read_parquet('{parts['ingest_log']}')").fetchone()[0]
            con.execute(f"INSERT INTO ingest_log BY NAME SELECT * FROM read_parquet('{parts['ingest_log']}')")
        con.execute("INSERT INTO loaded_shards (shard_id, reports, files) VALUES (?, ?, ?)", [shard.name, reports, files])
        con.execute("COMMIT")
    except duckdb.Error as e:
        con.execute("ROLLBACK")
        if isinstance(e, duckdb.IOException) and not _is_read_error(e):
            raise               # the warehouse itself (disk full, read-only): the caller's message
        raise ShardError(f"shard {shard} cannot be loaded ({str(e).splitlines()[0][:200]}); nothing of it was stored, "
                         f"the shards before it are. Move it out of the folder, run the same ingest --shards again to "
                         f"write it anew, then run load again / 分片无法读取，未写入；之前的分片已写入，请移走该分片、"
                         f"重新运行 ingest --shards 后再次 load") from e
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return reports, files


def _is_read_error(e: duckdb.Error) -> bool:
    return "parquet" in str(e).lower()


def _sql_path(p: Path) -> str:
    """A path inside a SQL string literal (COPY and read_parquet take no bound parameter here)."""
    return str(p).replace("'", "''")
