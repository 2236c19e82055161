"""The audit list (issues #4, #18): every finding of every report, worst first, for a person to review.

Export is a query over ``findings`` joined with its report (read-only connection), as CSV, JSON or
XLSX. Each finding gets a ``finding_key`` — a hash of doc_id, rule_id, expected, actual and the start
of the evidence, *not* the message, so rewording a rule keeps reviews — and reviewers' marks live in
the ``reviews`` table under that key. ``--import`` reads the XLSX reviewer columns back (upsert,
idempotent); the next export fills them in again for findings that still exist and lists the
others on the sheet 已失效复核, so a re-ingest never throws a reviewer's work away.

A review also keeps its report group (``group_key``, migration 010): the same report rendered again
(a DOCX of a TXT, a PDF printed anew) has a new doc_id, and its findings take the marks made on any
other rendition of the group when their own key has none.

The XLSX speaks the reviewer's language (Chinese headers, 错误/警告/提示) and shows the evidence:
the crop of the PDF page around the value (``pipeline/evidence.py``, cached beside the warehouse),
or for a DOCX/TXT source the sentence with the value marked. CSV and JSON keep the contract's
English column names and values.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path
from typing import IO, Iterable

from warehouse import audit as stored

from .display import printable

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
MARK, COMMENT = "复核标记", "复核意见"          # reviewer columns in the XLSX
OLD_MARK = "复核结论"                           # the mark column's name on sheets handed out before #18
CROP = "证据截图"
MARK_OK, MARK_WRONG = "✓", "✗"
SHEET_LIST, SHEET_SUMMARY, SHEET_STALE = "审计清单", "汇总", "已失效复核"
EVIDENCE_KEY_CHARS = 80   # evidence beyond this may shift with extraction tweaks; the start pins the place
GROUP_EVIDENCE_CHARS = 60  # letters and digits of the evidence in the group-level key (renditions differ in punctuation)

# one column order for csv/json (the contract's names); csv/json name the reviewer columns review_mark/review_comment
COLUMNS = ["severity", "county", "rule_id", "message", "expected", "actual", "evidence", "page",
           "review_mark", "review_comment", "title", "fiscal_year", "province", "city", "doc_id",
           "source_path", "finding_key"]
# the XLSX list: what a reviewer reads first, then the reviewer columns, then the identifiers
XLSX_COLUMNS = ["severity", "county", "rule_area", "message", "expected", "actual", "evidence", "page", "crop",
                "review_mark", "review_comment", "rule_id", "title", "fiscal_year", "province", "city",
                "source_format", "doc_id", "source_path", "finding_key"]
XLSX_HEADER = {"severity": "严重程度", "county": "县区", "rule_area": "规则", "message": "说明", "expected": "应为",
               "actual": "报告值", "evidence": "证据", "page": "页码", "crop": CROP, "review_mark": MARK,
               "review_comment": COMMENT, "rule_id": "规则编号", "title": "报告标题", "fiscal_year": "年度",
               "province": "省", "city": "市", "source_format": "格式", "doc_id": "文档编号",
               "source_path": "来源文件", "finding_key": "问题编号"}
STALE_COLUMNS = ["finding_key", "mark", "comment", "reviewed_at", "source_file", "doc_id", "rule_id",
                 "severity", "county", "message", "expected", "actual", "evidence"]
STALE_HEADER = dict(XLSX_HEADER, mark=MARK, comment=COMMENT, reviewed_at="复核时间", source_file="导入自")
# every header an imported sheet may carry → our name: the Chinese ones, the English ones of sheets
# handed out before #18, and the stale sheet's mark/comment
HEADER_NAMES = ({v: k for k, v in XLSX_HEADER.items()} | {v: k for k, v in STALE_HEADER.items()}
                | {c: c for c in XLSX_COLUMNS + STALE_COLUMNS}
                | {OLD_MARK: "review_mark", "mark": "review_mark", "comment": "review_comment",
                   MARK: "review_mark", COMMENT: "review_comment"})
SEVERITY_FROM_ZH = {v: k for k, v in SEVERITY_ZH.items()}
# what a rule id's first part is about, for the 规则 column (the id itself has a column of its own)
RULE_AREA = {"score": "评分", "weight": "权重", "grade": "等级", "funds": "资金", "count": "数量",
             "survey": "满意度调查", "target": "绩效目标", "number": "前后数字", "logic": "前后矛盾",
             "meta": "要素缺失", "text": "文本", "compare": "同类比较", "ocr": "扫描识别"}
SNAPSHOT = stored.SNAPSHOT       # the finding as the reviewer saw it, kept with the review

_MARK_ALIASES = {MARK_OK: ("✓", "√", "✔", "v", "y", "yes", "ok", "true", "1", "对", "是", "属实", "确认", "成立"),
                 MARK_WRONG: ("✗", "×", "✘", "x", "n", "no", "false", "0", "错", "否", "误报", "不成立")}
_MARKS = {alias: mark for mark, aliases in _MARK_ALIASES.items() for alias in aliases}
_NOT_WORD = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")


# ---------------------------------------------------------------- keys and rows

def finding_key(doc_id: str | None, rule_id: str | None, expected, actual, evidence: str | None) -> str:
    """Stable id of a finding across re-runs (not the message: wording may change, the fact does not)."""
    ev = re.sub(r"\s+", "", evidence or "")[:EVIDENCE_KEY_CHARS]
    parts = [doc_id or "", rule_id or "", "" if expected is None else str(expected),
             "" if actual is None else str(actual), ev]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def group_key(group_id: str | None, rule_id: str | None, expected, actual, evidence: str | None) -> str:
    """The finding's key within its report group: the same fact in any rendition of one report (a
    DOCX and a TXT of it, a PDF printed again) gets one group key when its group id is the same.
    Only the letters and digits of the evidence count: renditions differ in spaces and punctuation."""
    ev = _NOT_WORD.sub("", evidence or "")[:GROUP_EVIDENCE_CHARS]
    parts = ["group", group_id or "", rule_id or "", "" if expected is None else str(expected),
             "" if actual is None else str(actual), ev]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def _copy_suffix(key: str | None) -> str:
    """"#2" of a finding_key of a second identical finding, "" of the first."""
    return key[key.index("#"):] if key and "#" in key else ""


def load_findings(con) -> list[dict]:
    """Every finding with its report's context, finding_key and group_key, worst first."""
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
    for r in rows:
        gid = r.get("group_id") or r["doc_id"]
        r["group_key"] = None if gid is None else (
            group_key(gid, r["rule_id"], r["expected"], r["actual"], r["evidence"]) + _copy_suffix(r["finding_key"]))


