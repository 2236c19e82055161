"""jixiao — read Chinese fiscal performance-evaluation reports (绩效评价报告) into a DuckDB warehouse.

Every command's help ends with examples. Exit status: 0 when the command ran (a bad file is
recorded in ingest_log, not fatal); 2 when the command itself could not run (one message, no
traceback); 1 for an internal error (a bug; JIXIAO_DEBUG=1 shows the traceback).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from .display import printable

DEFAULT_DB = "warehouse/reports.duckdb"


def _examples(text: str) -> str:
    return "examples:\n" + "\n".join("  " + ln for ln in text.strip().splitlines())


def cmd_ingest(a) -> int:
    from .ingest import ingest
    s = ingest(a.paths, a.db, workers=a.workers, timeout=a.timeout, mem_mb=a.mem_mb,
               progress=not a.quiet and sys.stderr.isatty() or a.progress, force=a.force, wait_s=a.wait,
               cluster=a.cluster, shards=a.shards)
    for ln in s.lines():
        print(printable(ln))
    db = printable(str(a.db))
    if a.shards:
        print(f"shards: {printable(str(a.shards))}  — load them: python -m pipeline load {printable(str(a.shards))} --db {db}")
        return 0
    print(f"warehouse: {db}  — try: python -m pipeline query --db {db} \"SELECT * FROM ingest_log\"")
    return 0


def cmd_load(a) -> int:
    from .shards import load
    got, seconds = load(a.dir, a.db, wait_s=a.wait)
    print(f"{got.shards} shards loaded ({got.reports} reports, {got.files} files) in {seconds:.1f} s "
          f"({got.reports / max(seconds, 1e-9):.1f} reports/s); {got.skipped} loaded before, skipped")
    db = printable(str(a.db))
    print(f"warehouse: {db}  — try: python -m pipeline query --db {db} \"SELECT * FROM loaded_shards\"")
    return 0


def cmd_extract(a) -> int:
    from .runner import extract_bounded
    if a.debug:     # OCR'd pages: the cleaned page images the recogniser saw (extractors/ocr.py)
        os.environ["JIXIAO_OCR_DEBUG_DIR"] = str(Path(a.debug) / "ocr_pages")
    # in a worker under ingest's limits: a hostile file must not take the machine or the terminal
    res, over = extract_bounded(a.file, timeout=a.timeout, mem_mb=a.mem_mb,
                                keep_document=a.stage == "document" or a.debug is not None)
    if over:
        print(f"error: {a.file}: {res['error']}", file=sys.stderr)
        return 2
    if a.debug:
        Path(a.debug).mkdir(parents=True, exist_ok=True)
        for stage in ("document", "record", "findings"):
            (Path(a.debug) / f"{stage}.json").write_text(json.dumps(res.get(stage), ensure_ascii=False, indent=1, default=str),
                                                          encoding="utf-8")
    if a.stage == "document":
        out = res.get("document") or {"status": res["status"], "error": res["error"]}
    elif res["record"] is None:
        out = {"source_path": res["source_path"], "status": res["status"], "error": res["error"], "findings": []}
    else:
        out = dict(res["record"])
        out.update(status=res["status"], findings=res["findings"])
        if a.stage == "findings":
            out = res["findings"]
    json.dump(out, sys.stdout, ensure_ascii=False, indent=None if a.compact else 1, default=str)
    sys.stdout.write("\n")
    return 0


def cmd_query(a) -> int:
    import duckdb
    from warehouse.readonly import NotReadOnly, lock_down, read_rows
    from warehouse.store import connect
    con = connect(a.db, read_only=True)
    try:
        lock_down(con)
        try:
            cols, rows = read_rows(con, a.sql)
        except (NotReadOnly, duckdb.Error) as e:
            _say(f"query failed: {e}\n(query is read-only: SELECT only) / 查询失败")
            return 2
    finally:
        con.close()
    if a.format == "json":
        sys.stdout.write(_json_text([dict(zip(cols, r)) for r in rows]) + "\n")
    elif a.format == "csv":
        import csv
        from .csvcell import safe_row
        # a CSV goes to spreadsheets: no cell may start a formula; on a terminal nothing may steer it
        shown = printable if sys.stdout.isatty() else (lambda v: v)
        w = csv.writer(sys.stdout)
        w.writerow(safe_row(shown(c) for c in cols))
        w.writerows(safe_row(shown(v) if isinstance(v, str) else v for v in r) for r in rows)
    else:
        _print_table(cols, rows)
    return 0


def _json_text(obj) -> str:
    """JSON whose strings carry no raw control characters: json escapes C0 itself; C1 controls,
    bidi controls and lone surrogates are written as \\uXXXX too (the same data, valid JSON)."""
    text = json.dumps(obj, ensure_ascii=False, default=str, indent=1)
    return re.sub("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]",
                  lambda m: f"\\u{ord(m.group()):04x}", text)


def _print_table(cols, rows) -> None:
    from unicodedata import east_asian_width

    def width(s: str) -> int:
        return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in s)

    def cell(v) -> str:
        # one line per row; whatever could steer the terminal (ESC sequences in a file name) shown as \x1b
        return printable(re.sub(r"\r\n|[\r\n\t]", " ", "NULL" if v is None else str(v)))[:60]

    cols = [cell(c) for c in cols]
    cells = [[cell(v) for v in r] for r in rows]
    ws = [max([width(c)] + [width(r[i]) for r in cells]) for i, c in enumerate(cols)]
    line = lambda vals: "  ".join(v + " " * (ws[i] - width(v)) for i, v in enumerate(vals))
    print(line(cols))
    print("  ".join("-" * w for w in ws))
    for r in cells:
        print(line(r))
    print(f"({len(rows)} rows)")


def cmd_rules(a) -> int:
    from . import rules
    for rid, r in sorted(rules.REGISTRY.items()):
        print(f"{rid:40s} {r.severity:8s} {r.doc}")
    return 0


def cmd_audit(a) -> int:
    from . import audit
    _check_out(a.out, "audit.xlsx")
    return audit.main(a)


def cmd_report(a) -> int:
    from . import report
    _check_out(a.out, "report.html")
    return report.main(a)


def cmd_evidence(a) -> int:
    from . import evidence
    _check_out(a.out, "evidence.png")
    try:
        return evidence.main(a)
    except evidence.NoEvidence as e:     # the user's side: an unknown key, a DOCX source, a moved PDF
        raise UsageError(str(e)) from e


class UsageError(Exception):
    """An argument that cannot work, found before any work is done (exit 2 with this message)."""


def _check_out(out: str | None, example: str) -> None:
    if out and Path(out).is_dir():
        raise UsageError(f"--out {out} is a folder; give a file name, e.g. --out {Path(out) / example} "
                         f"/ --out 是文件夹，请给出文件名")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="jixiao", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=_examples("""
