"""Ingest a batch: find the files, run the flow on each (in workers), hand each result to the
single writer, then re-run the corpus-level rules over the whole warehouse."""
from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from extractors import KNOWN_EXTS
from warehouse import corpus, guard, paths
from warehouse.store import Warehouse, WarehouseLocked, WarehouseUnwritable

from . import rules
from .flow import VERSION, file_sha
from .runner import WorkerHost, run_files


# results are written in batches: one transaction per report cost the writer ~60 ms a report,
# CPU taken from the workers. A crash loses at most one unwritten batch, which the re-run redoes.
BATCH_FILES = int(os.environ.get("JIXIAO_WRITE_BATCH", "32"))
BATCH_SECONDS = 2.0


@dataclass
class Summary:
    run_id: str
    files: int = 0
    pages: int = 0
    seconds: float = 0.0
    status: Counter = field(default_factory=Counter)
    problems: list = field(default_factory=list)     # (path, status, reason) of files not ok

    def lines(self) -> list[str]:
        ok = self.status.get("ok", 0)
        out = [f"{self.files} files, {ok} ok, {self.pages} pages in {self.seconds:.1f} s "
               f"({self.files / max(self.seconds, 1e-9):.1f} files/s) — run {self.run_id}"]
        for st, n in sorted(self.status.items()):
            if st != "ok":
                out.append(f"  {st}: {n}")
        # files of other types (notes, spreadsheets) are counted, not listed: they are not problems
        other = [p for p in self.problems if "not a report type" in (p[2] or "")]
        shown = [p for p in self.problems if p not in other]
        if other:
            out.append(f"  ({len(other)} files of other types skipped, e.g. {other[0][0]})")
        for path, st, why in shown[:20]:
            out.append(f"  [{st}] {path}: {why}")
        if len(shown) > 20:
            out.append(f"  … {len(shown) - 20} more: python -m pipeline query --db <warehouse> "
                       f"\"SELECT * FROM ingest_log WHERE run_id = '{self.run_id}'\"")
        return out


def find_files(paths: list[str | Path]) -> tuple[list[Path], list[Path]]:
    """(report files, other files) under the given files and folders, recursively, sorted. Only
    regular files are ever read: a FIFO, socket or device (which would block or never end) goes
    to the other files, to be logged with ``skip_reason``."""
    found, other = [], []
    for p in map(Path, paths):
        if p.is_file():
            found.append(p)
            continue
        if not p.is_dir():
            other.append(p)
            continue
        for f in sorted(p.rglob("*")):
            if any(part.startswith(".") for part in f.relative_to(p).parts):
                continue
            if f.is_file():
                (found if f.suffix.lower() in KNOWN_EXTS else other).append(f)
            elif not f.is_dir():
                other.append(f)
    return found, other


def skip_reason(p: Path) -> str:
    """Why a path found by ``find_files`` is not read, in words a user can act on."""
    if p.is_symlink() and not p.exists():
        return "broken symbolic link, nothing to read / 符号链接指向的文件不存在"
    if not p.exists():
        return "path does not exist / 路径不存在"
    if not p.is_file():
        return ("not a regular file (a FIFO, socket or device), not read; copy the report into a file "
                "/ 不是普通文件（管道、套接字或设备），未读取")
    return (f"not a report type ({p.suffix or 'no extension'}); PDF, DOCX, TXT and MD are read "
            "/ 非报告文件类型，已跳过")


def ingest(paths: list[str | Path], db: str | Path, workers: int | None = None, timeout: float = 300.0,
           mem_mb: int | None = 4096, progress: bool = True, force: bool = False, wait_s: float = 0.0,
           cluster: str | None = None, shards: str | Path | None = None) -> Summary:
    """Read ``paths`` into the warehouse ``db``; on a Dask cluster with ``cluster`` (local:N or
    tcp://host:port, pipeline/cluster.py); into Parquet shards in the folder ``shards`` instead of
    the warehouse with ``shards`` (pipeline/shards.py; ``load`` stores them later)."""
    summary = Summary(time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6])
    t0 = time.perf_counter()
    files, other = find_files(paths)
    # forked before the warehouse opens: workers never inherit the writer's memory
    host = _file_reader(cluster, workers, timeout, mem_mb)
    try:
        if shards is not None:
            from .shards import ingest_to_shards
            ingest_to_shards(files, other, shards, host, summary, progress)
        else:
            with _opened(db, wait_s) as wh:
                todo = _log_unread(wh, files, other, force, summary)
                _read_and_store(wh, todo, host, summary, progress)
                host.close()            # workers gone before the corpus passes take the memory
                refresh_corpus_findings(wh, only_if_changed=True)
    finally:
        host.close()
    summary.seconds = time.perf_counter() - t0
    return summary


