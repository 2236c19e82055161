"""The worker host (pipeline/runner.py): workers fork from a small process started before the
warehouse opens, so their memory does not follow the writer's; if the host dies, every file it
had not answered for is still reported."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pipeline.runner as runner
from tests.hostile_files import before_reading, good_report_text, write


def _rss_mb() -> float:
    for ln in Path("/proc/self/status").read_text().splitlines():
        if ln.startswith("VmRSS:"):
            return int(ln.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_workers_do_not_inherit_memory_the_writer_takes_later(tmp_path, monkeypatch):
    """300 MB taken by the writer after the host started (as DuckDB buffers are) never appear in a
    worker: a worker forked from the writer would carry them (fork copies the address space)."""
    p = write(tmp_path / "r.txt", good_report_text(1))
    monkeypatch.setattr(runner, "process_file", lambda path, *a, **k: {"source_path": str(path), "rss_mb": _rss_mb()})
    with runner.WorkerHost(workers=1, timeout=60) as host:
        (before,) = list(runner.run_files([p], host=host))
        writer_before = _rss_mb()
        ballast = bytearray(300 << 20)
        ballast[::4096] = b"x" * len(ballast[::4096])        # touch every page: resident
        assert _rss_mb() - writer_before > 250
        (after,) = list(runner.run_files([p], host=host))
    del ballast
    assert after["rss_mb"] - before["rss_mb"] < 50, (before["rss_mb"], after["rss_mb"])


def test_host_that_dies_reports_every_unanswered_file(tmp_path, monkeypatch):
    """The host is killed while the first file is read: no file is silently lost, each comes
    back failed with a reason that says to re-run."""
    paths = [write(tmp_path / f"r{i}.txt", good_report_text(i)) for i in range(3)]

    def kill_host(path, *a, **k):
        os.kill(os.getppid(), signal.SIGKILL)    # the worker's parent is the host
        return {"source_path": str(path)}
    monkeypatch.setattr(runner, "process_file", kill_host)
    with runner.WorkerHost(workers=1, timeout=60) as host:
        res = list(runner.run_files(paths, host=host))
    assert sorted(r["source_path"] for r in res) == sorted(map(str, paths))
    assert all(r["status"] == "failed" and "ingest again" in r["error"] for r in res)


def test_host_runs_several_batches(tmp_path):
    """One host serves batch after batch (results keyed by path, nothing repeated)."""
    a = [write(tmp_path / f"a{i}.txt", good_report_text(i)) for i in range(2)]
    b = [write(tmp_path / f"b{i}.txt", good_report_text(5 + i)) for i in range(2)]
    with runner.WorkerHost(workers=2, timeout=120) as host:
        ra = list(host.run(a))
        rb = list(host.run(b))
    assert sorted(r["source_path"] for r in ra) == sorted(map(str, a))
    assert sorted(r["source_path"] for r in rb) == sorted(map(str, b))
    assert all(r["status"] == "ok" for r in ra + rb)


def test_memory_failure_in_a_used_worker_is_retried_in_a_fresh_one(tmp_path, monkeypatch):
    """A worker reads file after file; a MemoryError on its second file may come from what the first
    left behind, so that file is read again by a fresh worker (and ends ok). A file that fails in a
    fresh worker as well stays failed."""
    a = write(tmp_path / "a.txt", good_report_text(1))
    b = write(tmp_path / "b.txt", good_report_text(2))
    real = runner.process_file
    seen: list[str] = []                  # per worker process (forked): files this worker has read

    def second_file_oom(path, *args, **kw):
        seen.append(str(path))
        if len(seen) > 1:
            raise MemoryError
        return real(path, *args, **kw)
    monkeypatch.setattr(runner, "process_file", second_file_oom)
    res = {r["source_path"]: r for r in runner.run_files([a, b], workers=1, timeout=60)}
    assert res[str(a)]["status"] == "ok" and res[str(b)]["status"] == "ok", res

    monkeypatch.setattr(runner, "process_file", lambda path, *args, **kw: (_ for _ in ()).throw(MemoryError))
    (only,) = list(runner.run_files([a], workers=1, timeout=60))
    assert only["status"] == "failed" and "memory" in only["error"]


def test_writer_stores_what_it_holds_while_a_long_file_is_read(tmp_path, monkeypatch):
    """A fast file's result is stored while a slow one (an OCR'd scan, say) is still being read —
    not held until the slow one ends — so progress is true and a crash costs less."""
    import pipeline.ingest as ing
    folder = tmp_path / "in"
    fast = write(folder / "a_fast.txt", good_report_text(1))
    slow = write(folder / "b_slow.txt", good_report_text(2))
    before_reading(monkeypatch, slow.name, lambda: time.sleep(3 * ing.BATCH_SECONDS))
    stores: list[list[str]] = []
    real_store = ing._store

    def spy(wh, batch, run_id, summary):
        if batch:
            stores.append([Path(r["source_path"]).name for r in batch])
        return real_store(wh, batch, run_id, summary)
    monkeypatch.setattr(ing, "_store", spy)
    ing.ingest([folder], tmp_path / "w.duckdb", workers=1, progress=False)
    assert stores[0] == [fast.name], stores
    assert [n for s in stores for n in s] == [fast.name, slow.name]
