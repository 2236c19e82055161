"""Peak resident memory of a whole process tree, sampled from /proc (Linux).

ru_maxrss of RUSAGE_CHILDREN gives only the largest single descendant; forked workers run at the
same time, so the tree's peak is their sum at one moment — sampled here every `interval` seconds.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: ppid is the 2nd field after the last ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(d.name))
    return kids


def _rss_kb(pid: int) -> int:
    try:
        for ln in Path(f"/proc/{pid}/status").read_text().splitlines():
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(root: int) -> float:
    kids = _children_map()
    todo, total = [root], 0
    while todo:
        p = todo.pop()
        total += _rss_kb(p)
        todo.extend(kids.get(p, []))
    return total / 1024


class PeakSampler:
    """with PeakSampler(pid) as s: ... ; s.peak_mb"""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval, self.peak_mb = pid, interval, 0.0
        self.root_peak_mb = 0.0     # the root process alone (for ingest: the writer)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            if os.path.exists(f"/proc/{self.pid}"):
                self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
                self.root_peak_mb = max(self.root_peak_mb, _rss_kb(self.pid) / 1024)
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakSampler":
        self._t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join()