def _order(r: dict) -> tuple:
    # worst first; then county, doc, rule (reports without a county and corpus-wide findings last)
    return (SEVERITY_RANK.get(r["severity"], 9), r["county"] is None, r["county"] or "",
            r["doc_id"] is None, r["doc_id"] or "", r["rule_id"] or "",
            r["page"] if r["page"] is not None else -1, r["finding_key"])


def load_reviews(con) -> dict[str, dict]:
    """Stored reviews by finding_key (none in a warehouse from before migration 003, opened read-only)."""
    return stored.review_rows(con)


FILE_GROUP = "file:"    # a file's path taken as a group id: the report a file holds now is a re-render of the one it held


def _review_group_keys(rv: dict, live_docs: set[str]) -> set[str]:
    """The group-level keys a stored review answers to: the one stored at import (migration 010); the
    one of its own doc taken as a group id (reviews from before 010, or made on a rendition that is
    still in the group while its group id changed); and, when its report is gone from the warehouse
    (its file replaced in place by a new rendition), the one of the file it was read from."""
    keys = {rv["group_key"]} if rv.get("group_key") else set()
    ids = [rv["doc_id"]] if rv.get("doc_id") else []
    if rv.get("path_key") and rv.get("doc_id") not in live_docs:
        ids.append(FILE_GROUP + rv["path_key"])
    for g in ids:
        keys.add(group_key(g, rv.get("rule_id"), rv.get("expected"), rv.get("actual"), rv.get("evidence"))
                 + _copy_suffix(rv["finding_key"]))
    return keys


