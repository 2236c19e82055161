"""make bench: speed, memory and accuracy of the real ingest on synthetic corpora (issue #6).

    .venv/bin/python -m bench [--sizes 50,200,800] [--quick] [--seed 1] [--workers N] [--out bench/results.json]

Corpora come from corpus.generate (cached under bench/cache/, keyed by seed, planted share, format
mix and the generator's own source, so a re-run skips generation); the corpus of n is the first n
reports of the cached one. Each size is ingested by `python -m pipeline ingest` in a subprocess,
timed wall-clock, with the peak RSS of its whole process tree sampled from /proc.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .metrics import field_accuracy, indicator_accuracy, planted_scores, problems_accuracy, same
from .rss import PeakSampler

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / "cache"
MIX = ["txt", "txt", "docx", "docx", "pdf"]          # 40 % txt, 40 % docx, 20 % pdf
REPORT_EXTS = {".txt", ".docx", ".pdf"}
SCAN_DPI = 150                                        # the scanned copies: a typical office scan


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def generator_version() -> str:
    h = hashlib.sha1()
    # only the generator's own files: other modules under corpus/ must not invalidate the cache
    for p in sorted([ROOT / "corpus" / "generate.py", *(ROOT / "corpus").glob("synth_*.py")]):
        h.update(p.read_bytes())
    return h.hexdigest()[:10]


def ensure_corpus(n: int, seed: int, share: float) -> Path:
    """The cached corpus folder holding at least n reports (generates only what is missing)."""
    from corpus.generate import generate, soffice

    mix = MIX if soffice() else [f for f in MIX if f != "pdf"]
    d = CACHE / f"corpus-s{seed}-p{share}-{'-'.join(sorted(set(mix)))}-{generator_version()}"
    man = d / "manifest.json"
    have = json.loads(man.read_text())["n"] if man.exists() else 0
    if have < n:
        log(f"generating reports {have}..{n - 1} into {d.relative_to(ROOT)} (cached for next runs)")
        t0 = time.perf_counter()
        generate(n, seed, d, mix, share, start=have, quiet=False, jobs=os.cpu_count() or 1)
        have = json.loads(man.read_text())["n"] if man.exists() else 0     # another bench may have grown it
        man.write_text(json.dumps({"n": max(n, have), "seed": seed, "share": share, "mix": mix}))
        log(f"generated {n - have} reports in {time.perf_counter() - t0:.1f} s")
    return d


def corpus_view(src: Path, n: int) -> tuple[Path, dict[str, dict]]:
    """A folder of symlinks to the first n reports (no truth JSONs in it), and their truths by stem."""
    view = CACHE / "runs" / str(os.getpid()) / f"n{n}"      # per process: two benches may run at once
    shutil.rmtree(view, ignore_errors=True)
    view.mkdir(parents=True)
    truths = {}
    for j in sorted(src.glob("*.json")):
        if j.name == "manifest.json":
            continue
        t = json.loads(j.read_text(encoding="utf-8"))
        if t["index"] >= n:
            continue
        f = src / t["file"]
        if f.exists():
            (view / f.name).symlink_to(f)
            truths[j.stem] = t
    return view, truths


def run_ingest(folder: Path, workers: int, tag: str) -> dict:
    dbdir = CACHE / "db" / str(os.getpid())
    dbdir.mkdir(parents=True, exist_ok=True)
    db = dbdir / f"{tag}.duckdb"
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "pipeline", "ingest", str(folder), "--db", str(db), "--quiet", "--workers", str(workers)]
    t0, cpu0 = time.perf_counter(), _children_cpu_s()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakSampler(proc.pid) as sampler:
        out, err = proc.communicate()
    wall = time.perf_counter() - t0
    cpu = _children_cpu_s() - cpu0
    if proc.returncode != 0:
        log(f"ingest exited {proc.returncode}: {err.strip()[-800:]}")
    return {"db": db, "wall_s": round(wall, 3), "cpu_s": round(cpu, 1), "cores_used": round(cpu / wall, 2),
            "peak_rss_mb": round(sampler.peak_mb, 1), "peak_writer_rss_mb": round(sampler.root_peak_mb, 1),
            "returncode": proc.returncode, "stdout_tail": out.strip().splitlines()[:1]}


def _children_cpu_s() -> float:
    """CPU seconds of every finished descendant (ingest, its workers, their tesseract calls)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def read_db(db: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)

    def rows(sql: str) -> list[dict]:
        cur = con.execute(sql)
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    try:
        return {"log": rows("SELECT source_path, doc_id, status, seconds, pages FROM ingest_log"),
                "reports": rows("SELECT * FROM reports"),
                "indicators": rows("SELECT doc_id, level, dimension, name, weight, score, rate_pct FROM indicators"),
                "problems": rows("SELECT doc_id, text FROM problems"),
                "findings": rows("SELECT doc_id, rule_id FROM findings WHERE doc_id IS NOT NULL")}
    finally:
        con.close()


