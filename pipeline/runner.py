"""Run ``process_file`` over many files: each file in its own forked worker, at most N at once,
each under a time and memory limit. A file that runs over is killed and reported, the rest go on.
Results are yielded as they finish, for the single writer.

Workers fork from a ``WorkerHost``: a small process forked before the warehouse is opened, which
loads the dictionaries once and schedules the workers. Forked from the writer instead, every
worker would inherit the writer's memory, and that grows with the warehouse (DuckDB buffers,
rows written): worker memory would grow with corpus size."""
from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import time
from multiprocessing.connection import wait
from pathlib import Path
from typing import Iterable, Iterator

from .flow import process_file


def _child(conn, path: str, mem_mb: int | None) -> None:
    if mem_mb:
        try:
            import resource
            lim = mem_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
        except (ValueError, OSError):
            pass
    try:
        res = process_file(path)
        conn.send_bytes(pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException as e:  # noqa: BLE001 — report whatever happened, then exit
        try:
            why = ("ran out of its memory limit / 读取时超出内存限制，已跳过" if isinstance(e, MemoryError)
                   else f"worker error {type(e).__name__}: {e} / 处理进程出错，请把该文件报告给开发者")
            conn.send_bytes(pickle.dumps(_failed(path, why)))
        except Exception:
            pass
    finally:
        conn.close()
        os._exit(0)


PRIME_TEXT = ("示例项目绩效评价报告\n一、基本情况\n项目预算资金10万元，实际支出9万元。\n二、评价结论\n总分为85分，等级为良。\n"
              "三、存在的问题\n（一）资金拨付进度偏慢。\n四、建议\n（一）加快资金拨付。\n")


def _prime() -> None:
    """Run the record and rule stages once in the parent on a tiny text, so what they load lazily
    (jieba.analyse takes seconds) is loaded before fork and every worker inherits it, instead of
    each worker loading it again for its one file."""
    try:
        from extractors.txt import text_to_document
        from . import rules
        from .record import build_record
        rules.run(build_record(text_to_document(PRIME_TEXT, "<warm-up>")))
    except Exception:  # noqa: BLE001 — only a speed-up; a real file will report its own error
        pass


def _failed(path: str, reason: str, status: str = "failed", seconds: float = 0.0) -> dict:
    return {"source_path": path, "file_sha": None, "status": status, "error": reason, "doc_id": None,
            "record": None, "findings": [], "pages": None, "seconds": round(seconds, 3)}


def run_files(paths: Iterable[Path], workers: int = 1, timeout: float = 300.0,
              mem_mb: int | None = 4096, isolate: bool = True, host: "WorkerHost | None" = None) -> Iterator[dict]:
    paths = [str(p) for p in paths]
    if host is not None:
        yield from host.run(paths)
        return
    if not isolate:
        for p in paths:
            yield process_file(p)
        return
    _prime()
    ctx = mp.get_context("fork")
    pending = list(reversed(paths))
    active: dict = {}   # conn -> (proc, path, started)
    while pending or active:
        while pending and len(active) < max(1, workers):
            p = pending.pop()
            r, w = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(w, p, mem_mb), daemon=True)
            proc.start()
            w.close()
            active[r] = (proc, p, time.monotonic())
        ready = wait(list(active), timeout=0.5)
        for conn in ready:
            proc, p, t0 = active.pop(conn)
            try:
                res = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError, pickle.UnpicklingError):
                proc.join(1)
                code = proc.exitcode
                why = ("ran out of its memory limit" if code in (-9, 137) or code is None
                       else f"worker ended with code {code}")
                res = _failed(p, f"{why} while reading / 读取时超出内存或进程异常，已跳过", seconds=time.monotonic() - t0)
            conn.close()
            proc.join(5)
            yield res
        now = time.monotonic()
        for conn, (proc, p, t0) in list(active.items()):
            if now - t0 > timeout:
                proc.kill()
                proc.join(5)
                conn.close()
                del active[conn]
                yield _failed(p, f"took longer than {timeout:.0f} s, stopped / 处理超时（{timeout:.0f} 秒），已跳过",
                              status="skipped", seconds=now - t0)


class WorkerHost:
    """``with WorkerHost(workers, timeout, mem_mb) as host: for res in host.run(paths): …``

    Create it before opening the warehouse. If the host itself dies, every file it had not
    answered for is reported failed (the writer logs them; a re-run picks them up)."""

    def __init__(self, workers: int = 1, timeout: float = 300.0, mem_mb: int | None = 4096):
        ctx = mp.get_context("fork")
        self._conn, child_conn = ctx.Pipe(duplex=True)
        # not a daemon: a daemonic process may not start the worker processes
        self._proc = ctx.Process(target=_host_main, args=(child_conn, workers, timeout, mem_mb), name="jixiao-host")
        self._proc.start()
        child_conn.close()

    def run(self, paths: Iterable[str | Path]) -> Iterator[dict]:
        todo = [str(p) for p in paths]
        if not todo:
            return
        waiting = set(todo)
        try:
            self._conn.send(todo)
            while True:
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


def _host_main(conn, workers: int, timeout: float, mem_mb: int | None) -> None:
    from .flow import warm_up
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
            for res in run_files(todo, workers=workers, timeout=timeout, mem_mb=mem_mb):
                conn.send_bytes(pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL))
            conn.send_bytes(b"")
    except (KeyboardInterrupt, BrokenPipeError, EOFError):
        code = 1
    finally:
        conn.close()
        os._exit(code)
