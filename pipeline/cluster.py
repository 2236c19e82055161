"""Run the flow on a Dask cluster (issue #16): ``ingest --cluster tcp://host:8786`` or ``local:N``.

Every Dask task reads one file the way the local pool does, with the local pool's own code: each
Dask worker thread keeps a ``runner.WorkerHost`` whose forked process runs the same pure
``flow.process_file`` under the same time and memory limits, file after file. A file that hangs
or explodes kills only that process (logged ``skipped``/``failed``, the process replaced), never
the Dask worker, and never leaves a stuck cluster; the host keeps timing a file even if its Dask
worker dies. Forking is why workers must not be daemons (``distributed.worker.daemon`` False): a
daemonic process may not start children. Results stream back (``as_completed``) to the one
writer in pipeline/ingest.py, which stores them in the same batches and transactions as locally.

``ClusterRunner`` has the same face as ``runner.WorkerHost`` (``run(paths, heartbeat)``, ``close()``),
so ingest feeds its writer from either one. Dask is imported only here and only when asked for."""
from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
from concurrent.futures import CancelledError
from pathlib import Path
from typing import Iterable, Iterator

# how long to reach a scheduler, and mid-run how long without one before the run stops (exit 2):
# Dask's own setting distributed.comm.timeouts.connect (30 s; env DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT)
CONNECT_SETTING = "distributed.comm.timeouts.connect"
WORKERS_TIMEOUT = 60.0     # seconds to wait for a first worker on a remote scheduler
CHUNK_FILES = int(os.environ.get("JIXIAO_CLUSTER_CHUNK", "8"))     # files per Dask task, at most (see _chunks)
POLL = 0.2                 # seconds between looks at finished futures
NO_DAEMON = {"distributed.worker.daemon": False}


class ClusterUnavailable(RuntimeError):
    """The cluster cannot be used (no scheduler at that address, no workers, workers that cannot
    fork): nothing was read, the warehouse is untouched."""


class ClusterLost(RuntimeError):
    """The scheduler went away mid-run: what was stored is kept, a re-run reads the rest."""


def parse_address(address: str) -> tuple[str, int | None]:
    """("local", N) for ``local:N``, (address, None) for a scheduler address (tcp://host:port)."""
    m = re.fullmatch(r"local:(\d+)", address.strip())
    if m:
        n = int(m.group(1))
        if n < 1:
            raise ClusterUnavailable("--cluster local:N needs N of 1 or more, e.g. --cluster local:2 "
                                     "/ local:N 的 N 至少为 1")
        return "local", n
    if re.fullmatch(r"(tcp|tls|ucx|inproc)://\S+", address.strip()):
        return address.strip(), None
    raise ClusterUnavailable(f"--cluster {address!r} is not an address: give local:N (N workers on this machine) "
                             f"or the scheduler's tcp://host:port, e.g. --cluster tcp://10.0.0.5:8786 "
                             f"/ --cluster 须为 local:N 或 tcp://主机:端口")


def connect_timeout() -> float:
    import dask
    from dask.utils import parse_timedelta
    return float(parse_timedelta(dask.config.get(CONNECT_SETTING, "30s"), default="seconds"))


# ---------------------------------------------------------------- on the Dask worker

_HOSTS: list = []          # [thread id, (timeout, mem_mb), WorkerHost, busy] of this Dask worker process
_HOSTS_LOCK = threading.Lock()


def worker_can_fork() -> bool:
    """Whether this (Dask worker) process may start the per-file child processes."""
    import multiprocessing as mp
    return not mp.current_process().daemon


def read_files(paths: list[str], shown: list[str], timeout: float, mem_mb: int | None) -> list[dict]:
    """The results of a few files, read on a Dask worker by the local pool's own ``WorkerHost``
    (one per worker thread, kept between tasks, so its reading process is forked warm and serves
    file after file, as locally), under the same time and memory limits. ``paths`` are absolute
    (the worker's working folder is not the client's); ``shown`` are the paths as the user gave
    them, put back so rows equal a local ingest's."""
    from .runner import _failed
    got: dict[str, dict] = {}
    todo = []
    for p, name in zip(paths, shown):
        if not readable(p):
            got[p] = _failed(name, f"the worker on {socket.gethostname()} cannot read this path: every worker must "
                                   "see the files at the same path (a shared file system) / 工作节点无法读取该路径，"
                                   "各节点须以相同路径访问这些文件（共享文件系统）")
        elif not worker_can_fork():
            got[p] = _failed(name, "this Dask worker is a daemon and cannot start the per-file process; start "
                                   "workers with DASK_DISTRIBUTED__WORKER__DAEMON=False / Dask 工作进程不能创建子进程，"
                                   "请以 DASK_DISTRIBUTED__WORKER__DAEMON=False 启动")
        else:
            todo.append(p)
    if todo:
        _warm_once()
        entry = _host_for((timeout, mem_mb))
        try:
            for res in entry[2].run(todo):      # read to its end-of-batch mark, ready for the next task
                got[res["source_path"]] = res
        finally:
            entry[3] = False
    return [_shown_as(got.get(p) or _failed(p, "no result from the worker host / 未得到处理结果，请重新运行"), name)
            for p, name in zip(paths, shown)]


