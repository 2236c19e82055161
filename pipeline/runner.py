"""Run ``process_file`` over many files in forked worker processes, at most N at once, each file
under a time limit and each worker under a memory limit. A file that runs over is killed and
reported (its worker is replaced), the rest go on. Results are yielded as they finish, for the
single writer.

A worker reads file after file: a fresh process per file paid ~2× in copy-on-write page faults
and cold caches (measured on the bench PDFs: 6.2 s forked per file vs 3.4 s in one process).
It is retired after ``FILES_PER_WORKER`` files, and after any file that ended in an exception
(a worker that saw a MemoryError is not trusted with another file).

Workers fork from a ``WorkerHost``: a small process forked before the warehouse is opened, which
loads the dictionaries once and schedules the workers. Forked from the writer instead, every
worker would inherit the writer's memory, and that grows with the warehouse (DuckDB buffers,
rows written): worker memory would grow with corpus size."""
from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import signal
import time
from multiprocessing.connection import wait
from pathlib import Path
from typing import Iterable, Iterator

from .flow import process_file


FILES_PER_WORKER = 50     # then a fresh worker: memory fragmentation never accumulates


def _limit_memory(mem_mb: int | None) -> None:
    if mem_mb:
        try:
            import resource
            lim = mem_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
        except (ValueError, OSError):
            pass


def memory_reason(mem_mb: int | None) -> str:
    """What a file that ran out of memory is logged with: the limit, and what to do."""
    if not mem_mb:
        return ("ran out of memory while reading; free memory or read this file alone "
                "/ 读取时内存不足，请释放内存或单独处理该文件")
    return (f"ran out of its memory limit ({mem_mb} MB) while reading; re-run this file alone with a larger "
            f"--mem-mb (e.g. --mem-mb {mem_mb * 2}) / 读取时超出内存限制（{mem_mb} MB），已跳过，"
            "请用更大的 --mem-mb 单独重试该文件")


def _own_process_group() -> None:
    """Make the calling worker the leader of a process group of its own: what it starts (tesseract
    for a scanned page) joins that group, so stopping the worker can stop them all (``_kill_group``)
    without touching the host or the writer, which stay in theirs."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass


def _kill_group(pid: int | None) -> None:
    """SIGKILL to the process group a worker leads (the worker and every child it started). The
    group id is the worker's pid; a worker whose group could not be set leads none, and then
    there is no such group (ESRCH), never someone else's."""
    if not pid:
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _close_inherited(conns) -> None:
    """Close the parent's pipe ends a forked child inherited: while a child holds them, it never
    sees end-of-file when the parent dies, and would wait for work forever."""
    for c in conns:
        try:
            c.close()
        except OSError:
            pass


def _worker(conn, mem_mb: int | None, inherited=(), keep_document: bool = False) -> None:
    """Read paths from ``conn`` and answer each with the pickled result, until told to stop (or
    until the parent's end closes)."""
    _own_process_group()
    _close_inherited(inherited)
    _limit_memory(mem_mb)
    try:
        while True:
            try:
                path = conn.recv()
            except (EOFError, OSError):
                break
            if path is None:
                break
            try:
                res = process_file(path, keep_document=True) if keep_document else process_file(path)
                data, healthy = pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL), True
            except BaseException as e:  # noqa: BLE001 — report whatever happened, then retire
                why = (memory_reason(mem_mb) if isinstance(e, MemoryError)
                       else f"worker error {type(e).__name__}: {e} / 处理进程出错，请把该文件报告给开发者")
                data, healthy = pickle.dumps(_failed(path, why)), False
            conn.send_bytes(data)
            if not healthy:
                break
    except BaseException:  # noqa: BLE001 — the parent reports the file it was reading
        pass
    finally:
        conn.close()
        os._exit(0)


PRIME_TEXT = ("示例项目绩效评价报告\n一、基本情况\n项目预算资金10万元，实际支出9万元。\n二、评价结论\n总分为85分，等级为良。\n"
              "三、存在的问题\n（一）资金拨付进度偏慢。\n四、建议\n（一）加快资金拨付。\n")


def _prime() -> None:
    """Run the record and rule stages once in the parent on a tiny text, so what they load lazily
    (jieba.analyse takes seconds) is loaded before fork and every worker inherits it, instead of
    each worker loading it again for its one file. The readers' libraries too: loaded in a worker,
    they load under its memory limit, and a low --mem-mb then fails while mapping lxml or pdfium."""
    _preload_readers()
    try:
        from extractors.txt import text_to_document
        from . import rules
        from .record import build_record
        rules.run(build_record(text_to_document(PRIME_TEXT, "<warm-up>")))
    except Exception:  # noqa: BLE001 — only a speed-up; a real file will report its own error
        pass


