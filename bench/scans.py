"""Scanned slice of the bench (issue #15): degraded copies of the seed PDFs read through the real flow.

    .venv/bin/python -m bench.scans [-v] [--seeds 000,001] [--kinds office,phone,notounicode,scanned]
                                    [--old-seeds 000,001] [--out bench/results.json]

For each seed PDF in ../shared/seeds/pdf (or, without the seeds, the PDFs under corpus/samples):
- ``office`` / ``phone``: copies made by corpus.degrade (cached under bench/cache/scans/, keyed by the
  degrader's source hash, the source PDF's hash, the kind and the degrader seed);
- ``notounicode``: the same PDF with every font's /ToUnicode map removed (pypdf), read by OCR;
- ``scanned``: the seeds' own scanned PDFs (../shared/seeds/scanned), when present.
Each copy is read by ``pipeline.flow.process_file`` in its own process pinned to one core (a process per
core, one OCR thread each) and scored against the record of the text PDF of the same seed: scalar fields,
survey figures, title, and each level-1 row (weight, score, rate). Where gold.json exists the copy is also
scored the way ../shared/tools/seedcheck.py scores it (its functions imported, no gold value copied).
Reported per kind: fields read / fields of the text PDF, must_not rules fired, error/warning findings the
text PDF does not have (false alarms), OCR wall and CPU seconds per page.

The "old path" (``JIXIAO_OCR_PLAIN=1``: plain tesseract, no clean-up, no re-reads, no second reader) is
read in the same run on ``--old-seeds`` office copies, and the new path's CPU s/page on the same copies
is set beside it (the bar: new ≤ 1.5 × old).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import io
import json
import os
import resource
import subprocess
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from corpus.tounicode import strip_tounicode

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
CACHE = ROOT / "bench" / "cache" / "scans"
DEGRADER_SEED = 11
KINDS = ("office", "phone", "notounicode", "scanned")
SCALARS = ("province", "city", "county", "fiscal_year", "evaluation_kind", "evaluator", "report_date",
           "total_score", "grade", "allocated_wan", "received_wan", "spent_wan", "execution_rate_pct",
           "arrival_rate_pct", "beneficiaries", "survey_respondents", "satisfaction_pct")
ALARMS = ("error", "warning")


def log(msg: str) -> None:
    print(f"[scans {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _sha(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:10]


def degrader_version() -> str:
    return _sha((ROOT / "corpus" / "degrade.py").read_bytes())


def seedcheck():
    """../shared/tools/seedcheck.py as a module (its scoring functions), or None without it."""
    p = SHARED / "tools" / "seedcheck.py"
    if not p.exists():
        return None
    spec = importlib.util.spec_from_file_location("seedcheck", p)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def sources() -> list[Path]:
    """The text PDFs to degrade: the seeds when present, else our own sample PDFs."""
    seeds = sorted((SEEDS / "pdf").glob("*.pdf"))
    if seeds:
        return seeds
    from tests.hostile_files import pdf_bytes      # a plain text-layer PDF of each of our sample texts
    out = []
    for t in sorted((ROOT / "corpus" / "samples").glob("*.txt")):
        p = CACHE / "text" / f"{t.stem}.pdf"
        if not p.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(pdf_bytes(t.read_text(encoding="utf-8")))
        out.append(p)
    return out


def copy_of(src: Path, kind: str, seed: int = DEGRADER_SEED) -> Path | None:
    """The cached copy of ``src`` of that kind (made when missing); None when there is none."""
    if kind == "scanned":
        p = SEEDS / "scanned" / src.name
        return p if p.exists() else None
    data = src.read_bytes()
    key = f"{kind}-{degrader_version()}-s{seed}" if kind != "notounicode" else "notounicode"
    out = CACHE / key / f"{_sha(data)}-{src.name}"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    if kind == "notounicode":
        tmp.write_bytes(strip_tounicode(data))
    else:
        from corpus import degrade
        degrade.degrade_pdf(src, tmp, kind, seed=seed)
    tmp.replace(out)
    return out


# ---------------------------------------------------------------- one file, in its own process

def child(path: str) -> int:
    """Read one file through the real flow; print {status, record fields, findings, cpu_s, wall_s, pages}."""
    from pipeline import flow
    flow.warm_up()
    t0, r0 = time.perf_counter(), _cpu()
    out = flow.process_file(path)
    cpu, wall = _cpu() - r0, time.perf_counter() - t0
    rec = out.get("record") or {}
    print(json.dumps({"status": out["status"], "error": out.get("error"), "pages": out.get("pages"),
                      "ocr_pages": int(rec.get("ocr_pages") or 0), "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
                      "record": {k: rec.get(k) for k in (*SCALARS, "title", "indicators", "problems", "ocr_pages")},
                      "findings": [{k: f.get(k) for k in ("rule_id", "severity", "message", "page")}
                                   for f in out.get("findings") or []]},
                     ensure_ascii=False, default=str))
    return 0


def _cpu() -> float:
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def read(path: Path, core: int | None, env: dict[str, str] | None = None, timeout: int = 1800) -> dict:
    """``child`` run in a fresh process pinned to one core (so OCR runs one page at a time in it)."""
    pre = (lambda: os.sched_setaffinity(0, {core})) if core is not None and hasattr(os, "sched_setaffinity") else None
    r = subprocess.run([sys.executable, "-m", "bench.scans", "--child", str(path)], cwd=ROOT, capture_output=True,
                       text=True, timeout=timeout, env=dict(os.environ, **(env or {})), preexec_fn=pre)
    if r.returncode != 0:
        return {"status": "failed", "error": r.stderr[-400:], "record": {}, "findings": [], "cpu_s": 0, "wall_s": 0,
                "pages": 0, "ocr_pages": 0}
    return json.loads(r.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- scoring

def _same(a, b) -> bool:
    """As seedcheck compares: numbers within 0.005, text after NFKC (full- and half-width brackets alike)."""
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        try:
            return abs(float(a) - float(b)) <= 0.0051
        except (TypeError, ValueError):
            return False
    if isinstance(a, str) and isinstance(b, str):
        return unicodedata.normalize("NFKC", a).strip() == unicodedata.normalize("NFKC", b).strip()
    return a == b


def fields_of(rec: dict) -> dict[str, object]:
    """The fields a record gives: scalars, title, level-1 rows as (weight, score, rate), keyed by name."""
    out = {k: rec.get(k) for k in (*SCALARS, "title") if rec.get(k) not in (None, "", [])}
    for i in rec.get("indicators") or []:
        if isinstance(i, dict) and i.get("level") == 1 and i.get("dimension"):
            out.setdefault(f"L1 {i['dimension']}", (i.get("weight"), i.get("score"), i.get("rate_pct")))
    return out


def compare(text_rec: dict, copy_rec: dict) -> tuple[int, int, list[str]]:
    """(fields the copy gives alike, fields of the text PDF, what differs)."""
    want, got = fields_of(text_rec), fields_of(copy_rec)
    ok, diffs = 0, []
    for k, v in want.items():
        g = got.get(k)
        same = (isinstance(v, tuple) and isinstance(g, tuple) and all(_same(a, b) if a is not None else b is None
                                                                        for a, b in zip(v, g))) or _same(v, g)
        ok += same
        if not same:
            diffs.append(f"{k}: {g!r} ≠ {v!r}")
    return ok, len(want), diffs


def false_alarms(text_res: dict, copy_res: dict) -> list[str]:
    """Error/warning findings of the copy whose rule the text PDF does not fire."""
    have = {f["rule_id"] for f in text_res["findings"] if f.get("severity") in ALARMS}
    return sorted({f["rule_id"] for f in copy_res["findings"] if f.get("severity") in ALARMS} - have)


def gold_score(sc, gold: dict | None, stem: str, res: dict) -> dict | None:
    if sc is None or not gold or stem not in gold:
        return None
    g = gold[stem]
    ok, tot, misses = sc.score_fields(g, res["record"])
    _, bad, _ = sc.score_findings(g["findings"]["must"], g["findings"]["must_not"], res)
    return {"ok": ok, "total": tot, "must_not": bad, "misses": misses}


# ---------------------------------------------------------------- the run


def _counts_only(row: dict) -> dict:
    """A copy's row as stored in bench/results.json: counts, never the fields' values. The differing
    values and the gold misses are the seeds' own words and figures; ``-v`` prints them, the committed
    results must not hold them."""
    out = {k: v for k, v in row.items() if k not in ("diffs", "alarm_details", "gold")}
    out["diffs"] = len(row["diffs"])
    if row.get("gold"):
        out["gold"] = {"ok": row["gold"]["ok"], "total": row["gold"]["total"]}
    return out

def run(seeds: list[str] | None, kinds: list[str], old_seeds: list[str], verbose: bool) -> dict:
    srcs = [s for s in sources() if not seeds or s.name[:3] in seeds or s.stem in seeds]
    sc = seedcheck()
    gold = json.loads((SEEDS / "gold.json").read_text())["reports"] if (SEEDS / "gold.json").exists() else None
    jobs: list[tuple[str, Path, Path, dict]] = []        # (kind, source, file, env)
    for s in srcs:
        jobs.append(("text", s, s, {}))
        for k in kinds:
            c = copy_of(s, k)
            if c is not None:
                jobs.append((k, s, c, {}))
        if s.name[:3] in old_seeds or s.stem in old_seeds:
            jobs.append(("old:office", s, copy_of(s, "office"), {"JIXIAO_OCR_PLAIN": "1"}))
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [None]
    # longest first, so no core waits alone for the long report at the end
    order = sorted(range(len(jobs)), key=lambda j: -(jobs[j][1].stat().st_size * (1 if jobs[j][0] == "text" else 20)))
    log(f"{len(jobs)} reads ({len(srcs)} seeds × {kinds} + old path on {old_seeds}) on {len(cores)} cores")
    results: dict[int, dict] = {}
    free = list(cores)
    t_all = time.perf_counter()

    def work(j: int) -> None:
        core = free.pop()
        try:
            kind, s, f, env = jobs[j]
            results[j] = read(f, core, env)
            r = results[j]
            log(f"  {kind:12s} {s.name[:3]} {r['status']} {r['ocr_pages']} OCR p. {r['cpu_s']} CPU s {r['wall_s']} s")
        finally:
            free.append(core)

    with ThreadPoolExecutor(max_workers=len(cores)) as ex:
        list(ex.map(work, order))
    wall_all = time.perf_counter() - t_all
    text_by_src = {jobs[j][1]: results[j] for j in results if jobs[j][0] == "text"}
    per_kind: dict[str, dict] = {}
    per_doc: list[dict] = []
    for j, (kind, s, f, _) in enumerate(jobs):
        if kind == "text":
            continue
        r, t = results[j], text_by_src[s]
        ok, tot, diffs = compare(t["record"], r["record"])
        g = gold_score(sc, gold, s.stem, r)
        alarms = false_alarms(t, r)
        npg = r["ocr_pages"]
        row = {"kind": kind, "seed": s.name[:3], "status": r["status"], "fields": ok, "of": tot,
               "must_not": (g or {}).get("must_not", []), "false_alarms": alarms, "ocr_pages": npg,
               "cpu_s": r["cpu_s"], "wall_s": r["wall_s"], "diffs": diffs,
               "alarm_details": [f"{f['rule_id']} p.{f.get('page')}: {(f.get('message') or '')[:300]}"
                                 for f in r["findings"] if f["rule_id"] in alarms and f.get("severity") in ALARMS],
               "gold": {"ok": g["ok"], "total": g["total"], "misses": g["misses"]} if g else None}
        per_doc.append(row)
        k = per_kind.setdefault(kind, {"docs": 0, "fields": 0, "of": 0, "must_not": [], "false_alarms": [],
                                       "not_a_report": 0, "ocr_pages": 0, "cpu_s": 0.0, "wall_s": 0.0,
                                       "gold_ok": 0, "gold_total": 0})
        k["docs"] += 1
        k["fields"] += ok
        k["of"] += tot
        k["must_not"] += row["must_not"]
        k["false_alarms"] += [f"{row['seed']}:{a}" for a in alarms]
        k["not_a_report"] += r["status"] == "not_a_report"
        k["ocr_pages"] += npg
        k["cpu_s"] += r["cpu_s"]
        k["wall_s"] += r["wall_s"]
        if g:
            k["gold_ok"] += g["ok"]
            k["gold_total"] += g["total"]
        if verbose:
            print(f"{kind:12s} {row['seed']} {r['status']:8s} fields {ok}/{tot}"
                  + (f" gold {g['ok']}/{g['total']}" if g else "") + f" must_not {row['must_not']} alarms {alarms}"
                  + f" {npg} OCR p. {r['cpu_s']} CPU s" + "".join(f"\n      {d}" for d in diffs)
                  + "".join(f"\n      alarm: {d}" for d in row["alarm_details"])
                  + ("".join(f"\n      gold: {m}" for m in g["misses"]) if g else ""))
    for k in per_kind.values():
        k["share"] = round(k["fields"] / k["of"], 4) if k["of"] else None
        n = max(1, k["ocr_pages"])
        k["cpu_s_per_page"] = round(k["cpu_s"] / n, 2)
        # each read had one core to itself: its wall time is that core's time on the file
        k["wall_s_per_page"] = round(k["wall_s"] / n, 2)
        k["cpu_s"], k["wall_s"] = round(k["cpu_s"], 1), round(k["wall_s"], 1)
    old = per_kind.get("old:office")
    if old:
        same_docs = {d["seed"] for d in per_doc if d["kind"] == "old:office"}
        new_rows = [d for d in per_doc if d["kind"] == "office" and d["seed"] in same_docs]
        pages = sum(d["ocr_pages"] for d in new_rows)
        old["new_cpu_s_per_page_same_copies"] = round(sum(d["cpu_s"] for d in new_rows) / max(1, pages), 2)
        old["new_over_old"] = round(old["new_cpu_s_per_page_same_copies"] / max(0.01, old["cpu_s_per_page"]), 2)
    both = [per_kind[k] for k in ("office", "phone") if k in per_kind]
    return {"generated_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "degrader_seed": DEGRADER_SEED,
            "degrader_version": degrader_version(), "cores": len(cores),
            "loadavg_at_end": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
            "wall_s": round(wall_all, 1),
            "office_phone_share": (round(sum(k["fields"] for k in both) / sum(k["of"] for k in both), 4)
                                   if both and sum(k["of"] for k in both) else None),
            "kinds": per_kind, "docs": [_counts_only(d) for d in per_doc],
            "notes": ["fields: scalar fields, survey figures, title and level-1 rows (weight, score, rate) the text "
                      "PDF of the same seed gives, compared exactly (numbers ±0.005)",
                      "false_alarms: error/warning rules fired on the copy that the text PDF does not fire",
                      "cpu_s: CPU of the reading process and its tesseract processes while process_file ran; "
                      "each read pinned to one core (a process per core, one OCR thread each)",
                      "old:office: JIXIAO_OCR_PLAIN=1 (plain tesseract: no clean-up, no re-reads, no second reader)"]}


def write(res: dict, out: Path) -> None:
    """``res`` as ``scanned.seed_copies`` of the results file; everything else in the file kept."""
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    data["scanned"] = dict(data.get("scanned") or {}, seed_copies=res)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.scans", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="", help="seed numbers or stems (default: all)")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--old-seeds", default="000,001", help="office copies also read by the old path ('' for none)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.json"), help="'' to write nothing")
    ap.add_argument("-v", action="store_true", help="per copy: fields, and every field that differs")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        return child(a.child)
    res = run([x for x in a.seeds.split(",") if x], [k for k in a.kinds.split(",") if k],
              [x for x in a.old_seeds.split(",") if x], a.v)
    if a.out:
        write(res, Path(a.out))
    print(json.dumps({"office_phone_share": res["office_phone_share"],
                      **{k: {x: v[x] for x in ("fields", "of", "share", "must_not", "false_alarms", "not_a_report",
                                               "cpu_s_per_page", "wall_s_per_page", "gold_ok", "gold_total",
                                               "new_cpu_s_per_page_same_copies", "new_over_old") if x in v}
                         for k, v in res["kinds"].items()}}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