def _row_group_keys(r: dict, members: dict[str, list[str]], paths: dict[str, list[str]]) -> set[str]:
    """The group-level keys of a finding taken with every rendition of its report group, and every file
    it was read from, as group id: a review keyed under a former group id (the primary changes when a
    rendition arrives) or made on the report its file held before still matches."""
    if r["doc_id"] is None:
        return set()
    gid = r.get("group_id") or r["doc_id"]
    ids = set(members.get(gid, ())) | {gid, r["doc_id"]} | {FILE_GROUP + p for p in paths.get(r["doc_id"], ())}
    suffix = _copy_suffix(r["finding_key"])
    return {group_key(g, r["rule_id"], r["expected"], r["actual"], r["evidence"]) + suffix for g in ids}


def match_reviews(rows: list[dict], reviews: dict[str, dict], doc_groups: dict[str, str],
                  paths: dict[str, list[str]] | None = None, live_docs: set[str] | None = None) -> list[dict]:
    """Fill review_mark/review_comment (and review_from: the finding_key the review was made on) of
    every row: its own key first, else the newest review on the same finding in another rendition of
    its report group (or in the report its file held before). ``paths``: doc_id → its files' path
    keys; ``live_docs``: the stored reports. Returns the reviews no row took (stale)."""
    paths = paths or {}
    if live_docs is None:
        live_docs = set(paths) | {r["doc_id"] for r in rows if r["doc_id"]}
    by_group: dict[str, list[dict]] = {}
    for rv in reviews.values():
        for k in _review_group_keys(rv, live_docs):
            by_group.setdefault(k, []).append(rv)
    members: dict[str, list[str]] = {}
    for doc, gid in doc_groups.items():
        members.setdefault(gid, []).append(doc)
    used: set[str] = set()
    for r in rows:
        rv = reviews.get(r["finding_key"])
        if rv is None:
            found = {c["finding_key"]: c for k in _row_group_keys(r, members, paths) for c in by_group.get(k, ())}
            rv = max(found.values(), key=lambda c: (str(c.get("reviewed_at") or ""), c["finding_key"]), default=None)
        rv = rv or {}
        r["review_mark"], r["review_comment"] = rv.get("mark"), rv.get("comment")
        r["review_from"] = rv.get("finding_key")
        if rv:
            used.add(rv["finding_key"])
    return [rv for k, rv in reviews.items() if k not in used]


def audit_rows(con, severity: str | None = None) -> tuple[list[dict], list[dict]]:
    """(findings to export with their reviews filled in, reviews whose finding no longer exists)."""
    rows = load_findings(con)
    # all findings: a --severity filter makes nothing stale
    stale = match_reviews(rows, load_reviews(con), stored.group_of_docs(con), stored.doc_paths(con),
                          stored.report_ids(con))
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


# ---------------------------------------------------------------- evidence: the value marked, the crop

PROVENANCE_PAD = 30        # evidence taken from provenance starts this many characters before the value (prov.span)
SNIPPET_CHARS = 26         # characters either side of the value in the 证据截图 cell of a text source
_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\d.,])\d+(?:\.\d+)?")


def _as_number(s: str | None) -> float | None:
    """The number a value states, its unit left aside ("595.53万元" → 595.53); None for other text."""
    m = re.fullmatch(r"\s*([-+]?[\d,]*\d(?:\.\d+)?)\s*(?:%|％|[\u4e00-\u9fff]{1,3})?\s*", s or "")
    return float(m.group(1).replace(",", "")) if m else None


def value_span(evidence: str | None, actual: str | None, printed: str | None = None) -> tuple[int, int] | None:
    """Where the reported value sits in the evidence: the printed form from provenance if given, else
    the value as stored, else (a number) any number of equal value however it is printed (1,200 /
    1200.00). Of several places: with the printed form (the evidence is then the provenance
    context, prov.span) the one nearest where that context puts its value; else the first."""
    if not evidence:
        return None
    spans: list[tuple[int, int]] = []
    for needle in (printed, actual):
        needle = (needle or "").strip()
        if needle and not spans:
            spans = [(m.start(), m.start() + len(needle)) for m in re.finditer(re.escape(needle), evidence)]
    want = _as_number(actual)
    if not spans and want is not None:
        for m in _NUMBER.finditer(evidence):
            if abs(float(m.group().replace(",", "")) - want) < 1e-9:
                end = m.end() + (1 if evidence[m.end():m.end() + 1] in ("%", "％") else 0)
                spans.append((m.start(), end))
    if not spans:
        return None
    if not (printed or "").strip():
        return spans[0]
    return min(spans, key=lambda sp: (abs(sp[0] - PROVENANCE_PAD), sp[0]))