make ingest DIR=~/reports                      # the usual way: every report under a folder
python -m pipeline ingest ~/reports --db warehouse/reports.duckdb
python -m pipeline extract report.pdf          # one report as JSON, no database
python -m pipeline audit --db warehouse/reports.duckdb --format xlsx --out audit.xlsx
python -m pipeline query --db warehouse/reports.duckdb "SELECT county, total_score, grade FROM reports"
"""))
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    raw = argparse.RawDescriptionHelpFormatter
    for add in (_add_ingest, _add_load, _add_extract, _add_query, _add_audit, _add_rules, _add_report, _add_evidence):
        add(sub, raw)
    return ap


def _add_ingest(sub: argparse._SubParsersAction, raw: type[argparse.HelpFormatter]) -> None:
    """The `ingest` command and its options."""
    p = sub.add_parser("ingest", help="read report files into the warehouse", formatter_class=raw,
                       description="Read every PDF, DOCX, TXT and MD report under the given files and folders "
                                   "(recursively) into DuckDB. Each file gets one ingest_log row with its status; "
                                   "a file that cannot be read is recorded and the batch goes on. Re-running is safe: "
                                   "unchanged files are skipped, changed ones replace their earlier rows.",
                       epilog=_examples("""
python -m pipeline ingest corpus/samples --db warehouse/reports.duckdb
python -m pipeline ingest a.pdf b.docx --db /tmp/test.duckdb --workers 1
python -m pipeline ingest incoming/ --wait 600        # from cron: queue behind a running ingest
python -m pipeline ingest corpus/samples --cluster local:2      # a Dask cluster of 2 workers, for this run
python -m pipeline ingest /shared/reports --cluster tcp://10.0.0.5:8786   # a running dask scheduler
python -m pipeline ingest /shared/reports --cluster tcp://10.0.0.5:8786 --shards /shared/shards
python -m pipeline query --db warehouse/reports.duckdb "SELECT status, count(*) FROM ingest_log GROUP BY 1"
"""))
    p.add_argument("paths", nargs="+", help="files or folders")
    p.add_argument("--db", default=DEFAULT_DB, help=f"DuckDB file (default {DEFAULT_DB})")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds one file may take (default 300)")
    p.add_argument("--mem-mb", type=int, default=4096, help="memory one worker may use, MB (default 4096)")
    p.add_argument("--force", action="store_true", help="re-extract files even when unchanged")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="if another ingest holds the warehouse, wait up to this long for it (default 0: stop at once)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--progress", action="store_true", help="progress bar even when not on a terminal")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="read the files on a Dask cluster: local:N starts N workers on this machine for this run; "
                        "tcp://host:8786 uses a running `dask scheduler`. Every worker must see the files at the same "
                        "paths (a shared file system); --workers is then ignored. See README 'Running on a cluster'")
    p.add_argument("--shards", metavar="DIR",
                   help="write the results as Parquet shards into DIR instead of the warehouse (one shard per batch, "
                        "named by its rows: a re-run adds no duplicate); store them later with `load DIR --db FILE`")
    p.set_defaults(func=cmd_ingest)


def _add_load(sub: argparse._SubParsersAction, raw: type[argparse.HelpFormatter]) -> None:
    """The `load` command and its options."""
    p = sub.add_parser("load", help="store Parquet shards written by ingest --shards", formatter_class=raw,
                       description="Store every shard under DIR (written by `ingest --shards DIR`) into the warehouse, "
                                   "one transaction per shard, each report replacing its earlier rows. Shards already "
                                   "loaded are skipped (they are recorded in the loaded_shards table), so load can be "
                                   "run again at any time, also after a crash. The corpus-level passes run once at the end.",
                       epilog=_examples("""
