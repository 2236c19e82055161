"""The audit list (issue #4): every finding of every report, worst first, for a person to review.

Export is a query over ``findings`` joined with its report (read-only connection), as CSV, JSON or
XLSX. Each finding gets a ``finding_key`` — a hash of doc_id, rule_id, expected, actual and the start
of the evidence, *not* the message, so rewording a rule keeps reviews — and reviewers' marks live in
the ``reviews`` table under that key. ``--import`` reads the XLSX reviewer columns back (upsert,
idempotent); the next export fills them in again for findings that still exist and lists the
others on the sheet 已失效复核, so a re-ingest never throws a reviewer's work away.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import IO, Iterable

from warehouse import audit as stored

from .display import printable

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
MARK, COMMENT = "复核结论", "复核意见"          # reviewer columns in the XLSX
MARK_OK, MARK_WRONG = "✓", "✗"
SHEET_LIST, SHEET_SUMMARY, SHEET_STALE = "审计清单", "汇总", "已失效复核"
EVIDENCE_KEY_CHARS = 80   # evidence beyond this may shift with extraction tweaks; the start pins the place

# one column order for every format; csv/json name the reviewer columns review_mark/review_comment
COLUMNS = ["severity", "county", "rule_id", "message", "expected", "actual", "evidence", "page",
           "review_mark", "review_comment", "title", "fiscal_year", "province", "city", "doc_id",
           "source_path", "finding_key"]
XLSX_HEADER = {"review_mark": MARK, "review_comment": COMMENT}
STALE_COLUMNS = ["finding_key", "mark", "comment", "reviewed_at", "source_file", "doc_id", "rule_id",
                 "severity", "county", "message", "expected", "actual", "evidence"]
SNAPSHOT = stored.SNAPSHOT       # the finding as the reviewer saw it, kept with the review

_MARK_ALIASES = {MARK_OK: ("✓", "√", "✔", "v", "y", "yes", "ok", "true", "1", "对", "是", "属实", "确认", "成立"),
                 MARK_WRONG: ("✗", "×", "✘", "x", "n", "no", "false", "0", "错", "否", "误报", "不成立")}
_MARKS = {alias: mark for mark, aliases in _MARK_ALIASES.items() for alias in aliases}


# ---------------------------------------------------------------- keys and rows

def finding_key(doc_id: str | None, rule_id: str | None, expected, actual, evidence: str | None) -> str:
    """Stable id of a finding across re-runs (not the message: wording may change, the fact does not)."""
    ev = re.sub(r"\s+", "", evidence or "")[:EVIDENCE_KEY_CHARS]
    parts = [doc_id or "", rule_id or "", "" if expected is None else str(expected),
             "" if actual is None else str(actual), ev]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def load_findings(con) -> list[dict]:
    """Every finding with its report's context and finding_key, worst first."""
    if not stored.has_table(con, "findings"):
        raise ValueError("this database has no findings table — is it a jixiao warehouse? "
                         "Create one with `python -m pipeline ingest <folder> --db FILE` / 不是本项目的数据库")
    rows = stored.finding_rows(con)
    _assign_keys(rows)
    rows.sort(key=_order)
    return rows


def _assign_keys(rows: list[dict]) -> None:
    # the same rule can fire twice with identical figures and evidence; number the copies so each
    # keeps its own review (in a stable order that does not depend on row order in the table)
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(finding_key(r["doc_id"], r["rule_id"], r["expected"], r["actual"], r["evidence"]), []).append(r)
    for key, group in groups.items():
        group.sort(key=lambda r: (r["page"] if r["page"] is not None else -1, r["message"] or "", r["evidence"] or ""))
        for i, r in enumerate(group):
            r["finding_key"] = key if i == 0 else f"{key}#{i + 1}"


def _order(r: dict) -> tuple:
    # worst first; then county, doc, rule (reports without a county and corpus-wide findings last)
    return (SEVERITY_RANK.get(r["severity"], 9), r["county"] is None, r["county"] or "",
            r["doc_id"] is None, r["doc_id"] or "", r["rule_id"] or "",
            r["page"] if r["page"] is not None else -1, r["finding_key"])


