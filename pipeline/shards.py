"""``ingest --shards DIR`` and ``load DIR`` (issue #16): results go to Parquet shards instead of
the warehouse, and are loaded later, one transaction per shard (warehouse/shards.py).

Files are grouped into batches by their place in the sorted list, not by the order they finish
in, so the same files read again make the same batches, the same rows and the same shard names:
a re-run never duplicates a shard."""
from __future__ import annotations

import time
from pathlib import Path

from warehouse.shards import Loaded, ShardWriter, load_shards

from .flow import VERSION
from .ingest import BATCH_FILES, Summary, _bar, _store, open_warehouse, refresh_corpus_findings, skip_reason
from .runner import run_files


def batches_of(files: list[Path], size: int | None = None) -> list[list[str]]:
    """The files in fixed batches of ``size`` (default the writer's batch), in their (sorted) order."""
    size = size or BATCH_FILES
    names = [str(p) for p in files]
    return [names[k:k + size] for k in range(0, len(names), size)]


def ingest_to_shards(files: list[Path], other: list[Path], folder: str | Path, host, summary: Summary,
                     progress: bool = True) -> list[str]:
    """Read ``files`` with ``host`` (a WorkerHost or a ClusterRunner) and write a shard per batch
    into ``folder``; ``other`` files get their ``skipped`` log rows in shards too. Returns the
    shard names written (or found already written)."""
    writer = ShardWriter(folder, VERSION)
    names: list[str] = []
    try:
        logged = [{"source_path": str(p), "status": "skipped", "error": skip_reason(p)} for p in other]
        for k in range(0, len(logged), 1000):
            names.append(_shard(writer, logged[k:k + 1000], summary))
        batches = batches_of(files)
        batch_of = {p: i for i, b in enumerate(batches) for p in b}
        held: dict[int, dict[str, dict]] = {}
        bar = _bar(len(files), progress)
        for res in run_files([Path(p) for p in batch_of], host=host):
            if res is None:
                continue
            i = batch_of.get(res["source_path"])
            if i is None:               # not a path we asked for (cannot happen): a shard of its own
                names.append(_shard(writer, [res], summary))
                continue
            got = held.setdefault(i, {})
            got[res["source_path"]] = res
            if len(got) == len(batches[i]):
                names.append(_shard(writer, [got[p] for p in batches[i]], summary))
                del held[i]
            if bar is not None:
                bar.update(1)
        for i, got in sorted(held.items()):     # a batch whose files did not all answer
            names.append(_shard(writer, [got[p] for p in batches[i] if p in got], summary))
        if bar is not None:
            bar.close()
    finally:
        writer.close()
    return names


def _shard(writer: ShardWriter, batch: list[dict], summary: Summary) -> str:
    """A batch stored as a direct ingest stores it (the same ``_store``: a value the warehouse
    refuses fails only its file), into the staging warehouse, then sealed as one shard."""
    writer.clear()
    _store(writer.stage, batch, summary.run_id, summary)
    return writer.seal()


def load(folder: str | Path, db: str | Path, wait_s: float = 0.0) -> tuple[Loaded, float]:
    """Store the shards under ``folder`` not yet loaded into ``db``, then refresh the corpus-level
    passes (rendition groups, problem categories, corpus rules) once. Returns (counts, seconds)."""
    t0 = time.perf_counter()
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no shard folder at {folder}; write shards with "
                                f"`python -m pipeline ingest PATH --shards {folder}` first / 分片目录不存在")
    wh = open_warehouse(db, wait_s)
    try:
        got = load_shards(wh, folder)
        if got.shards:
            refresh_corpus_findings(wh, only_if_changed=True)
    finally:
        wh.close()
    return got, time.perf_counter() - t0