python -m pipeline ingest /shared/reports --cluster tcp://10.0.0.5:8786 --shards /shared/shards
python -m pipeline load /shared/shards --db warehouse/reports.duckdb
python -m pipeline query --db warehouse/reports.duckdb "SELECT count(*) FROM loaded_shards"
"""))
    p.add_argument("dir", metavar="DIR", help="the folder given to ingest --shards")
    p.add_argument("--db", default=DEFAULT_DB, help=f"DuckDB file (default {DEFAULT_DB})")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="if another process holds the warehouse, wait up to this long for it (default 0)")
    p.set_defaults(func=cmd_load)


def _add_extract(sub: argparse._SubParsersAction, raw: type[argparse.HelpFormatter]) -> None:
    """The `extract` command and its options."""
    p = sub.add_parser("extract", help="print one report as JSON (no database)", formatter_class=raw,
                       description="Extract one file and print the record (contract fields plus indicators, problems, "
                                   "findings, provenance) as JSON. --stage shows an intermediate stage; --debug DIR "
                                   "writes every stage to DIR/<stage>.json so you can see where a value was lost.",
                       epilog=_examples("""
python -m pipeline extract report.pdf
python -m pipeline extract report.docx --stage document | less
python -m pipeline extract report.txt --debug /tmp/stages
"""))
    p.add_argument("file")
    p.add_argument("--stage", choices=["document", "record", "findings"], default="record")
    p.add_argument("--debug", metavar="DIR", help="write document.json, record.json, findings.json here "
                   "(and ocr_pages/page-NNN.png: each OCR-read page as cleaned for the recogniser)")
    p.add_argument("--compact", action="store_true", help="one-line JSON")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds the file may take (default 300, as ingest)")
    p.add_argument("--mem-mb", type=int, default=4096, help="memory the reading may use, MB (default 4096, as ingest)")
    p.set_defaults(func=cmd_extract)


def _add_query(sub: argparse._SubParsersAction, raw: type[argparse.HelpFormatter]) -> None:
    """The `query` command and its options."""
    p = sub.add_parser("query", help="read-only SQL against the warehouse", formatter_class=raw,
                       description="Run read-only SQL and print the result. Only reads run: SELECT (also WITH, VALUES, "
                                   "DESCRIBE, SHOW, SUMMARIZE, EXPLAIN SELECT); CREATE (also TEMP), SET, PRAGMA, CALL, "
                                   "ATTACH, COPY, INSTALL/LOAD are refused before anything runs. Control characters "
                                   "in values are shown as \\x1b etc.; CSV cells that would start a formula get a "
                                   "leading ' (numbers stay numbers).",
                       epilog=_examples("""