READER_LIBRARIES = ("lxml.etree", "docx", "pypdfium2", "pdfplumber", "numpy", "PIL.Image", "extractors.ocr")


def _preload_readers() -> None:
    import importlib
    for name in READER_LIBRARIES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 — only a speed-up; a worker that needs it reports why
            pass


def _out_of_memory(res: dict) -> bool:
    return res.get("status") == "failed" and "memory" in (res.get("error") or "")


def _failed(path: str, reason: str, status: str = "failed", seconds: float = 0.0) -> dict:
    return {"source_path": path, "file_sha": None, "status": status, "error": reason, "doc_id": None,
            "record": None, "findings": [], "pages": None, "seconds": round(seconds, 3)}


def run_files(paths: Iterable[Path], workers: int = 1, timeout: float = 300.0,
              mem_mb: int | None = 4096, host: "WorkerHost | None" = None,
              heartbeat: float | None = None) -> Iterator[dict | None]:
    """Results as files finish. With a ``host``, its workers read them (``heartbeat``: see WorkerHost.run)."""
    paths = [str(p) for p in paths]
    if host is not None:
        yield from host.run(paths, heartbeat)
        return
    _prime()
    yield from _Pool(workers, timeout, mem_mb).run(paths)


class _Pool:
    """Long-lived forked workers fed one path at a time (see the module docstring)."""

    def __init__(self, workers: int, timeout: float, mem_mb: int | None, keep_document: bool = False):
        self.size, self.timeout, self.mem_mb = max(1, workers), timeout, mem_mb
        self.keep_document = keep_document
        self.ctx = mp.get_context("fork")
        self.idle: list = []           # [conn, proc, files served]
        self.busy: dict = {}           # conn -> [conn, proc, files served, path, started]
        self.over_limit: dict[str, str] = {}   # path -> "time" | "memory": stopped by a limit

    def _spawn(self) -> list:
        parent, child = self.ctx.Pipe(duplex=True)
        inherited = [parent] + [w[0] for w in self.idle] + list(self.busy)
        proc = self.ctx.Process(target=_worker, args=(child, self.mem_mb, inherited, self.keep_document), daemon=True)
        proc.start()
        try:                # the worker does it too; whichever runs first, the group exists before any kill
            os.setpgid(proc.pid, proc.pid)
        except OSError:
            pass
        child.close()
        return [parent, proc, 0]

    @staticmethod
    def _end(w: list, kill: bool = False) -> int | None:
        conn, proc = w[0], w[1]
        if kill:
            _kill_group(proc.pid)       # the worker and what it started (tesseract), not just the worker
            proc.kill()
        else:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
        conn.close()
        proc.join(5)
        if proc.is_alive():
            _kill_group(proc.pid)
            proc.kill()
            proc.join(5)
        _kill_group(proc.pid)           # a child it left behind when it ended
        return proc.exitcode

    def run(self, paths: list[str]) -> Iterator[dict]:
        pending = list(reversed(paths))
        retried: set[str] = set()
        try:
            while pending or self.busy:
                while pending and (self.idle or len(self.busy) < self.size):
                    w = self.idle.pop() if self.idle else self._spawn()
                    p = pending.pop()
                    try:
                        w[0].send(p)
                    except (OSError, ValueError):      # it died while idle: a fresh one takes the file
                        self._end(w, kill=True)
                        pending.append(p)
                        continue
                    self.busy[w[0]] = w + [p, time.monotonic()]
                for conn in wait(list(self.busy), timeout=0.5):
                    conn_, proc, served, p, t0 = self.busy.pop(conn)
                    w = [conn_, proc, served + 1]
                    try:
                        res = pickle.loads(conn.recv_bytes())
                        healthy = proc.is_alive() and not _out_of_memory(res) and not (res.get("error") or "").startswith("worker error")
                        if _out_of_memory(res):
                            res["error"] = memory_reason(self.mem_mb)
                            self.over_limit[p] = "memory"
                    except (EOFError, OSError, pickle.UnpicklingError):
                        code = self._end(w, kill=True)
                        if code in (-9, 137) or code is None:
                            res = _failed(p, memory_reason(self.mem_mb), seconds=time.monotonic() - t0)
                            self.over_limit[p] = "memory"
                        else:
                            res = _failed(p, f"worker ended with code {code} while reading "
                                             "/ 读取时处理进程异常退出，已跳过", seconds=time.monotonic() - t0)
                        healthy = False
                    if not healthy or w[2] >= FILES_PER_WORKER:
                        self._end(w)
                    else:
                        self.idle.append(w)
                    if _out_of_memory(res) and served > 0 and p not in retried:
                        # the worker had read other files first: its heap, not this file, may be what
                        # ran out. A fresh worker tries once more; a second failure is the file's own.
                        retried.add(p)
                        pending.append(p)
                        continue
                    yield res
                now = time.monotonic()
                for conn, (conn_, proc, served, p, t0) in list(self.busy.items()):
                    if now - t0 > self.timeout:
                        del self.busy[conn]
                        self._end([conn_, proc, served], kill=True)
                        self.over_limit[p] = "time"
                        yield _failed(p, f"took longer than {self.timeout:g} s, stopped; re-run it alone with a larger --timeout "
                                         f"/ 处理超时（{self.timeout:g} 秒），已跳过，可用更大的 --timeout 单独重试",
                                      status="skipped", seconds=now - t0)
        finally:
            for w in self.idle:
                self._end(w)
            for conn, w in list(self.busy.items()):
                self._end(w[:3], kill=True)
            self.idle, self.busy = [], {}