def summarise(n: int, workers: int, run: dict, data: dict, truths: dict[str, dict]) -> dict:
    logs = data["log"]
    status: dict[str, int] = {}
    for r in logs:
        status[r["status"]] = status.get(r["status"], 0) + 1
    # pages: PDF as the pipeline counted them; TXT/DOCX have no real pages, so the generator's estimate stands in
    by_stem = {Path(r["source_path"]).stem: r for r in logs}
    pages = 0
    per_fmt: dict[str, dict] = {}
    for st, t in truths.items():
        r = by_stem.get(st, {})
        pg = (r.get("pages") if t["format"] == "pdf" else None) or max(1, round(t.get("chars", 0) / 650))
        pages += pg
        f = per_fmt.setdefault(t["format"], dict(docs=0, pages=0, worker_s=0.0))
        f["docs"] += 1
        f["pages"] += pg
        f["worker_s"] += r.get("seconds") or 0.0
    for f in per_fmt.values():
        f["worker_s"] = round(f["worker_s"], 3)
        f["s_per_doc"] = round(f["worker_s"] / f["docs"], 4) if f["docs"] else None
        f["pages_per_worker_s"] = round(f["pages"] / f["worker_s"], 2) if f["worker_s"] else None
    worker_s = sum(r.get("seconds") or 0.0 for r in logs)
    wall = run["wall_s"]
    return {"n": n, "workers": workers, "wall_s": wall, "docs": len(truths), "status": status,
            "pages": pages, "docs_per_s": round(n / wall, 3), "pages_per_s": round(pages / wall, 2),
            "s_per_doc_wall": round(wall / n, 4), "s_per_doc_worker": round(worker_s / max(n, 1), 4),
            "peak_rss_mb": run["peak_rss_mb"], "peak_writer_rss_mb": run["peak_writer_rss_mb"], "cpu_s": run["cpu_s"], "cores_used": run["cores_used"],
            "per_format": per_fmt, "returncode": run["returncode"]}


def accuracy(data: dict, truths: dict[str, dict]) -> dict:
    doc_stem = {r["doc_id"]: Path(r["source_path"]).stem for r in data["log"] if r.get("doc_id")}
    fired: dict[str, set[str]] = {}
    for f in data["findings"]:
        st = doc_stem.get(f["doc_id"])
        if st:
            fired.setdefault(st, set()).add(f["rule_id"])
    rows = data["reports"]
    # a report ingested from several files has one row with one source_path: give every file that row
    rows_by_doc = {r["doc_id"]: r for r in rows}
    rows_all = [dict(rows_by_doc[d], source_path=str(Path(st))) for d, st in doc_stem.items() if d in rows_by_doc]
    out = {"field_accuracy": field_accuracy(rows_all, truths),
           "indicator_accuracy": indicator_accuracy(data["indicators"], doc_stem, truths),
           "problems_accuracy": problems_accuracy(data["problems"], doc_stem, truths)}
    by_fmt = {}
    for fmt in sorted({t["format"] for t in truths.values()}):
        sub = {s: t for s, t in truths.items() if t["format"] == fmt}
        by_fmt[fmt] = field_accuracy(rows_all, sub)["overall"]
    out["field_accuracy_by_format"] = by_fmt
    out.update(planted_scores(fired, truths))
    return out