def _mark_font():
    from openpyxl.cell.text import InlineFont
    return InlineFont(b=True, color="FFC00000")


def marked_text(text: str, span: tuple[int, int] | None, brackets: bool = False):
    """The text with the value in bold red (rich text), optionally in 【】 too; plain text without a span."""
    text = _cell_text(text)
    if not span:
        return text
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    a, b = span
    value = f"【{text[a:b]}】" if brackets else text[a:b]
    return CellRichText([part for part in (text[:a], TextBlock(_mark_font(), value), text[b:]) if part])


def snippet(evidence: str, span: tuple[int, int]) -> tuple[str, tuple[int, int]]:
    """A short piece of the evidence around the value (…before【value】after…) and the value's span in it."""
    a, b = span
    lo, hi = max(0, a - SNIPPET_CHARS), min(len(evidence), b + SNIPPET_CHARS)
    head, tail = ("…" if lo > 0 else ""), ("…" if hi < len(evidence) else "")
    text = head + evidence[lo:hi] + tail
    return text, (len(head) + a - lo, len(head) + b - lo)


def _evidence_module():
    """pipeline/evidence.py (boxes and crops, issue #18); None while it is not there."""
    try:
        from . import evidence
    except ImportError:
        return None
    return evidence


def crop_cache_for(db: Path) -> Path:
    """Where crops of a warehouse are cached by default: beside it, ``<name>.crops/``."""
    db = Path(db)
    return db.with_name(db.name + ".crops")


def _box_of(ev, con, r: dict):
    if r.get("x0") is not None and r.get("page") is not None:
        return ev.Box(page=r["page"], x0=r["x0"], y0=r["y0"], x1=r["x1"], y1=r["y1"],
                      page_width=r["page_width"], page_height=r["page_height"])
    if r.get("field") and r.get("doc_id"):
        return ev.box_for(con, r["doc_id"], r["field"])
    return None


def _pdf_file(r: dict) -> Path | None:
    for p in (r.get("path_key"), r.get("source_path")):
        if p and Path(p).is_file():
            return Path(p)
    return None


def attach_crops(con, rows: list[dict], cache_dir: Path | None) -> Counter:
    """``crop`` (PNG bytes or None) on every row: the page region around the value of a finding on a
    PDF whose value has a box. Returns counts: pdf, image, no_box, no_file, failed, unavailable."""
    stats: Counter = Counter()
    ev = _evidence_module()
    for r in rows:
        r["crop"] = None
    if ev is None:
        stats["unavailable"] = sum(1 for r in rows if (r.get("source_format") or "").lower() == "pdf")
        return stats
    for r in rows:
        if (r.get("source_format") or "").lower() != "pdf":
            continue
        stats["pdf"] += 1
        box = _box_of(ev, con, r)
        path = _pdf_file(r) if box is not None else None
        if box is None:
            stats["no_box"] += 1
        elif path is None:
            stats["no_file"] += 1
        else:
            try:
                r["crop"] = ev.crop_png(path, box, cache_dir=cache_dir, doc_id=r.get("doc_id"))
            except Exception as e:     # one unreadable page must not cost the audit list
                stats["failed"] += 1
                stats.setdefault("first_error", f"{type(e).__name__}: {e}")  # type: ignore[arg-type]
            if r["crop"] and _image_size(r["crop"]) is None:    # a damaged cache file, say
                r["crop"] = None
                stats["failed"] += 1
                stats.setdefault("first_error", "not a PNG image")  # type: ignore[arg-type]
            if r["crop"]:
                stats["image"] += 1
    return stats


# ---------------------------------------------------------------- xlsx