def extract_bounded(path: str | Path, timeout: float = 300.0, mem_mb: int | None = 4096,
                    keep_document: bool = False) -> tuple[dict, str | None]:
    """``process_file`` for one file in a worker under the same time and memory limits as an
    ingest worker (its own process group, killed whole when over time), so a hostile file cannot
    take the machine's memory or hold the terminal. Returns the result and, when a limit stopped
    the file, which one ("time" or "memory"; the result's error says what to do)."""
    pool = _Pool(1, timeout, mem_mb, keep_document=keep_document)
    (res,) = list(pool.run([str(path)]))
    return res, pool.over_limit.get(str(path))


class WorkerHost:
    """``with WorkerHost(workers, timeout, mem_mb) as host: for res in host.run(paths): …``

    Create it before opening the warehouse. If the host itself dies, every file it had not
    answered for is reported failed (the writer logs them; a re-run picks them up)."""

    def __init__(self, workers: int = 1, timeout: float = 300.0, mem_mb: int | None = 4096):
        ctx = mp.get_context("fork")
        self._conn, child_conn = ctx.Pipe(duplex=True)
        # not a daemon: a daemonic process may not start the worker processes
        self._proc = ctx.Process(target=_host_main, args=(child_conn, workers, timeout, mem_mb, self._conn),
                                 name="jixiao-host")
        self._proc.start()
        child_conn.close()
        self._used = False

    def run(self, paths: Iterable[str | Path], heartbeat: float | None = None) -> Iterator[dict | None]:
        """Results as they come; with ``heartbeat``, also None after that many seconds without one
        (so the writer can store what it holds while a long file, an OCR'd scan, is being read)."""
        todo = [str(p) for p in paths]
        if not todo:
            return
        waiting = set(todo)
        self._used = True
        try:
            self._conn.send(todo)
            while True:
                if heartbeat is not None and not self._conn.poll(heartbeat):
                    yield None
                    continue
                data = self._conn.recv_bytes()
                if not data:        # the host's end-of-batch mark
                    break
                res = pickle.loads(data)
                waiting.discard(res["source_path"])
                yield res
        except (EOFError, OSError, pickle.UnpicklingError):
            pass
        for p in todo:
            if p in waiting:
                yield _failed(p, "the worker host process ended unexpectedly; run ingest again to retry this file "
                                 "/ 处理进程意外退出，请重新运行 ingest 重试该文件")

    def close(self) -> None:
        if self._conn.closed:
            return
        if not self._used:      # nothing was asked of it: no need to wait for its warm-up to finish
            self._proc.kill()
        try:
            self._conn.send(None)
        except (OSError, ValueError):
            pass
        self._conn.close()
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)

    def __enter__(self) -> "WorkerHost":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _host_main(conn, workers: int, timeout: float, mem_mb: int | None, parent_end=None) -> None:
    from .flow import warm_up
    _close_inherited([parent_end] if parent_end is not None else [])
    code = 0
    try:
        warm_up()
        while True:
            try:
                todo = conn.recv()
            except EOFError:
                break
            if todo is None:
                break
            results = run_files(todo, workers=workers, timeout=timeout, mem_mb=mem_mb)
            try:
                for res in results:
                    conn.send_bytes(pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL))
            finally:
                results.close()     # the writer went away mid-batch: stop the workers too
            conn.send_bytes(b"")
    except (KeyboardInterrupt, BrokenPipeError, EOFError):
        code = 1
    finally:
        conn.close()
        os._exit(code)
