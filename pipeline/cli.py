"""jixiao — read Chinese fiscal performance-evaluation reports (绩效评价报告) into a DuckDB warehouse.

Every command's help ends with examples. Exit status: 0 when the command ran (a bad file is
recorded in ingest_log, not fatal); 2 when the command itself could not run.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

DEFAULT_DB = "warehouse/reports.duckdb"


def _examples(text: str) -> str:
    return "examples:\n" + "\n".join("  " + ln for ln in text.strip().splitlines())


def cmd_ingest(a) -> int:
    from .ingest import ingest
    s = ingest(a.paths, a.db, workers=a.workers, timeout=a.timeout, mem_mb=a.mem_mb,
               progress=not a.quiet and sys.stderr.isatty() or a.progress, force=a.force, wait_s=a.wait)
    for ln in s.lines():
        print(ln)
    print(f"warehouse: {a.db}  — try: python -m pipeline query --db {a.db} \"SELECT * FROM ingest_log\"")
    return 0


def cmd_extract(a) -> int:
    from .flow import process_file
    res = process_file(a.file, keep_document=a.stage == "document" or a.debug is not None)
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
    from warehouse.store import connect
    con = connect(a.db, read_only=True)
    # read-only covers the warehouse; this closes the other doors (COPY … TO, ATTACH, files)
    con.execute("SET enable_external_access = false")
    try:
        cur = con.execute(a.sql)
    except Exception as e:  # duckdb raises its own error kinds for bad SQL and for writes
        print(f"query failed: {e}\n(the warehouse is opened read-only: SELECT only) / 查询失败", file=sys.stderr)
        return 2
    cols = [d[0] for d in cur.description] if cur.description else []
    rows = cur.fetchall()
    if a.format == "json":
        json.dump([dict(zip(cols, r)) for r in rows], sys.stdout, ensure_ascii=False, default=str, indent=1)
        print()
    elif a.format == "csv":
        import csv
        w = csv.writer(sys.stdout)
        w.writerow(cols)
        w.writerows(rows)
    else:
        _print_table(cols, rows)
    return 0


def _print_table(cols, rows) -> None:
    from unicodedata import east_asian_width

    def width(s: str) -> int:
        return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in s)

    cells = [[("NULL" if v is None else str(v)).replace("\n", " ")[:60] for v in r] for r in rows]
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
    return audit.main(a)


def cmd_report(a) -> int:
    from . import report
    return report.main(a)


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

    p = sub.add_parser("ingest", help="read report files into the warehouse", formatter_class=raw,
                       description="Read every PDF, DOCX, TXT and MD report under the given files and folders "
                                   "(recursively) into DuckDB. Each file gets one ingest_log row with its status; "
                                   "a file that cannot be read is recorded and the batch goes on. Re-running is safe: "
                                   "unchanged files are skipped, changed ones replace their earlier rows.",
                       epilog=_examples("""
python -m pipeline ingest corpus/samples --db warehouse/reports.duckdb
python -m pipeline ingest a.pdf b.docx --db /tmp/test.duckdb --workers 1
python -m pipeline ingest incoming/ --wait 600        # from cron: queue behind a running ingest
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
    p.set_defaults(func=cmd_ingest)

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
    p.add_argument("--debug", metavar="DIR", help="write document.json, record.json, findings.json here")
    p.add_argument("--compact", action="store_true", help="one-line JSON")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("query", help="read-only SQL against the warehouse", formatter_class=raw,
                       description="Run SQL on a read-only connection (writes are refused) and print the result.",
                       epilog=_examples("""
python -m pipeline query --db warehouse/reports.duckdb "SELECT county, total_score, grade FROM reports ORDER BY 2"
python -m pipeline query --db warehouse/reports.duckdb --format csv "SELECT * FROM findings" > findings.csv
"""))
    p.add_argument("sql")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_query)

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
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("rules", help="list the validation rules", formatter_class=raw,
                       description="Every rule id, its severity and what it checks.",
                       epilog=_examples("python -m pipeline rules"))
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("report", help="write one self-contained HTML page comparing counties", formatter_class=raw,
                       description="Scores by county, execution vs arrival, cost per person served, problem frequency, "
                                   "outliers and findings, in one HTML file that opens offline.",
                       epilog=_examples("python -m pipeline report --db warehouse/reports.duckdb --out report.html"))
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--out", default="report.html")
    p.set_defaults(func=cmd_report)
    return ap


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    from warehouse.store import WarehouseLocked
    try:
        return a.func(a) or 0
    except (WarehouseLocked, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; what was written is complete, re-run to continue / 已中断，重新运行即可继续", file=sys.stderr)
        return 130