def pdf_baselines(pdfs: list[Path], truths: dict[str, dict], plumber_pages: int = 40) -> dict:
    """Raw text extraction speed of the same PDFs: pypdfium2 on every page, pdfplumber on a sample."""
    import pdfplumber
    import pypdfium2 as pdfium

    res: dict = {"pdfs": len(pdfs)}
    if not pdfs:
        return res
    t0, n, ok = time.perf_counter(), 0, 0
    for p in pdfs:
        doc = pdfium.PdfDocument(str(p))
        text = []
        for i in range(len(doc)):
            tp = doc[i].get_textpage()
            text.append(tp.get_text_range())
            n += 1
        doc.close()
        flat = "".join("".join(text).split())
        ok += truths[p.stem]["title_contains"] in flat        # the CJK text layer reads back
    dt = time.perf_counter() - t0
    res.update(pypdfium2_pages=n, baseline_pypdfium2_text_pages_per_s=round(n / dt, 2),
               pdf_text_layer_ok=round(ok / len(pdfs), 4))
    t0, m = time.perf_counter(), 0
    for p in pdfs:
        if m >= plumber_pages:
            break
        with pdfplumber.open(str(p)) as pdf:
            for page in pdf.pages[: plumber_pages - m]:
                page.extract_text()
                m += 1
    dt = time.perf_counter() - t0
    res.update(pdfplumber_pages_sampled=m, baseline_pdfplumber_text_pages_per_s=round(m / dt, 2))
    return res