def load_reviews(con) -> dict[str, dict]:
    """Stored reviews by finding_key (none in a warehouse from before migration 003, opened read-only)."""
    return stored.review_rows(con)


def audit_rows(con, severity: str | None = None) -> tuple[list[dict], list[dict]]:
    """(findings to export with their reviews filled in, reviews whose finding no longer exists)."""
    rows = load_findings(con)
    reviews = load_reviews(con)
    live = {r["finding_key"] for r in rows}      # all findings, so a --severity filter makes nothing stale
    for r in rows:
        rv = reviews.get(r["finding_key"]) or {}
        r["review_mark"], r["review_comment"] = rv.get("mark"), rv.get("comment")
    stale = [rv for k, rv in reviews.items() if k not in live]
    if severity:
        rows = [r for r in rows if SEVERITY_RANK.get(r["severity"], 9) <= SEVERITY_RANK[severity]]
    return rows, stale


# ---------------------------------------------------------------- csv / json

def write_csv(rows: list[dict], out: IO[str]) -> None:
    """Every text cell that a spreadsheet would take for a formula is neutralised (csvcell): titles
    and evidence are quoted from reports, which may be hostile."""
    from .csvcell import safe_row
    w = csv.writer(out)
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow(safe_row("" if r.get(c) is None else r[c] for c in COLUMNS))


def write_json(rows: list[dict], out: IO[str]) -> None:
    json.dump([{c: r.get(c) for c in COLUMNS} for r in rows], out, ensure_ascii=False, indent=1, default=str)
    out.write("\n")


# ---------------------------------------------------------------- xlsx

FILLS = {"error": "FFC7CE", "warning": "FFE699", "info": "E7E6E6"}
HEADER_FILL = "D9E1F2"
WRAP = {"message", "evidence", "review_comment", "title"}
MAX_WIDTH = {"message": 50, "evidence": 60, "review_comment": 30, "title": 30, "source_path": 30}
FIXED_WIDTH = {"finding_key": 11, "review_mark": 10, "severity": 9, "page": 6}


def _cell_text(v):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    return ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v


def _set(ws, row: int, col: int, value):
    cell = ws.cell(row=row, column=col, value=_cell_text(value))
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"      # source text is never a formula
    return cell


def _display_width(s: str) -> int:
    from unicodedata import east_asian_width
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in s)


def _widths(ws, names: list[str], rows: list[list], headers: list[str]) -> None:
    from openpyxl.utils import get_column_letter
    for i, name in enumerate(names):
        if name in FIXED_WIDTH:
            w = FIXED_WIDTH[name]
        else:
            sample = [headers[i]] + ["" if r[i] is None else str(r[i]) for r in rows[:300]]
            w = min(max(_display_width(s) for s in sample) + 2, MAX_WIDTH.get(name, 24))
        ws.column_dimensions[get_column_letter(i + 1)].width = max(w, 6)


def _header(ws, headers: list[str]) -> None:
    from openpyxl.styles import Font, PatternFill
    for i, h in enumerate(headers, 1):
        c = _set(ws, 1, i, h)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor=HEADER_FILL)