@contextlib.contextmanager
def _opened(db: str | Path, wait_s: float):
    wh = open_warehouse(db, wait_s)
    try:
        yield wh
    finally:
        wh.close()


def _log_unread(wh: Warehouse, files: list[Path], other: list[Path], force: bool, summary: Summary) -> list[Path]:
    """Log the files this run does not read (other types, not regular files, unchanged since the last
    ingest — an unchanged file is still recorded as holding its report) and return the rest."""
    logged: list[dict] = [{"source_path": str(p), "status": "skipped", "error": skip_reason(p)} for p in other]
    shas = {p: file_sha(p) for p in files}
    known = {} if force else wh.known_files(list(shas.values()))
    todo = []
    for p in files:
        if shas[p] in known:
            logged.append({"source_path": str(p), "status": "skipped", "doc_id": known[shas[p]], "file_sha": shas[p],
                           "unchanged": True, "error": "unchanged since the last ingest (same bytes) / 文件未变化，已跳过"})
        else:
            todo.append(p)
    for k in range(0, len(logged), 1000):
        _store(wh, logged[k:k + 1000], summary.run_id, summary)
    return todo


def _read_and_store(wh: Warehouse, todo: list[Path], host, summary: Summary, progress: bool) -> None:
    """Results as the workers finish them, stored in batches (BATCH_FILES, or every BATCH_SECONDS
    even while a long file is read), with the progress bar."""
    bar = _bar(len(todo), progress)
    before = summary.files                   # files logged without being read (skipped)
    batch: list[dict] = []
    started = time.monotonic()
    for res in run_files(todo, host=host, heartbeat=BATCH_SECONDS):
        if res is not None:
            if not batch:
                started = time.monotonic()
            batch.append(res)
        if batch and (len(batch) >= BATCH_FILES or time.monotonic() - started >= BATCH_SECONDS):
            _store(wh, batch, summary.run_id, summary)
            batch = []
        if res is not None and bar is not None:    # None: no result for a while (a long file)
            bar.update(1)
            read = summary.status["ok"] + summary.status["partial"]     # partial: stored, pages named missing
            bar.set_postfix(stored=summary.files - before, ok=read,
                            failed=summary.files - read - summary.status["skipped"])
    _store(wh, batch, summary.run_id, summary)
    if bar is not None:
        bar.close()


def _file_reader(cluster: str | None, workers: int | None, timeout: float, mem_mb: int | None):
    """What reads the files: a Dask cluster (same face as WorkerHost) or this machine's worker host."""
    if cluster:
        from .cluster import ClusterRunner
        return ClusterRunner(cluster, timeout=timeout, mem_mb=mem_mb)
    return WorkerHost(workers=workers or os.cpu_count() or 1, timeout=timeout, mem_mb=mem_mb)


def open_warehouse(db: str | Path, wait_s: float = 0.0) -> Warehouse:
    """The warehouse for writing; if another process holds it, retry for up to ``wait_s`` seconds
    (saying so once on stderr) before giving up with WarehouseLocked."""
    deadline = time.monotonic() + wait_s
    told = False
    while True:
        try:
            return Warehouse(db, pipeline_version=VERSION)
        except WarehouseLocked:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            if not told:
                print(f"{db} is in use by another process; waiting up to {wait_s:.0f} s for it "
                      f"/ 数据库正被另一个进程使用，等待中（最多 {wait_s:.0f} 秒）", file=sys.stderr)
                told = True
            time.sleep(min(1.0, left))


def _store(wh: Warehouse, batch: list[dict], run_id: str, summary: Summary) -> None:
    """Write a batch in one transaction; if the warehouse refuses a value, file by file, so only the
    file at fault is logged failed (with the warehouse's own words) and the rest are stored. A
    warehouse that cannot be written at all (disk full, read-only) stops the run: no file is at fault."""
    if not batch:
        return
    try:
        wh.write_many(batch, run_id)
        stored = batch
    except (duckdb.Error, OSError) as e:
        if _environmental(e):
            raise _unwritable(wh, e) from e
        stored = [_store_one(wh, res, run_id) for res in batch]
    count_stored(summary, stored)