python -m pipeline query --db warehouse/reports.duckdb "SELECT county, total_score, grade FROM reports ORDER BY 2"
python -m pipeline query --db warehouse/reports.duckdb --format csv "SELECT * FROM findings" > findings.csv
"""))
    p.add_argument("sql")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_query)


def _add_audit(sub: argparse._SubParsersAction, raw: type[argparse.HelpFormatter]) -> None:
    """The `audit` command and its options."""
    p = sub.add_parser("audit", help="the audit list: every finding, worst first", formatter_class=raw,
                       description="Export every finding of every report, errors first, for review. XLSX has reviewer "
                                   "columns (mark ✓/✗, comment); --import reads them back into the reviews table and "
                                   "later exports keep them.",
                       epilog=_examples("""
python -m pipeline audit --db warehouse/reports.duckdb                      # CSV to stdout
python -m pipeline audit --db warehouse/reports.duckdb --format xlsx --out audit.xlsx
python -m pipeline audit --db warehouse/reports.duckdb --import audit.xlsx  # keep reviewers' marks
"""))
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--format", choices=["csv", "json", "xlsx"], default=None,
                   help="default: from the --out suffix, else csv")
    p.add_argument("--out", help="output file (default: stdout for csv/json, audit.xlsx for xlsx)")
    p.add_argument("--import", dest="import_file", metavar="FILE", help="read reviewer marks from an exported XLSX")
    p.add_argument("--severity", choices=["error", "warning", "info"], help="only this severity and worse")
    p.add_argument("--crop-cache", metavar="DIR", help="where the XLSX's evidence crops are cached "
                                                         "(default: <db>.crops beside the warehouse)")
    p.add_argument("--no-crops", action="store_true", help="XLSX without the 证据截图 images (faster)")
    p.set_defaults(func=cmd_audit)


def _add_rules(sub: argparse._SubParsersAction, raw: type[argparse.HelpFormatter]) -> None:
    """The `rules` command and its options."""
    p = sub.add_parser("rules", help="list the validation rules", formatter_class=raw,
                       description="Every rule id, its severity and what it checks.",
                       epilog=_examples("python -m pipeline rules"))
    p.set_defaults(func=cmd_rules)


def _add_report(sub: argparse._SubParsersAction, raw: type[argparse.HelpFormatter]) -> None:
    """The `report` command and its options."""
    p = sub.add_parser("report", help="write one self-contained HTML page comparing counties", formatter_class=raw,
                       description="Scores by county, execution vs arrival, cost per person served, problem frequency, "
                                   "outliers and findings, in one HTML file that opens offline.",
                       epilog=_examples("""
python -m pipeline report --db warehouse/reports.duckdb --out report.html
python -m pipeline report --db big.duckdb --out out/report.html --cards pages   # one page per report in out/report.cards/
"""))
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--out", default="report.html")
    p.add_argument("--cards", choices=("auto", "inline", "pages", "none"), default="auto",
                   help="report cards: inline (in the one page), pages (one page per report in OUT's folder "
                        "<name>.cards/, linked from the index), none; auto: inline up to 40 reports, else pages")
    p.add_argument("--crops", choices=("auto", "all", "findings", "none"), default="auto",
                   help="crops of the PDF page in the cards: all (findings and header values), findings, none; "
                        "auto: all up to 200 reports, else findings only")
    p.add_argument("--crop-cache", default=None, metavar="DIR",
                   help="keep the rendered evidence crops here, so the next report is quicker")
    p.set_defaults(func=cmd_report)

def _add_evidence(sub: argparse._SubParsersAction, raw: type[argparse.HelpFormatter]) -> None:
    """The `evidence` command and its options."""
    p = sub.add_parser("evidence", help="write the PDF page crop around a finding's or a field's value (PNG)",
                       formatter_class=raw,
                       description="Render the region of the source PDF page around a value, the value's box outlined "
                                   "in red, at about 110 dpi: the value as the report prints it. Name it by a finding's "
                                   "finding_key (a column of the audit list) or by a report's doc_id and a field: a "
                                   "scalar (total_score, grade, allocated_wan, ...) or a row of a list, 0-based "
                                   "(indicators[3].score, fund_sources[0], targets[2]). Only PDF sources have boxes; for "
                                   "a DOCX or TXT report the provenance table gives the paragraph or table cell instead. "
                                   "/ 截取源 PDF 页面上该数值所在区域（红框标出）。",
                       epilog=_examples("""