def _list_sheet(ws, rows: list[dict]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    headers = [XLSX_HEADER.get(c, c) for c in COLUMNS]
    _header(ws, headers)
    reviewer = {COLUMNS.index("review_mark") + 1, COLUMNS.index("review_comment") + 1}
    key_col = COLUMNS.index("finding_key") + 1
    ws.cell(row=1, column=key_col).comment = Comment("请勿修改：导回复核结论时靠它找到对应的问题 / do not edit", "jixiao")
    wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    grey = Font(color="808080", size=8)
    values = [[r.get(c) for c in COLUMNS] for r in rows]
    for n, (r, vals) in enumerate(zip(rows, values), start=2):
        fill = PatternFill("solid", fgColor=FILLS[r["severity"]]) if r["severity"] in FILLS else None
        for i, (name, v) in enumerate(zip(COLUMNS, vals), start=1):
            c = _set(ws, n, i, v)
            c.alignment = wrap if name in WRAP else top
            if fill is not None and i not in reviewer:   # reviewer cells stay white: that is where to write
                c.fill = fill
        ws.cell(row=n, column=key_col).font = grey
    last = get_column_letter(len(COLUMNS))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{max(len(rows) + 1, 1)}"
    mark_col = get_column_letter(COLUMNS.index("review_mark") + 1)
    dv = DataValidation(type="list", formula1=f'"{MARK_OK},{MARK_WRONG}"', allow_blank=True, showDropDown=False,
                        showErrorMessage=True, errorTitle=MARK, error=f"请选择 {MARK_OK}（问题属实）或 {MARK_WRONG}（误报）",
                        showInputMessage=True, promptTitle=MARK, prompt=f"{MARK_OK} 问题属实 / {MARK_WRONG} 误报")
    dv.add(f"{mark_col}2:{mark_col}{max(len(rows) + 1, 2)}")
    ws.add_data_validation(dv)
    _widths(ws, COLUMNS, values, headers)


def _rule_registry() -> dict:
    try:
        from . import rules
        return dict(rules.REGISTRY)
    except Exception as e:  # a rule module being edited must not cost the audit list
        print(f"note: rule descriptions unavailable ({type(e).__name__}: {e})", file=sys.stderr)
        return {}


def summary_tables(rows: list[dict]) -> tuple[list[list], list[list]]:
    """(by rule: rule_id, rule severity, doc, error, warning, info, total, reviewed; by county × severity)."""
    registry = _rule_registry()
    by_rule: dict[str, Counter] = {rid: Counter() for rid in registry}
    by_county: dict[str, Counter] = {}
    for r in rows:
        by_rule.setdefault(r["rule_id"], Counter())[r["severity"]] += 1
        if r.get("review_mark") or r.get("review_comment"):
            by_rule[r["rule_id"]]["reviewed"] += 1
        county = r["county"] or ("（全库 corpus）" if r["doc_id"] is None else "（县区未识别）")
        by_county.setdefault(county, Counter())[r["severity"]] += 1
    sev = list(SEVERITY_RANK)
    rule_rows = []
    for rid, c in by_rule.items():
        rule = registry.get(rid)
        rule_rows.append([rid, getattr(rule, "severity", None), getattr(rule, "doc", None)]
                         + [c[s] for s in sev] + [sum(c[s] for s in sev), c["reviewed"]])
    rule_rows.sort(key=lambda x: (-x[3], -x[4], -x[6], x[0]))
    county_rows = [[k] + [c[s] for s in sev] + [sum(c[s] for s in sev)] for k, c in by_county.items()]
    county_rows.sort(key=lambda x: (-x[1], -x[2], -x[4], x[0]))
    return rule_rows, county_rows


def _summary_sheet(ws, rows: list[dict]) -> None:
    from openpyxl.styles import Alignment, Font
    rule_rows, county_rows = summary_tables(rows)
    rule_head = ["rule_id", "规则严重程度", "规则说明", "error", "warning", "info", "合计", "已复核"]
    county_head = ["county", "error", "warning", "info", "合计"]
    ws.cell(row=1, column=1, value="按规则 by rule").font = Font(bold=True, size=12)
    _table(ws, 2, rule_head, rule_rows)
    start = len(rule_rows) + 5
    ws.cell(row=start - 1, column=1, value="按县区 × 严重程度 by county × severity").font = Font(bold=True, size=12)
    _table(ws, start, county_head, county_rows)
    for col, w in zip("ABCDEFGH", (34, 12, 60, 9, 9, 9, 9, 9)):
        ws.column_dimensions[col].width = w
    for row in ws.iter_rows(min_row=3, max_row=len(rule_rows) + 2, min_col=3, max_col=3):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")


def _table(ws, top: int, head: list[str], body: list[list]) -> None:
    from openpyxl.styles import Font, PatternFill
    for i, h in enumerate(head, 1):
        c = ws.cell(row=top, column=i, value=h)
        c.font, c.fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    for n, vals in enumerate(body, start=top + 1):
        for i, v in enumerate(vals, 1):
            _set(ws, n, i, v)


def _stale_sheet(ws, stale: list[dict]) -> None:
    headers = [{"mark": MARK, "comment": COMMENT}.get(c, c) for c in STALE_COLUMNS]
    _header(ws, headers)
    values = [[str(rv.get(c)) if c == "reviewed_at" and rv.get(c) else rv.get(c) for c in STALE_COLUMNS] for rv in stale]
    for n, vals in enumerate(values, start=2):
        for i, v in enumerate(vals, 1):
            _set(ws, n, i, v)
    ws.freeze_panes = "A2"
    _widths(ws, STALE_COLUMNS, values, headers)


def write_xlsx(rows: list[dict], stale: list[dict], path: Path) -> None:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_LIST
    _list_sheet(ws, rows)
    _summary_sheet(wb.create_sheet(SHEET_SUMMARY), rows)
    _stale_sheet(wb.create_sheet(SHEET_STALE), stale)
    # built in memory, written in one go: a failing write (disk full) raises here, once, and never
    # again later from a half-closed zip file being collected
    import io
    buf = io.BytesIO()
    wb.save(buf)
    Path(path).write_bytes(buf.getvalue())


# ---------------------------------------------------------------- import

def normalise_mark(v) -> str | None:
    s = "" if v is None else str(v).strip()
    if not s:
        return None
    return _MARKS.get(s.lower(), s)      # an unknown mark is kept as the reviewer wrote it


def read_reviews_xlsx(path: Path) -> list[dict]:
    """Reviewer columns of every sheet that has finding_key and 复核结论 (the list and 已失效复核)."""
    from openpyxl import load_workbook
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises several kinds for a file that is not XLSX
        raise ValueError(f"{path} is not a readable XLSX file ({type(e).__name__}: {e}); import the file that "
                         f"`audit --format xlsx` wrote / 无法读取该 XLSX 文件") from e
    out: dict[str, dict] = {}
    found = False
    try:
        for ws in wb.worksheets:
            it = ws.iter_rows(values_only=True)
            head = [("" if h is None else str(h).strip()) for h in next(it, ())]
            if "finding_key" not in head or MARK not in head:
                continue
            found = True
            idx = {h: i for i, h in enumerate(head) if h}
            for vals in it:
                get = lambda name: vals[idx[name]] if name in idx and idx[name] < len(vals) else None
                key = get("finding_key")
                if key is None or not str(key).strip():
                    continue
                mark, comment = normalise_mark(get(MARK)), get(COMMENT)
                comment = str(comment).strip() if comment is not None and str(comment).strip() else None
                if mark is None and comment is None:     # blank: nothing to record (and nothing erased)
                    continue
                rv = {"finding_key": str(key).strip(), "mark": mark, "comment": comment}
                rv.update({c: (None if get(c) is None else str(get(c))) for c in SNAPSHOT})
                out[rv["finding_key"]] = rv
    finally:
        wb.close()
    if not found:
        raise ValueError(f"{path} has no sheet with the columns finding_key and {MARK}; import the XLSX that "
                         f"`python -m pipeline audit --format xlsx` wrote / 文件中没有审计清单的复核列")
    return list(out.values())


def review_changes(existing: dict[str, tuple], reviews: Iterable[dict]) -> tuple[list[dict], list[dict], int]:
    """(new reviews, changed reviews, number unchanged) against the stored (mark, comment) by key;
    a key given twice counts against its first occurrence, as if stored one after the other."""
    seen = dict(existing)
    new, changed, unchanged = [], [], 0
    for rv in reviews:
        key, now = rv["finding_key"], (rv["mark"], rv["comment"])
        if key not in seen:
            new.append(rv)
        elif seen[key] != now:
            changed.append(rv)
        else:
            unchanged += 1
        seen[key] = now
    return new, changed, unchanged


def import_reviews(con, reviews: Iterable[dict], source_file: str) -> dict[str, int]:
    """Upsert reviews by finding_key; a row whose mark and comment are unchanged is left alone."""
    new, changed, unchanged = review_changes(stored.review_marks(con), reviews)
    stored.store_reviews(con, new, changed, source_file)
    return Counter(new=len(new), changed=len(changed), unchanged=unchanged)


# ---------------------------------------------------------------- command

def _format(a) -> str:
    if getattr(a, "format", None):
        return a.format
    suffix = Path(a.out).suffix.lower().lstrip(".") if getattr(a, "out", None) else ""
    return suffix if suffix in ("csv", "json", "xlsx") else "csv"


def run_import(db: Path, xlsx: Path) -> int:
    from warehouse.store import connect, migrate
    if not xlsx.exists():
        raise FileNotFoundError(f"no file {xlsx} to import / 找不到要导入的文件")
    reviews = read_reviews_xlsx(xlsx)
    con = connect(db, create=False)     # writes marks into a jixiao warehouse; never creates or adopts one
    try:
        migrate(con)
        stats = import_reviews(con, reviews, str(xlsx))
        live = {r["finding_key"] for r in load_findings(con)}
    finally:
        con.close()
    orphan = sum(1 for rv in reviews if rv["finding_key"] not in live)
    print(f"imported {len(reviews)} reviews from {printable(str(xlsx))}: {stats['new']} new, {stats['changed']} changed, "
          f"{stats['unchanged']} unchanged" + (f"; {orphan} refer to findings that no longer exist (sheet {SHEET_STALE})"
                                               if orphan else "")
          + f" / 已导入 {len(reviews)} 条复核", file=sys.stderr)
    return 0


def run_export(db: Path, fmt: str, out: str | None, severity: str | None) -> int:
    from warehouse.store import connect
    con = connect(db, read_only=True)
    try:
        rows, stale = audit_rows(con, severity)
        n_reports = stored.report_count(con)
    finally:
        con.close()
    if not rows:
        why = (f"the warehouse {db} holds no reports yet — run `python -m pipeline ingest <folder> --db {db}` first"
               if not n_reports else
               f"no findings{' of severity ' + severity + ' or worse' if severity else ''} in {n_reports} reports")
        print(f"audit list is empty: {why}; writing the header only / 审计清单为空", file=sys.stderr)
    if fmt == "xlsx" or out:
        path = Path(out or "audit.xlsx")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if fmt == "xlsx":
                write_xlsx(rows, stale, path)
            else:
                # utf-8 with BOM so that Excel opens the Chinese text correctly
                with open(path, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as fh:
                    (write_csv if fmt == "csv" else write_json)(rows, fh)
        except OSError as e:    # disk full, read-only, a folder: say which file (cli turns it into a message)
            e.filename = e.filename or str(path)
            raise
    else:
        try:
            (write_csv if fmt == "csv" else write_json)(rows, sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:      # `audit | head`: the reader has what it wanted
            import os
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    if out or fmt == "xlsx":
        counts = Counter(r["severity"] for r in rows)
        reviewed = sum(1 for r in rows if r["review_mark"] or r["review_comment"])
        print(f"wrote {len(rows)} findings ({counts['error']} error, {counts['warning']} warning, {counts['info']} info; "
              f"{reviewed} reviewed, {len(stale)} stale reviews) to {printable(str(path))}", file=sys.stderr)
    return 0


def main(a) -> int:
    import duckdb
    db = Path(a.db)
    if not db.exists():
        raise FileNotFoundError(f"no warehouse at {db}; run `python -m pipeline ingest <folder> --db {db}` first "
                                f"/ 数据库不存在，请先运行 ingest")
    try:
        if getattr(a, "import_file", None):
            return run_import(db, Path(a.import_file))
        return run_export(db, _format(a), getattr(a, "out", None), getattr(a, "severity", None))
    except ValueError as e:
        print(f"error: {printable(str(e), newlines=True)}", file=sys.stderr)
        return 2
    except duckdb.Error as e:
        from warehouse.guard import problem
        why = problem(e, str(db)) or f"cannot use {db} as a DuckDB warehouse ({e}) / 无法读取数据库"
        print(f"error: {printable(why, newlines=True)}", file=sys.stderr)
        return 2