def count_stored(summary: Summary, stored: list[dict]) -> None:
    """Add stored results to the run's summary (also used for results written to shards)."""
    for res in stored:
        summary.files += 1
        summary.pages += res.get("pages") or 0
        summary.status[res["status"]] += 1
        if res["status"] != "ok" and not res.get("unchanged"):     # an unchanged file is no problem
            summary.problems.append((paths.readable(res["source_path"]), res["status"], res.get("error")))


def _store_one(wh: Warehouse, res: dict, run_id: str) -> dict:
    try:
        wh.write(res, run_id, document_text=res.get("text"))
        return res
    except (duckdb.Error, OSError) as e:
        if _environmental(e):
            raise _unwritable(wh, e) from e
        # a value the warehouse refuses (the transaction is rolled back whole): the file is logged
        # failed by a row made only of what any table takes, so this write cannot fail the same way
        failed = {"source_path": res["source_path"], "status": "failed", "record": None, "doc_id": None,
                  "file_sha": res.get("file_sha"), "seconds": res.get("seconds"), "pages": None,
                  "error": f"could not be stored ({type(e).__name__}: {str(e)[:300]}) "
                           "/ 无法写入数据库，请把该文件报告给开发者"}
        try:
            wh.write(failed, run_id)
        except (duckdb.Error, OSError) as e2:
            raise _unwritable(wh, e2) from e2
        return failed


def _environmental(e: BaseException) -> bool:
    """The disk's or the file system's doing (full, read-only, no permission), not a value's."""
    return isinstance(e, (duckdb.IOException, OSError)) or guard.is_environmental(e)


def _unwritable(wh: Warehouse, e: BaseException) -> WarehouseUnwritable:
    return WarehouseUnwritable(
        f"cannot write to the warehouse {wh.path} ({str(e).splitlines()[0][:200]}); free disk space or check "
        "permissions, then run ingest again — what was stored so far is kept / 无法写入数据库（磁盘已满或无写权限），"
        "请释放空间或检查权限后重新运行，已写入的内容不受影响")


def refresh_corpus_findings(wh: Warehouse, only_if_changed: bool = False) -> bool:
    """Re-run the corpus-level passes over the whole warehouse; with ``only_if_changed`` only when the
    stored reports (or the pipeline) differ from the last time they ran. Returns whether they ran."""
    digest = wh.corpus_digest(f"{VERSION}:{','.join(sorted(rules.REGISTRY))}")
    if only_if_changed and wh.state("corpus_passes") == digest:
        return False
    _corpus_passes(wh)
    wh.set_state("corpus_passes", digest)
    return True


def _corpus_passes(wh: Warehouse) -> None:
    corpus_passes(wh)


def corpus_passes(wh: Warehouse) -> dict[str, float]:
    """The corpus-level passes over the whole warehouse; returns the seconds each took (bench/scale.py)."""
    # corpus-wide derived data first: renditions of one report (views and corpus rules count each
    # report once) and problem categories clustered across the corpus
    import jieba
    jieba.setLogLevel(60)       # the writer loads jieba only now (workers had it): no banner on stderr
    from . import dedupe, taxonomy
    took: dict[str, float] = {}
    with corpus.memory_budget(wh):      # DuckDB's own memory held to a fixed budget, spilling to disk
        for name, work in (("renditions", dedupe.refresh_groups), ("categories", taxonomy.refresh_categories),
                           ("corpus_rules", _corpus_rules)):
            t0 = time.perf_counter()
            work(wh)
            took[name] = time.perf_counter() - t0
    return took


def _corpus_rules(wh: Warehouse) -> None:
    corpus_rules = [r for r in rules.REGISTRY.values() if r.corpus]
    if not corpus_rules:
        return
    from .rules.corpus import RECORD_FIELDS
    records = corpus.corpus_records(wh, RECORD_FIELDS)
    findings = rules.run_corpus(records, lambda ids: corpus.texts_among(wh, ids))
    wh.replace_corpus_findings([r.id for r in corpus_rules], findings)


def _bar(total: int, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm import tqdm
    return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True, desc="ingest")