FILLS = {"error": "FFC7CE", "warning": "FFE699", "info": "E7E6E6"}
HEADER_FILL = "D9E1F2"
WRAP = {"message", "evidence", "review_comment", "title", "crop", "expected", "actual"}
MAX_WIDTH = {"message": 44, "evidence": 50, "review_comment": 30, "title": 30, "source_path": 30, "crop": 40,
             "expected": 14, "actual": 14}
MIN_WIDTH = {"message": 16, "evidence": 16, "review_comment": 14, "crop": 16}   # Chinese headers are short
FIXED_WIDTH = {"finding_key": 11, "review_mark": 10, "severity": 9, "page": 6, "rule_area": 10, "source_format": 6,
               "doc_id": 11}
MAX_IMG_PX = (520, 260)    # the largest a crop is shown (width, height); a smaller one keeps its size
PX_PER_CHAR = 7.0          # column width unit in pixels (Calibri 11)
LINE_PT = 15.0             # one wrapped line of 11 pt text
IMG_PAD_PX = 4


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


def _widths(ws, names: list[str], rows: list[list], headers: list[str]) -> dict[str, float]:
    from openpyxl.utils import get_column_letter
    out = {}
    for i, name in enumerate(names):
        if name in FIXED_WIDTH:
            w = FIXED_WIDTH[name]
        else:
            sample = [headers[i]] + ["" if r[i] is None else str(r[i]) for r in rows[:300]]
            w = min(max(_display_width(s) for s in sample) + 2, MAX_WIDTH.get(name, 24))
        out[name] = max(w, MIN_WIDTH.get(name, 6))
        ws.column_dimensions[get_column_letter(i + 1)].width = out[name]
    return out


def _header(ws, headers: list[str]) -> None:
    from openpyxl.styles import Font, PatternFill
    for i, h in enumerate(headers, 1):
        c = _set(ws, 1, i, h)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor=HEADER_FILL)


def rule_area(rule_id: str | None) -> str | None:
    """The 规则 column: what the rule is about, in Chinese (the id has a column of its own)."""
    head = (rule_id or "").split(".")[0]
    return RULE_AREA.get(head, head or None)


def _plain(r: dict, name: str):
    """The plain value of an XLSX column (the sheet's words: Chinese severities and rule areas)."""
    if name == "severity":
        return SEVERITY_ZH.get(r.get("severity"), r.get("severity"))
    if name == "rule_area":
        return rule_area(r.get("rule_id"))
    if name == "crop":
        return None if r.get("crop") else r.get("_snippet")
    return r.get(name)


def _prepare_evidence(r: dict) -> None:
    """_span: the value's place in the evidence; _snippet: the short marked piece shown in 证据截图
    when there is no crop (a DOCX/TXT source, or a PDF value without a box)."""
    ev = r.get("evidence") or ""
    r["_span"] = value_span(ev, r.get("actual"), r.get("printed"))
    r["_snippet"], r["_snippet_span"] = None, None
    if r["_span"] and not r.get("crop"):
        text, (a, b) = snippet(ev, r["_span"])
        fmt = (r.get("source_format") or "").upper()
        # says why there is no picture: a text source has no page, a PDF value no box (or its file is gone)
        head = f"{fmt} 原文：" if fmt and fmt != "PDF" else "PDF 文字（无截图）：" if fmt else ""
        r["_snippet"], r["_snippet_span"] = head + text, (a + len(head), b + len(head))