python -m pipeline audit --db warehouse/reports.duckdb --format csv | head -3     # finding_key is a column
python -m pipeline evidence --db warehouse/reports.duckdb 3fa2c1d09e8b7a65 --out finding.png
python -m pipeline evidence --db warehouse/reports.duckdb 9c1e0b2a7d4f6e31 total_score --out score.png
python -m pipeline evidence --db warehouse/reports.duckdb 9c1e0b2a7d4f6e31 "indicators[4].score" --out row.png
"""))
    p.add_argument("what", nargs="+", metavar="FINDING_KEY | DOC_ID FIELD",
                   help="a finding_key from the audit list, or a report's doc_id and a field name")
    p.add_argument("--db", default=DEFAULT_DB, help=f"DuckDB file (default {DEFAULT_DB})")
    p.add_argument("--out", default="evidence.png", help="PNG file to write (default evidence.png)")
    p.add_argument("--cache", default=None, metavar="DIR", help="keep rendered crops here for the next call")
    p.set_defaults(func=cmd_evidence)


def main(argv: list[str] | None = None) -> int:
    """Run one command. The one error boundary: a cause on the user's side (a wrong --db or --out, a
    full disk, a read-only file system, a locked warehouse, a closed pipe) ends with one plain
    message and exit 2, never a traceback; only a real bug says so (exit 1)."""
    a = build_parser().parse_args(argv)
    try:
        code = a.func(a) or 0
        sys.stdout.flush()          # a closed pipe shows here at the latest, not at interpreter exit
        return code
    except BrokenPipeError:         # `ingest | head`: the reader has what it wanted
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        _say("interrupted; what was written is complete, re-run to continue / 已中断，重新运行即可继续")
        return 130
    except Exception as e:  # noqa: BLE001 — the boundary: every error becomes a message
        return _report_error(e, a)


def _report_error(e: Exception, a) -> int:
    import duckdb
    from warehouse.guard import NotAWarehouse, problem
    from warehouse.readonly import NotReadOnly
    from warehouse import store
    from warehouse.shards import ShardError
    from .cluster import ClusterLost, ClusterUnavailable
    known = tuple(k for k in (store.WarehouseLocked, getattr(store, "WarehouseUnwritable", None), NotAWarehouse,
                              NotReadOnly, UsageError, ShardError, ClusterLost, ClusterUnavailable) if k is not None)
    if isinstance(e, FileNotFoundError) and not e.filename:     # our own "no warehouse at …" message
        known += (FileNotFoundError,)
    if isinstance(e, known):
        _say(f"error: {e}")
        return 2
    if isinstance(e, (OSError, duckdb.Error, MemoryError)):
        # a DuckDB error is about the warehouse; an OSError names its own file (or none)
        why = problem(e, str(getattr(a, "db", "") or "") if isinstance(e, duckdb.Error) else "")
        if why is None:             # a DuckDB error with no OS cause: still the warehouse's own words
            why = f"the warehouse reported an error: {str(e).splitlines()[0][:300]}"
        _say(f"error: {why}")
        return 2
    _say(f"internal error ({type(e).__name__}: {str(e)[:300]}); please report it with the command you ran. "
         f"JIXIAO_DEBUG=1 shows the traceback / 内部错误，请报告给开发者")
    if os.environ.get("JIXIAO_DEBUG"):
        import traceback
        traceback.print_exception(e)
    return 1


def _say(msg: str) -> None:
    """A message on stderr, printable (a path may hold escape sequences); a closed stderr is no crash."""
    try:
        print(printable(msg, newlines=True), file=sys.stderr)
    except (OSError, ValueError):
        pass


def _quiet_stdout() -> None:
    # Python flushes stdout again at exit; pointing it at /dev/null keeps that flush from failing too
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
