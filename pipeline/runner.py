"""Run ``process_file`` over many files: each file in its own forked worker, at most N at once,
each under a time and memory limit. A file that runs over is killed and reported, the rest go on.
Results are yielded as they finish, for the single writer."""
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
              mem_mb: int | None = 4096, isolate: bool = True) -> Iterator[dict]:
    paths = [str(p) for p in paths]
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