def _image_size(png: bytes) -> tuple[int, int] | None:
    """The crop's shown size in pixels: its own, scaled down (never up) to fit MAX_IMG_PX; None for
    bytes that are not an image (a damaged cache file costs its picture, not the sheet)."""
    from PIL import Image as PILImage
    try:
        with PILImage.open(io.BytesIO(png)) as im:
            w, h = im.size
    except Exception:       # PIL raises several kinds for bytes that are not an image
        return None
    scale = min(1.0, MAX_IMG_PX[0] / w, MAX_IMG_PX[1] / h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _place_image(ws, png: bytes, row: int, col: int, size: tuple[int, int]) -> None:
    """The crop anchored in its cell (one-cell anchor: it moves and filters with the row)."""
    from openpyxl.drawing.image import Image
    from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
    from openpyxl.drawing.xdr import XDRPositiveSize2D
    from openpyxl.utils.units import pixels_to_EMU
    img = Image(io.BytesIO(png))
    img.width, img.height = size
    pad = pixels_to_EMU(IMG_PAD_PX)
    img.anchor = OneCellAnchor(_from=AnchorMarker(col=col - 1, colOff=pad, row=row - 1, rowOff=pad),
                               ext=XDRPositiveSize2D(pixels_to_EMU(size[0]), pixels_to_EMU(size[1])))
    ws.add_image(img)


def _text_height(values: dict[str, str | None], widths: dict[str, float]) -> float:
    """Points a row needs for its wrapped text (Excel keeps an explicit row height, so a row with a
    crop must also fit its text)."""
    lines = 1
    for name in WRAP:
        text = values.get(name)
        if text:
            w = max(widths.get(name, 10) - 1, 4)
            lines = max(lines, sum(max(1, math.ceil(_display_width(part) / w)) for part in str(text).split("\n")))
    return lines * LINE_PT


def _list_sheet(ws, rows: list[dict]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    names = XLSX_COLUMNS
    col = {name: i for i, name in enumerate(names, 1)}
    headers = [XLSX_HEADER[c] for c in names]
    _header(ws, headers)
    reviewer = {col["review_mark"], col["review_comment"]}
    ws.cell(row=1, column=col["finding_key"]).comment = Comment(
        "请勿修改：导回复核标记时靠它找到对应的问题 / do not edit", "jixiao")
    ws.cell(row=1, column=col["crop"]).comment = Comment(
        "PDF：原页上报告值所在位置（红框）；DOCX/TXT：原文句子，报告值以【】标出 / the value on its page", "jixiao")
    wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    grey = Font(color="808080", size=8)
    sizes = {}
    for r in rows:
        size = _image_size(r["crop"]) if r.get("crop") else None
        if size is None:
            r["crop"] = None
        else:
            sizes[id(r)] = size
        _prepare_evidence(r)
    values = [[_plain(r, c) for c in names] for r in rows]
    widths = _widths(ws, names, values, headers)
    if sizes:   # the crop column as wide as the widest crop shown
        widths["crop"] = max(widths["crop"], max(w for w, _ in sizes.values()) / PX_PER_CHAR + 2)
        ws.column_dimensions[get_column_letter(col["crop"])].width = widths["crop"]
    for n, (r, vals) in enumerate(zip(rows, values), start=2):
        fill = PatternFill("solid", fgColor=FILLS[r["severity"]]) if r["severity"] in FILLS else None
        for i, (name, v) in enumerate(zip(names, vals), start=1):
            if name == "evidence" and r["_span"]:
                # 【】 as well as bold red: LibreOffice drops the colour of a rich-text cell, brackets show everywhere
                v = marked_text(r["evidence"], r["_span"], brackets=True)
            elif name == "crop" and v:
                v = marked_text(r["_snippet"], r["_snippet_span"], brackets=True)
            c = _set(ws, n, i, v)
            c.alignment = wrap if name in WRAP else top
            if fill is not None and i not in reviewer:   # reviewer cells stay white: that is where to write
                c.fill = fill
        ws.cell(row=n, column=col["finding_key"]).font = grey
        if r.get("review_from") and r["review_from"] != r["finding_key"]:
            ws.cell(row=n, column=col["review_mark"]).comment = Comment(
                f"沿用同一报告另一版本的复核（问题编号 {r['review_from']}）/ carried from another rendition", "jixiao")
        # every row as tall as its wrapped text (LibreOffice and WPS do not grow rows from a file) or its crop
        need = _text_height(dict(zip(names, vals)), widths)
        if id(r) in sizes:
            size = sizes[id(r)]
            _place_image(ws, r["crop"], n, col["crop"], size)
            need = max(need, (size[1] + 2 * IMG_PAD_PX) * 0.75)
        if need > LINE_PT:
            ws.row_dimensions[n].height = min(need, 409)          # Excel's largest row height
    _sheet_setup(ws, len(names), len(rows), col["review_mark"])


def _sheet_setup(ws, n_cols: int, n_rows: int, mark_index: int) -> None:
    """Printing (landscape, one page wide, header on every page), frozen header, filter, and the
    reviewer's ✓/✗ drop-down in the mark column."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    last = get_column_letter(n_cols)
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{max(n_rows + 1, 1)}"
    mark_col = get_column_letter(mark_index)
    dv = DataValidation(type="list", formula1=f'"{MARK_OK},{MARK_WRONG}"', allow_blank=True, showDropDown=False,
                        showErrorMessage=True, errorTitle=MARK, error=f"请选择 {MARK_OK}（问题属实）或 {MARK_WRONG}（误报）",
                        showInputMessage=True, promptTitle=MARK, prompt=f"{MARK_OK} 问题属实 / {MARK_WRONG} 误报")
    dv.add(f"{mark_col}2:{mark_col}{max(n_rows + 1, 2)}")
    ws.add_data_validation(dv)


def _rule_registry() -> dict:
    try:
        from . import rules
        return dict(rules.REGISTRY)
    except Exception as e:  # a rule module being edited must not cost the audit list
        print(f"note: rule descriptions unavailable ({type(e).__name__}: {e})", file=sys.stderr)
        return {}


def summary_tables(rows: list[dict]) -> tuple[list[list], list[list]]:
    """(by rule: rule_id, rule severity (错误/警告/提示), doc, error, warning, info, total, reviewed;
    by county × severity)."""
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
        sev_of = getattr(rule, "severity", None)
        rule_rows.append([rid, SEVERITY_ZH.get(sev_of, sev_of), getattr(rule, "doc", None)]
                         + [c[s] for s in sev] + [sum(c[s] for s in sev), c["reviewed"]])
    rule_rows.sort(key=lambda x: (-x[3], -x[4], -x[6], x[0]))
    county_rows = [[k] + [c[s] for s in sev] + [sum(c[s] for s in sev)] for k, c in by_county.items()]
    county_rows.sort(key=lambda x: (-x[1], -x[2], -x[4], x[0]))
    return rule_rows, county_rows


def _summary_sheet(ws, rows: list[dict]) -> None:
    from openpyxl.styles import Alignment, Font
    rule_rows, county_rows = summary_tables(rows)
    sev = [SEVERITY_ZH[s] for s in SEVERITY_RANK]
    rule_head = ["规则编号", "规则严重程度", "规则说明", *sev, "合计", "已复核"]
    county_head = ["县区", *sev, "合计"]
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
    headers = [STALE_HEADER[c] for c in STALE_COLUMNS]
    _header(ws, headers)

    def shown(rv: dict, c: str):
        v = rv.get(c)
        if c == "reviewed_at" and v:
            return str(v)
        return SEVERITY_ZH.get(v, v) if c == "severity" else v
    values = [[shown(rv, c) for c in STALE_COLUMNS] for rv in stale]
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
    """Reviewer columns of every sheet that has the finding key and the mark column (the list and
    已失效复核), under the Chinese headers or the English ones of sheets handed out before #18."""
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
            head = [HEADER_NAMES.get("" if h is None else str(h).strip()) for h in next(it, ())]
            if "finding_key" not in head or "review_mark" not in head:
                continue
            found = True
            idx: dict[str, int] = {}
            for i, h in enumerate(head):
                if h:
                    idx.setdefault(h, i)
            for vals in it:
                get = lambda name: vals[idx[name]] if name in idx and idx[name] < len(vals) else None
                key = get("finding_key")
                if key is None or not str(key).strip():
                    continue
                mark, comment = normalise_mark(get("review_mark")), get("review_comment")
                comment = str(comment).strip() if comment is not None and str(comment).strip() else None
                if mark is None and comment is None:     # blank: nothing to record (and nothing erased)
                    continue
                rv = {"finding_key": str(key).strip(), "mark": mark, "comment": comment}
                rv.update({c: (None if get(c) is None else str(get(c))) for c in SNAPSHOT})
                rv["severity"] = SEVERITY_FROM_ZH.get(rv["severity"], rv["severity"])
                out[rv["finding_key"]] = rv
    finally:
        wb.close()
    if not found:
        raise ValueError(f"{path} has no sheet with the columns {XLSX_HEADER['finding_key']} (finding_key) and {MARK}; "
                         f"import the XLSX that "
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


def with_groups(reviews: Iterable[dict], live: dict[str, dict]) -> list[dict]:
    """Each review with the report group of its finding (group_id, group_key) and the finding as it is
    stored (the sheet shows it marked up: 【value】, 错误), when the finding still exists; a review of a
    vanished finding keeps what the sheet says."""
    out = []
    for rv in reviews:
        r = live.get(rv["finding_key"])
        if r:
            rv = dict(rv, **{c: (None if r.get(c) is None else str(r[c])) for c in SNAPSHOT},
                      group_id=r.get("group_id"), group_key=r.get("group_key"), path_key=r.get("path_key"))
        out.append(dict(rv))
    return out


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
        live = {r["finding_key"]: r for r in load_findings(con)}
        reviews = with_groups(reviews, live)
        stats = import_reviews(con, reviews, str(xlsx))
    finally:
        con.close()
    orphan = sum(1 for rv in reviews if rv["finding_key"] not in live)
    print(f"imported {len(reviews)} reviews from {printable(str(xlsx))}: {stats['new']} new, {stats['changed']} changed, "
          f"{stats['unchanged']} unchanged" + (f"; {orphan} refer to findings that no longer exist (sheet {SHEET_STALE})"
                                               if orphan else "")
          + f" / 已导入 {len(reviews)} 条复核", file=sys.stderr)
    return 0


def usable_cache(cache_dir: Path | None) -> Path | None:
    """The crop cache folder, created; None (render every crop afresh) when it cannot be written."""
    if cache_dir is None:
        return None
    try:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        probe = Path(cache_dir) / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        print(f"note: crops are not cached: cannot write {printable(str(cache_dir))} ({e.strerror or e}); "
              f"give a writable folder with --crop-cache / 截图缓存目录不可写", file=sys.stderr)
        return None
    return Path(cache_dir)


def _crop_note(stats: Counter) -> str | None:
    if stats.get("unavailable"):
        return (f"note: {stats['unavailable']} PDF findings without crops: pipeline/evidence.py is not available "
                f"/ 证据截图模块不可用")
    missing = {k: stats[k] for k in ("no_box", "no_file", "failed") if stats.get(k)}
    if not stats.get("pdf"):
        return None
    why = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in missing.items())
    first = f" (first: {stats['first_error']})" if stats.get("first_error") else ""
    return (f"crops: {stats['image']} of {stats['pdf']} PDF findings" + (f"; {why}{first}" if why else "")
            + " / 证据截图")


def xlsx_rows(con, rows: list[dict], crops: bool, cache_dir: Path | None) -> Counter:
    """What only the XLSX shows: the printed value (to mark it in the evidence) and the crops."""
    printed = stored.printed_values(con)
    for r in rows:
        r["printed"] = printed.get((r.get("doc_id"), r.get("field")))
    if not crops:
        for r in rows:
            r["crop"] = None
        return Counter()
    return attach_crops(con, rows, cache_dir)


def run_export(db: Path, fmt: str, out: str | None, severity: str | None, crops: bool = True,
               cache_dir: Path | None = None) -> int:
    from warehouse.store import connect
    con = connect(db, read_only=True)
    stats: Counter = Counter()
    try:
        rows, stale = audit_rows(con, severity)
        n_reports = stored.report_count(con)
        if fmt == "xlsx":
            cache = usable_cache(cache_dir or crop_cache_for(db)) if crops else None
            stats = xlsx_rows(con, rows, crops, cache)
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
        note = _crop_note(stats)
        if note:
            print(note, file=sys.stderr)
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
        cache = getattr(a, "crop_cache", None)
        return run_export(db, _format(a), getattr(a, "out", None), getattr(a, "severity", None),
                          crops=not getattr(a, "no_crops", False), cache_dir=Path(cache) if cache else None)
    except ValueError as e:
        print(f"error: {printable(str(e), newlines=True)}", file=sys.stderr)
        return 2
    except duckdb.Error as e:
        from warehouse.guard import problem
        why = problem(e, str(db)) or f"cannot use {db} as a DuckDB warehouse ({e}) / 无法读取数据库"
        print(f"error: {printable(why, newlines=True)}", file=sys.stderr)
        return 2
