"""Corpus passes at scale (issue #16 item 3): synthetic RECORDS straight into shards, loaded into a
fresh warehouse, then the corpus passes alone, timed, with the peak RSS of the process that runs them.

    .venv/bin/python -m bench.scale [--sizes 1000,10000,100000] [--out bench/results_scale.json]
    .venv/bin/python -m bench.scale passes --db FILE        # the passes alone on an existing warehouse

Records are not rendered files: each is built from the generator's spec (corpus/synth_spec.py) and
its text (corpus/synth_render.py → corpus/generate.to_txt), so texts, regions, programmes, money and
problems are as varied as the generated corpus's. The passes get real work:
  - renditions: ~5 % of records are another record again (same report, other format) with page
    marks added and a line dropped;
  - copied passages: ~3 % of records carry a sentence copied from a report of another county;
  - outliers: ~1 % of records state beneficiaries a hundred times too few;
  - problems: the generator's problems, with the report's own place and numbers, plus ~20 % of
    kinds the taxonomy does not know (they are clustered across the corpus).
Shards are cached under bench/cache/scale/ (keyed by size, seed and this file's and the generator's
source), so a re-run only loads and runs the passes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / "cache" / "scale"
SHARD_RECORDS = 1000            # records per shard
RENDITION_SHARE = 0.05
COPY_SHARE = 0.03
OUTLIER_SHARE = 0.01
OTHER_PROBLEM_SHARE = 0.2
FORMATS = ["txt", "docx", "pdf"]
# problems of kinds the taxonomy's categories do not name (invented; filled per report)
OTHER_PROBLEMS = [
    "信息平台数据对接不畅，{town}等{k}个站点的数据需人工重复录入",
    "招投标环节用时较长，{k}个标段的开工时间晚于计划",
    "部分设备购置后使用频次较低，{k}台设备长期停放于{town}",
    "服务机构人员变动频繁，全年更换服务人员{k}名",
    "跨部门协同不足，{town}与相关单位的工作衔接存在{k}处空档",
]


def log(msg: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


GENERATOR = "1"                 # bump when make_result changes: cached shards are keyed by it


def version() -> str:
    h = hashlib.sha1(GENERATOR.encode())
    for p in sorted([ROOT / "corpus" / "generate.py", *(ROOT / "corpus").glob("synth_*.py")]):
        h.update(p.read_bytes())
    return h.hexdigest()[:10]


@lru_cache(maxsize=4096)
def _category(text: str) -> str:
    from pipeline.taxonomy import categorize
    return categorize(text)


def _spec_text(seed: int, idx: int) -> tuple[dict, str]:
    from corpus.generate import to_txt
    from corpus.synth_render import build_blocks
    from corpus.synth_spec import make_spec
    spec = make_spec(seed, idx, None)
    return spec, to_txt(build_blocks(spec))


def _problems(spec: dict, rng: random.Random) -> list[dict]:
    out = []
    for prefix, _, detail, _ in spec["problems"]:
        text = f"{prefix}。{detail}涉及{spec['county']}{rng.randint(2, 19)}个乡镇。"
        # as the problems family sets it at ingest; the place and count added here do not change it
        out.append({"text": text, "category": _category(f"{prefix}。{detail}")})
    if rng.random() < OTHER_PROBLEM_SHARE * 3:
        kind = rng.choice(OTHER_PROBLEMS)
        text = kind.format(town=spec["county"] + rng.choice("东西南北") + "片区", k=rng.randint(2, 40))
        out.append({"text": text, "category": _category(kind.format(town="某片区", k=9))})
    return out


def _record(spec: dict, text: str, fmt: str, rng: random.Random) -> dict:
    from corpus.synth_render import wan
    from pipeline.record.schema import empty_record
    rec = empty_record()
    doc_id = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    ben = spec["ben"]
    if rng.random() < OUTLIER_SHARE:
        ben = max(1, ben // 100)                 # an outlier of cost per person
    rec.update(doc_id=doc_id, source_format=fmt, pages=max(1, len(text) // 650), title=spec["prog"]["name"],
               province=spec["province"], city=spec["city"], county=spec["county"], fiscal_year=spec["year"],
               evaluation_kind="third_party" if spec["evaluator"] else "self", evaluator=spec["evaluator"],
               subject=spec["dept"], report_date=spec["report_date"], total_score=spec["total"] / 100,
               grade=spec["grade"], allocated_wan=wan(spec["alloc"]), received_wan=wan(spec["received"]),
               spent_wan=wan(spec["spent"]), execution_rate_pct=float(spec["exec_rate"]),
               arrival_rate_pct=float(spec["arrival_rate"]), beneficiaries=ben,
               satisfaction_pct=float(spec["satisfaction"]), programme=spec["county"] + spec["prog"]["name"],
               text_chars=len(text))
    rec["problems"] = _problems(spec, rng)
    rec["indicators"] = [{"level": 1, "dimension": d["dimension"], "name": spec["l1_names"][i], "weight": d["weight"],
                          "score": d["score"] / 100} for i, d in enumerate(spec["tree"])]
    return rec


def _rendition(text: str, rng: random.Random) -> str:
    """The same report in another format: page marks every ~1500 characters, one line dropped."""
    lines = text.split("\n")
    if len(lines) > 20:
        del lines[rng.randrange(10, len(lines))]
    out, run, page = [], 0, 1
    for ln in lines:
        out.append(ln)
        run += len(ln)
        if run > 1500:
            out.append(f"- {page} -")
            page, run = page + 1, 0
    return "\n".join(out)


def _copied_sentence(seed: int, idx: int) -> str:
    """A long sentence with its own figures, from report ``idx``'s text."""
    _, text = _spec_text(seed, idx)
    sents = [s + "。" for s in text.replace("\n", "").split("。") if len(s) >= 70 and any(c.isdigit() for c in s)]
    return sents[len(sents) // 2] if sents else ""


def make_result(seed: int, i: int) -> dict:
    """Synthetic record ``i`` as ``process_file`` returns a read file (status ok, record, text)."""
    rng = random.Random(f"jixiao-scale:{seed}:{i}")
    fmt = FORMATS[i % len(FORMATS)]
    if i >= 10 and rng.random() < RENDITION_SHARE:
        j = i - 1 - rng.randrange(min(i, 50))           # a rendition of a report written shortly before
        spec, text = _spec_text(seed, _base_of(seed, j))
        text = _rendition(text, rng)
        fmt = "pdf" if FORMATS[j % len(FORMATS)] != "pdf" else "docx"
    else:
        spec, text = _spec_text(seed, i)
        if i >= 10 and rng.random() < COPY_SHARE:
            copied = _copied_sentence(seed, rng.randrange(i))
            lines = text.split("\n")
            lines.insert(len(lines) // 2, copied)
            text = "\n".join(lines)
    rec = _record(spec, text, fmt, rng)
    path = f"/synthetic/scale-s{seed}/{i:06d}.{fmt}"
    rec["source_path"] = path
    return {"source_path": path, "file_sha": hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()[:16],
            "status": "ok", "error": None, "doc_id": rec["doc_id"], "record": rec, "findings": [],
            "pages": rec["pages"], "text": text, "seconds": 0.0}


def _base_of(seed: int, j: int) -> int:
    """The spec index record ``j`` was made from (a rendition's is its original's)."""
    while j >= 10:
        rng = random.Random(f"jixiao-scale:{seed}:{j}")
        fmt_draw = rng.random()
        if fmt_draw >= RENDITION_SHARE:
            return j
        j = j - 1 - rng.randrange(min(j, 50))
    return j


def write_shards(n: int, seed: int, folder: Path) -> Path:
    """Shards of records 0..n-1 under ``folder`` (cached: a folder with its manifest is complete)."""
    from pipeline.flow import VERSION
    from warehouse.shards import ShardWriter
    man = folder / "manifest.json"
    if man.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    writer = ShardWriter(folder, VERSION)
    t0 = time.perf_counter()
    try:
        for k in range(0, n, SHARD_RECORDS):
            writer.write([make_result(seed, i) for i in range(k, min(n, k + SHARD_RECORDS))], f"scale-{seed}")
            if k and k % (10 * SHARD_RECORDS) == 0:
                log(f"  {k} records written ({time.perf_counter() - t0:.0f} s)")
    finally:
        writer.close()
    man.write_text(json.dumps({"n": n, "seed": seed, "seconds": round(time.perf_counter() - t0, 1)}))
    return folder


def _sampled(cmd: list[str]) -> tuple[dict, float]:
    """Run ``cmd`` (prints one JSON line) under the RSS sampler: (its JSON, peak MB of its tree)."""
    from .rss import PeakSampler
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakSampler(proc.pid) as s:
        out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err.strip()[-1500:]}")
    return json.loads(out.strip().splitlines()[-1]), round(s.peak_mb, 1)


def measure(n: int, seed: int = 1) -> dict:
    """Shards of n records (cached), loaded into a fresh warehouse (timed), then the passes alone."""
    folder = CACHE / f"s{seed}-{version()}" / f"n{n}"
    t0 = time.perf_counter()
    write_shards(n, seed, folder)
    gen_s = time.perf_counter() - t0
    db = CACHE / "db" / str(os.getpid()) / f"n{n}.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    py = sys.executable
    loaded, load_peak = _sampled([py, "-m", "bench.scale", "load-only", str(folder), "--db", str(db)])
    passes, peak = _sampled([py, "-m", "bench.scale", "passes", "--db", str(db)])
    shutil.rmtree(db.parent, ignore_errors=True)
    return {"records": n, "shards_written_s": round(gen_s, 1), "load_s": loaded["seconds"],
            "load_reports_per_s": round(loaded["reports"] / max(loaded["seconds"], 1e-9), 1),
            "load_peak_rss_mb": load_peak, "passes_s": passes["seconds"], "passes_peak_rss_mb": peak,
            "per_pass_s": passes["per_pass_s"], "renditions_grouped": passes["grouped"],
            "findings": passes["findings"]}


def _load_only(folder: str, db: str) -> dict:
    from pipeline.flow import VERSION
    from warehouse.shards import load_shards
    from warehouse.store import Warehouse
    t0 = time.perf_counter()
    wh = Warehouse(db, pipeline_version=VERSION)
    try:
        got = load_shards(wh, folder)
    finally:
        wh.close()
    return {"seconds": round(time.perf_counter() - t0, 2), "reports": got.reports, "shards": got.shards}


def _passes_only(db: str) -> dict:
    from pipeline.flow import VERSION
    from pipeline.ingest import corpus_passes
    from warehouse.store import Warehouse
    wh = Warehouse(db, pipeline_version=VERSION)
    try:
        t0 = time.perf_counter()
        timed = corpus_passes(wh)
        seconds = time.perf_counter() - t0
        grouped = wh.con.execute("SELECT count(*) FROM report_groups WHERE NOT is_primary").fetchone()[0]
        findings = dict(wh.con.execute("SELECT rule_id, count(*) FROM findings WHERE rule_id IN "
                                       "('text.duplicate_passage', 'compare.cost_per_beneficiary_outlier') "
                                       "GROUP BY 1 ORDER BY 1").fetchall())
    finally:
        wh.close()
    return {"seconds": round(seconds, 2), "per_pass_s": {k: round(v, 2) for k, v in timed.items()},
            "grouped": grouped, "findings": findings}


def scale_bench(sizes: list[int], seed: int = 1) -> dict:
    """The figures bench/__main__.py stores under ``corpus_passes_scale``."""
    runs = []
    for n in sizes:
        log(f"n={n}: shards, load, passes")
        runs.append(measure(n, seed))
        r = runs[-1]
        log(f"  load {r['load_s']} s ({r['load_reports_per_s']} reports/s), passes {r['passes_s']} s, "
            f"peak {r['passes_peak_rss_mb']} MB")
    by = {r["records"]: r for r in runs}
    out: dict = {"runs": runs, "load_reports_per_s": runs[-1]["load_reports_per_s"]}
    if 10_000 in by and 100_000 in by:
        out["peak_rss_growth_1e4_to_1e5"] = round(by[100_000]["passes_peak_rss_mb"] / by[10_000]["passes_peak_rss_mb"], 3)
        out["time_growth_1e4_to_1e5"] = round(by[100_000]["passes_s"] / max(by[10_000]["passes_s"], 1e-9), 2)
    return out


def _timed_cli(args: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pipeline {' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()[-800:]}")
    return time.perf_counter() - t0


def cluster_vs_local(folder: Path, workers: int = 2) -> dict:
    """The same folder of report files read by the local pool and by ``--cluster local:N`` (one run
    each, back to back), then by the cluster into shards and ``load``ed: docs/s and reports/s."""
    n = sum(1 for f in Path(folder).iterdir() if f.suffix.lower() in {".txt", ".docx", ".pdf"})
    tmp = CACHE / "db" / f"cluster-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        local = _timed_cli(["ingest", str(folder), "--db", str(tmp / "local.duckdb"), "--quiet", "--workers", str(workers)])
        clus = _timed_cli(["ingest", str(folder), "--db", str(tmp / "cluster.duckdb"), "--quiet",
                           "--cluster", f"local:{workers}"])
        _timed_cli(["ingest", str(folder), "--shards", str(tmp / "shards"), "--quiet", "--cluster", f"local:{workers}"])
        load = _timed_cli(["load", str(tmp / "shards"), "--db", str(tmp / "loaded.duckdb")])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"docs": n, "workers": workers, "local_pool_docs_per_s": round(n / local, 2),
            "cluster_local_docs_per_s": round(n / clus, 2), "local_pool_wall_s": round(local, 1),
            "cluster_wall_s": round(clus, 1), "load_wall_s_with_passes": round(load, 1),
            "load_reports_per_s_with_passes": round(n / load, 1),
            "note": "wall seconds of the whole command (start-up, imports, and for load the corpus passes)"}


def bench_slice(folder: Path | None, sizes: list[int], workers: int = 2) -> dict:
    """What ``make bench`` stores under ``scale`` (bench/__main__.py's hook): cluster vs local on
    ``folder`` (the 200-report corpus), and the corpus passes at ``sizes`` records."""
    out: dict = {}
    if folder is not None:
        log(f"local pool vs --cluster local:{workers} on {folder}")
        try:
            out["cluster_vs_local"] = cluster_vs_local(folder, workers)
        except RuntimeError as e:
            out["cluster_vs_local"] = {"skipped": str(e)[:300]}
    out["corpus_passes"] = scale_bench(sizes)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["passes"]:
        ap = argparse.ArgumentParser(prog="python -m bench.scale passes")
        ap.add_argument("--db", required=True)
        print(json.dumps(_passes_only(ap.parse_args(argv[1:]).db), ensure_ascii=False))
        return 0
    if argv[:1] == ["load-only"]:
        ap = argparse.ArgumentParser(prog="python -m bench.scale load-only")
        ap.add_argument("folder")
        ap.add_argument("--db", required=True)
        a = ap.parse_args(argv[1:])
        print(json.dumps(_load_only(a.folder, a.db)))
        return 0
    ap = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=None, help="also write the figures to this JSON file")
    ap.add_argument("--cluster-corpus", default=None, metavar="DIR",
                    help="also time the local pool vs --cluster local:2 on this folder of report files")
    a = ap.parse_args(argv)
    sizes = [int(x) for x in a.sizes.split(",") if x.strip()]
    res = (bench_slice(Path(a.cluster_corpus), sizes) if a.cluster_corpus else scale_bench(sizes, a.seed))
    text = json.dumps(res, ensure_ascii=False, indent=1)
    if a.out:
        Path(a.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