_warm = threading.Event()


def _warm_once() -> None:
    """Load the dictionaries and lazy stages once in the Dask worker itself: every WorkerHost it
    forks later (a new run, a host replaced after a file killed it) starts warm, in no time."""
    if not _warm.is_set():
        from .flow import warm_up
        from .runner import _prime
        warm_up()
        _prime()
        _warm.set()


def _host_for(limits: tuple) -> list:
    """This thread's WorkerHost for these limits, marked busy; a new one if it has none or its
    host process has ended (a file killed it, or close_hosts did)."""
    from .runner import WorkerHost
    me = threading.get_ident()
    with _HOSTS_LOCK:
        for entry in _HOSTS:
            if entry[0] == me and entry[1] == limits and entry[2]._proc.is_alive():
                entry[3] = True
                return entry
        stale = [e for e in _HOSTS if e[0] == me]
        for e in stale:
            _HOSTS.remove(e)
    for e in stale:
        e[2].close()
    entry = [me, limits, WorkerHost(workers=1, timeout=limits[0], mem_mb=limits[1]), True]
    with _HOSTS_LOCK:
        _HOSTS.append(entry)
    return entry


def close_hosts() -> int:
    """Close this Dask worker's idle WorkerHosts (the end of a run: no idle processes are left
    behind on the cluster). Returns how many were closed."""
    with _HOSTS_LOCK:
        idle = [e for e in _HOSTS if not e[3]]
        for e in idle:
            _HOSTS.remove(e)
    for e in idle:
        e[2].close()
    return len(idle)


def readable(path: str) -> bool:
    """Whether this worker can read ``path`` (its machine may not mount the client's files)."""
    return os.access(path, os.R_OK)


def _shown_as(res: dict, shown: str) -> dict:
    res = dict(res, source_path=shown)
    if res.get("record") is not None and "source_path" in res["record"]:
        res["record"] = dict(res["record"], source_path=shown)
    return res


# ---------------------------------------------------------------- on the client (the writer's process)