def scan_copy(pdf: Path, out: Path, dpi: int = SCAN_DPI) -> int:
    """An image-only copy of a PDF, as a scanner would give it: each page a grayscale picture."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        imgs = [doc[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(doc))]
    finally:
        doc.close()
    imgs[0].save(out, format="PDF", save_all=True, append_images=imgs[1:], resolution=dpi)
    return len(imgs)


def scanned_bench(pdfs: list[Path], truths: dict[str, dict], workers: int, max_pages: int) -> dict:
    """OCR throughput: image-only copies of the shortest generated PDFs (up to max_pages pages in
    all), ingested like any other folder; seconds per scanned page, cores used, field accuracy."""
    from extractors import ocr

    if not ocr.available():
        return {"skipped": "tesseract with chi_sim not installed (make setup-ocr)"}
    folder = CACHE / "runs" / str(os.getpid()) / "scanned"
    folder.mkdir(parents=True, exist_ok=True)
    sizes = sorted((_pdf_pages(p), p) for p in pdfs)
    chosen, pages = {}, 0
    for n, p in sizes:
        if chosen and pages + n > max_pages:
            break
        scan_copy(p, folder / p.name)
        chosen[p.stem] = truths[p.stem]
        pages += n
    if not chosen:
        return {"skipped": "no generated PDFs (LibreOffice missing?)"}
    log(f"OCR: {len(chosen)} scanned copies, {pages} pages, workers={workers}")
    run = run_ingest(folder, workers, f"scanned-w{workers}")
    data = read_db(run["db"])
    status: dict[str, int] = {}
    for r in data["log"]:
        status[r["status"]] = status.get(r["status"], 0) + 1
    acc = accuracy(data, chosen)
    return {"docs": len(chosen), "pages": pages, "render_dpi": SCAN_DPI, "workers": workers, "status": status,
            "wall_s": run["wall_s"], "s_per_page_wall": round(run["wall_s"] / pages, 2),
            "cpu_s_per_page": round(run["cpu_s"] / pages, 2), "cores_used": run["cores_used"],
            "peak_rss_mb": run["peak_rss_mb"], "field_accuracy": acc["field_accuracy"]["overall"],
            "indicator_accuracy": acc["indicator_accuracy"]}


def _pdf_pages(p: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(p))
    try:
        return len(doc)
    finally:
        doc.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="50,200,800", help="corpus sizes (default 50,200,800)")
    ap.add_argument("--quick", action="store_true", help="one small corpus of 20 (a smoke run)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--planted-share", type=float, default=0.35)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="workers for the N-worker runs")
    ap.add_argument("--speedup-size", type=int, default=None,
                    help="corpus size for the 1-vs-N workers run (default: the middle size)")
    ap.add_argument("--budget-s", type=float, default=1080.0,
                    help="wall-clock budget: a run predicted to end past it is skipped and noted (default 1080 s)")
    ap.add_argument("--scan-pages", type=int, default=40,
                    help="pages of image-only PDF copies to OCR for the scanned-page figures (0: none; default 40)")
    ap.add_argument("--scan-copies", default="000,001,003",
                    help="seeds whose degraded copies bench.scans reads ('all', or '' for none; issue #15)")
    ap.add_argument("--only", choices=["scans"], help="run only that slice (scans: python -m bench.scans)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    a = ap.parse_args(argv)
    if a.only == "scans":
        from . import scans
        return scans.main(["--out", a.out] + ([] if a.scan_copies == "all" else ["--seeds", a.scan_copies]))
    sizes = [20] if a.quick else sorted({int(x) for x in a.sizes.split(",") if x.strip()})
    # the middle size: at the smallest, start-up and the serial corpus passes hide the workers' effect
    sp_size = a.speedup_size or sizes[len(sizes) // 2]
    skipped: list[str] = []

    def fits(n: int, s_per_doc: float | None, what: str) -> bool:
        """Skip a run that would end past the budget (predicted from the last run's time per doc)."""
        if s_per_doc is None:
            return True
        left = a.budget_s - (time.perf_counter() - t_all)
        if n * s_per_doc + 10 > left:
            skipped.append(f"{what}: predicted {n * s_per_doc:.0f} s > {left:.0f} s left of --budget-s {a.budget_s:.0f}")
            log("skipped " + skipped[-1])
            return False
        return True
    t_all = time.perf_counter()

    t0 = time.perf_counter()
    src = ensure_corpus(max(sizes + [sp_size]), a.seed, a.planted_share)
    gen_s = time.perf_counter() - t0

    runs, last = [], None
    for n in sizes:
        if not fits(n, runs[-1]["s_per_doc_wall"] if runs else None, f"ingest n={n}"):
            continue
        view, truths = corpus_view(src, n)
        log(f"ingest n={n} workers={a.workers}")
        run = run_ingest(view, a.workers, f"n{n}-w{a.workers}")
        data = read_db(run["db"])
        runs.append(summarise(n, a.workers, run, data, truths))
        log(f"  {runs[-1]['wall_s']} s, {runs[-1]['docs_per_s']} docs/s, peak {runs[-1]['peak_rss_mb']} MB")
        last = (n, view, truths, data)

    # 1 worker vs N on one size
    one_sum = many = None
    many = next((r for r in runs if r["n"] == sp_size), None)
    if many and fits(sp_size, many["s_per_doc_wall"] * a.workers, f"ingest n={sp_size} workers=1"):
        view, truths = corpus_view(src, sp_size)
        log(f"ingest n={sp_size} workers=1 (speed-up)")
        one = run_ingest(view, 1, f"n{sp_size}-w1")
        one_sum = summarise(sp_size, 1, one, read_db(one["db"]), truths)
        runs.append(one_sum)

    n_big, view_big, truths_big, data_big = last
    pdfs = sorted(p.resolve() for p in view_big.iterdir() if p.suffix == ".pdf")
    log(f"PDF baselines on {len(pdfs)} PDFs")
    base = pdf_baselines(pdfs, {p.stem: truths_big[p.stem] for p in pdfs})
    big = next(r for r in runs if r["n"] == n_big and r["workers"] == a.workers)
    small = next(r for r in runs if r["n"] == sizes[0] and r["workers"] == a.workers)
    pdf_fmt = big["per_format"].get("pdf") or {}
    acc = accuracy(data_big, truths_big)
    scanned = None
    if a.scan_pages and fits(a.scan_pages, 5.0 / max(1, a.workers), "OCR of scanned copies"):
        scanned = scanned_bench(pdfs, truths_big, a.workers, a.scan_pages)
    if a.scan_copies:       # degraded copies of the seed PDFs (bench/scans.py): scanned.seed_copies
        from . import scans
        scanned = dict(scanned or {}, seed_copies=scans.run(None if a.scan_copies == "all" else a.scan_copies.split(","),
                                                            list(scans.KINDS), ["000"], False))

    # issue #16 (bench/scale.py): local pool vs --cluster local:2 on 200 reports, shard load, corpus
    # passes at 10³/10⁴/10⁵ synthetic records (the 10⁵ pass takes ~25 min on 2 cores;
    # JIXIAO_SCALE_SIZES=1000,10000 leaves it out)
    from .scale import bench_slice
    scale_res = bench_slice(corpus_view(src, 200)[0] if not a.quick else None,
                            [int(x) for x in os.environ.get("JIXIAO_SCALE_SIZES", "1000,10000,100000").split(",")])
    res = {
        "scale": scale_res,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None},
        "params": {"sizes": sizes, "seed": a.seed, "planted_share": a.planted_share, "workers": a.workers,
                   "format_mix": {f: MIX.count(f) / len(MIX) for f in set(MIX)},
                   "generator_version": generator_version(), "accuracy_on_n": n_big},
        "docs_per_s": big["docs_per_s"],
        "pages_per_s": big["pages_per_s"],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "peak_rss_mb_by_size": {str(r["n"]): r["peak_rss_mb"] for r in runs if r["workers"] == a.workers},
        "memory_growth": round(big["peak_rss_mb"] / small["peak_rss_mb"], 3) if small["peak_rss_mb"] else None,
        "per_doc_time_growth": round(big["s_per_doc_wall"] / small["s_per_doc_wall"], 3),
        "per_doc_time_growth_sizes": [sizes[0], n_big],
        "per_doc_time_growth_worker_s": (round(big["s_per_doc_worker"] / small["s_per_doc_worker"], 3)
                                         if small["s_per_doc_worker"] else None),
        "baseline_pypdfium2_text_pages_per_s": base.get("baseline_pypdfium2_text_pages_per_s"),
        "baseline_pdfplumber_text_pages_per_s": base.get("baseline_pdfplumber_text_pages_per_s"),
        "pdf_ingest_pages_per_s": pdf_fmt.get("pages_per_worker_s"),
        "pdf_baselines": base,
        "workers_speedup": ({"n": sp_size, "workers": a.workers, "wall_s_1": one_sum["wall_s"],
                             "wall_s_n": many["wall_s"], "speedup": round(one_sum["wall_s"] / many["wall_s"], 3)}
                            if one_sum and many else None),
        "ocr_s_per_scanned_page": (scanned or {}).get("s_per_page_wall"),
        "ocr_cpu_s_per_scanned_page": (scanned or {}).get("cpu_s_per_page"),
        "scanned": scanned,
        "skipped": skipped,
        **acc,
        "runs": runs,
        "generation_s": round(gen_s, 1),
        "total_s": round(time.perf_counter() - t_all, 1),
        "notes": ["pdf_ingest_pages_per_s = PDF pages ÷ worker seconds spent on PDFs (one core), from ingest_log",
                  "pages of TXT/DOCX are the generator's estimate (650 characters a page)",
                  "peak_rss_mb: whole ingest process tree, sampled every 0.1 s from /proc (forked workers' shared "
                  "pages are counted in each); memory_growth = peak at the largest size ÷ peak at the smallest",
                  "wall times include the ingest command's start-up (imports, warm-up)",
                  "scanned: image-only copies (150 dpi grayscale) of the shortest generated PDFs; "
                  "cores_used = CPU seconds of the ingest and its tesseract processes ÷ wall seconds"],
    }
    out = Path(a.out)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(out)
    shutil.rmtree(CACHE / "db" / str(os.getpid()), ignore_errors=True)
    shutil.rmtree(CACHE / "runs" / str(os.getpid()), ignore_errors=True)
    log(f"wrote {out} in {res['total_s']} s")
    print(json.dumps({k: res[k] for k in ("docs_per_s", "pages_per_s", "peak_rss_mb", "per_doc_time_growth",
                                          "baseline_pypdfium2_text_pages_per_s", "baseline_pdfplumber_text_pages_per_s",
                                          "pdf_ingest_pages_per_s", "memory_growth", "ocr_s_per_scanned_page",
                                          "ocr_cpu_s_per_scanned_page", "workers_speedup", "field_accuracy",
                                          "planted_recall", "planted_precision")}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