class ClusterRunner:
    """``ClusterRunner("local:2", timeout, mem_mb).run(paths, heartbeat)`` → results as they finish."""

    def __init__(self, address: str, timeout: float = 300.0, mem_mb: int | None = 4096):
        self.address, self.timeout, self.mem_mb = address, timeout, mem_mb
        self._cluster = self._no_daemon = None
        self._log_levels = _quiet_dask_logs()
        try:
            self.client = self._connect(*parse_address(address))
        except BaseException:
            _restore_logs(self._log_levels)
            raise

    def _connect(self, where: str, n: int | None):
        try:
            import dask
            from distributed import Client
        except ImportError as e:
            raise ClusterUnavailable("--cluster needs Dask: pip install 'dask[distributed]==2026.8.0' (on every worker "
                                     "too) / 需要安装 dask[distributed]") from e
        if where == "local":
            from distributed import LocalCluster
            # kept while the cluster lives: a worker that dies is restarted by its nanny, which reads
            # the setting again then (set only around the start, the replacement would be a daemon)
            self._no_daemon = dask.config.set(NO_DAEMON)
            self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                         dashboard_address=":0", silence_logs=logging.ERROR)
            return Client(self._cluster)
        try:
            client = Client(where, timeout=connect_timeout())
        except (OSError, TimeoutError) as e:
            raise ClusterUnavailable(
                f"cannot reach the Dask scheduler at {where} ({str(e).splitlines()[0][:200]}); start it with "
                f"`dask scheduler` on that machine and `dask worker {where}` on each worker, or use --cluster local:N "
                f"/ 无法连接 Dask 调度器，请先启动 dask scheduler 与 dask worker") from e
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
            forks = client.run(worker_can_fork)
        except (OSError, TimeoutError) as e:
            client.close()
            raise ClusterUnavailable(f"the Dask scheduler at {where} has no workers (waited {WORKERS_TIMEOUT:.0f} s); "
                                     f"start `dask worker {where}` on each machine / 调度器没有工作节点") from e
        daemons = sorted(w for w, ok in forks.items() if not ok)
        if daemons:
            client.close()
            raise ClusterUnavailable(
                f"{len(daemons)} Dask worker(s) ({', '.join(daemons[:3])}) run as daemons and cannot start the "
                f"per-file process that enforces --timeout and --mem-mb; restart them as "
                f"`DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker {where}` / 请以 "
                f"DASK_DISTRIBUTED__WORKER__DAEMON=False 重新启动 dask worker")
        return client

    def run(self, paths: Iterable[str | Path], heartbeat: float | None = None) -> Iterator[dict | None]:
        """Results as files finish, each file exactly once; with ``heartbeat``, also None after that
        many seconds without one (the writer then stores what it holds)."""
        from distributed import as_completed
        shown = [str(p) for p in paths]
        if not shown:
            return
        chunks = _chunks(shown, self._threads())
        futures = [self.client.submit(read_files, [os.path.abspath(p) for p in c], c, self.timeout, self.mem_mb,
                                      pure=False) for c in chunks]
        # a finished task's results stay in its worker's memory while a future to it is held: each
        # is let go once its results are here, so worker memory does not grow with the corpus
        pending = {f.key: (f, c) for f, c in zip(futures, chunks)}
        ac = as_completed(futures)
        del futures
        left = len(shown)
        quiet_since = lost_since = time.monotonic()
        lost_after = connect_timeout()
        try:
            while left:
                done = ac.next_batch(block=False)
                got_any = bool(done)
                for fut in done:
                    chunk = pending.pop(fut.key)[1]
                    try:
                        results = fut.result()
                    except (CancelledError, KeyError) as e:       # the scheduler dropped it
                        raise self._lost(left, len(shown)) from e
                    except Exception as e:  # noqa: BLE001 — the task itself failed (its worker died each try)
                        results = [_task_failed(p, e) for p in chunk]
                    left -= len(chunk)
                    fut.release()
                    yield from results
                del done
                now = time.monotonic()
                if got_any:
                    quiet_since = now
                elif heartbeat is not None and now - quiet_since >= heartbeat:
                    quiet_since = now
                    yield None
                if self.client.status == "running":
                    lost_since = now
                elif now - lost_since > lost_after:
                    raise self._lost(left, len(shown))
                if not got_any:
                    time.sleep(POLL)
        finally:
            if left:        # the writer stopped (or the cluster went): leave nothing queued on the cluster
                try:
                    self.client.cancel([f for f, _ in pending.values()])
                except Exception:  # noqa: BLE001 — a gone scheduler cannot cancel; nothing is left to stop
                    pass

    def _threads(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001 — only sizes the tasks
            return 1

    def _lost(self, left: int, total: int) -> ClusterLost:
        return ClusterLost(
            f"the Dask scheduler at {self.address} stopped answering mid-run ({left} of {total} files not finished); "
            f"everything stored so far is kept. Start the scheduler and workers again and run the same ingest: stored "
            f"files are skipped, the rest are read / Dask 调度器在运行中断开，已写入的内容保留；请重启调度器后重新运行 "
            f"ingest，未完成的文件会继续处理")

    def close(self) -> None:
        client, cluster, self.client, self._cluster = self.client, self._cluster, None, None
        if client is not None and client.status == "running":
            try:
                client.run(close_hosts)
            except Exception:  # noqa: BLE001 — a worker that is gone has nothing left to close
                pass
        for thing in (client, cluster):
            if thing is None:
                continue
            try:
                thing.close(timeout=5) if thing is client else thing.close()
            except Exception:  # noqa: BLE001 — closing a cluster that is already gone
                pass
        if client is not None:
            _restore_logs(self._log_levels)
        if self._no_daemon is not None:
            self._no_daemon.__exit__(None, None, None)
            self._no_daemon = None

    def __enter__(self) -> "ClusterRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _chunks(paths: list[str], threads: int) -> list[list[str]]:
    """Files in tasks of up to CHUNK_FILES: one Dask task per file cost a fork and a scheduler round
    trip each (about 3× the local pool's time on small reports); at least 4 tasks per worker thread
    keep the load balanced."""
    size = max(1, min(CHUNK_FILES, len(paths) // (4 * threads)))
    return [paths[k:k + size] for k in range(0, len(paths), size)]


def _quiet_dask_logs() -> dict[str, int]:
    """Dask logs a lost scheduler or worker as tracebacks on stderr; a run says it in one message
    instead. Returns the levels to restore."""
    try:
        import distributed  # noqa: F401 — sets up its loggers
    except ImportError:
        return {}           # _connect says what to install
    names = [n for n in logging.root.manager.loggerDict if n == "distributed" or n.startswith("distributed.")]
    levels = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.CRITICAL)
    return levels


def _restore_logs(levels: dict[str, int]) -> None:
    for n, level in levels.items():
        logging.getLogger(n).setLevel(level)


def _task_failed(path: str, e: BaseException) -> dict:
    from .runner import _failed
    name = type(e).__name__
    if name == "KilledWorker":
        why = ("every Dask worker that tried this file died while reading it (killed, or out of memory outside the "
               "per-file limit); it was skipped / 读取该文件的 Dask 工作进程多次退出，已跳过")
    else:
        why = f"the Dask task failed ({name}: {str(e)[:300]}) / Dask 任务失败，请把该文件报告给开发者"
    return _failed(path, why)
