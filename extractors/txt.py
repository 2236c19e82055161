"""Plain text and Markdown: encoding detection, then the three shapes pasted reports take —
a table flattened to one cell per line (tab-indented), tab-separated rows, and text copied from
a PDF (lines broken mid-sentence, double spacing, page numbers) — recovered into blocks."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from charset_normalizer import from_bytes

from .errors import ExtractionError
from .model import Block, Document, table_from_rows
from .normalize import normalize
from .structure import is_page_number, lines_to_blocks

MAX_TEXT_BYTES = 50 * 1024 * 1024
NUMERIC = re.compile(r"^[-+]?[\d,]+(\.\d+)?%?$|^[-—/]$")


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with. BOMs first, then UTF-8, then detection."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(enc), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if data[1::2].count(0) > len(data) // 4:
        return data.decode("utf-16-le", errors="replace"), "utf-16-le"
    if data[0::2].count(0) > len(data) // 4:
        return data.decode("utf-16-be", errors="replace"), "utf-16-be"
    best = from_bytes(data[:200_000]).best()
    enc = best.encoding if best else "gb18030"
    # GBK/GB2312 guesses are read as GB18030, their superset; Big5 stays Big5
    if enc.replace("_", "").lower() in ("gbk", "gb2312", "cp936", "hz"):
        enc = "gb18030"
    try:
        return data.decode(enc), enc
    except (UnicodeDecodeError, LookupError):
        return data.decode("gb18030", errors="replace"), "gb18030"


def _cell_per_line_tables(lines: list[str]) -> list:
    """Tab-indented one-cell-per-line runs (rows separated by blank lines) become tables."""
    out: list = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("\t") and lines[i].count("\t") == 1:
            rows, row = [], []
            j = i
            while j < len(lines) and (lines[j].startswith("\t") and lines[j].count("\t") == 1 or not lines[j].strip()):
                if lines[j].strip():
                    row.append(lines[j].strip())
                elif row:
                    rows.append(row)
                    row = []
                j += 1
            if row:
                rows.append(row)
            if len(rows) >= 2:
                out.append(_table(rows))
                i = j
                continue
        out.append(lines[i])
        i += 1
    return out


def _tab_rows(items: list) -> list:
    """Consecutive lines with tabs between cells become one table."""
    out: list = []
    run: list[list[str]] = []

    def flush():
        if len(run) >= 2:
            out.append(_table(run))
        else:
            out.extend("\t".join(r) for r in run)
        run.clear()

    for it in items:
        if isinstance(it, str) and "\t" in it.strip("\t ") :
            run.append([c.strip() for c in it.split("\t")])
        elif isinstance(it, str) and not it.strip() and run:
            continue
        else:
            flush()
            out.append(it)
    flush()
    return out


PIPE_ROW = re.compile(r"^[^|\n]*(?:\|[^|\n]*){2,}$")


def _pipe_cells(line: str) -> list[str]:
    """'| 决策 | 20 | 18 |' → ['决策', '20', '18']: a pipe at both ends is the border; a pipe at the
    start only is an empty first cell (a merged cell above), a pipe at the end only is a border."""
    t = line.strip()
    both = t.startswith("|") and t.endswith("|")
    cells = [c.strip() for c in t.split("|")]
    if both:
        cells = cells[1:]
    if t.endswith("|"):
        cells = cells[:-1]
    return cells


def _pipe_rows(items: list) -> list:
    """Consecutive lines of cells between pipes (a table pasted from a web page or written in
    markdown) become one table; a markdown rule line ('|---|---|') is dropped."""
    out: list = []
    run: list[list[str]] = []
    raw: list[str] = []

    def flush():
        if len(run) >= 2:
            out.append(_table(run))
        else:
            out.extend(raw)              # one pipe line alone stays a line as written
        run.clear()
        raw.clear()

    for it in items:
        if isinstance(it, str) and PIPE_ROW.match(it.strip()) and "|" in it.strip().strip("|"):
            if re.fullmatch(r"[\s|:\-—]+", it):
                continue
            run.append(_pipe_cells(it))
            raw.append(it)
        else:
            flush()
            out.append(it)
    flush()
    return out


SENTENCE_MARKS = re.compile(r"[，。；！？、：]")


def _spaced_row(line: str) -> list[str] | None:
    """A table row pasted from a PDF: labels, then figures ("决策 15 12 80%", "2 2021 318.46 0").
    Narrative broken around numbers ("截至 2022 年 12 月") interleaves words and figures, or
    carries sentence punctuation: not a row."""
    toks = line.split()
    if len(toks) < 3 or any(len(t) > 24 for t in toks) or SENTENCE_MARKS.search(line):
        return None
    kinds = "".join(("i" if re.fullmatch(r"\d{1,3}", t) else "n") if NUMERIC.match(t) else "w" for t in toks)
    if kinds[0] == "i" and "w" in kinds:
        kinds = kinds[1:]                   # a row number before the label
    kinds = kinds.replace("i", "n")
    if kinds.count("n") < 2 or not re.fullmatch(r"w*n+", kinds):
        return None
    return toks


def _next_row_after_note(items: list, j: int, width: int) -> int | None:
    """Index of the next row of the same table when only a few note lines (a 备注 cell that
    wrapped) stand between, else None."""
    seen = 0
    for k in range(j, min(len(items), j + 14)):
        it = items[k]
        if not isinstance(it, str):
            return None
        if not it.strip():
            continue
        r = _spaced_row(it)
        if r is not None:
            return k if abs(len(r) - width) <= 1 else None
        seen += 1
        if seen > 6 or len(it.strip()) > 40:
            return None
    return None


def _spaced_tables(items: list) -> list:
    """Rows copied from a PDF table ("决策 15 12 80%") under a header of the same width."""
    out: list = []
    i = 0
    while i < len(items):
        it = items[i]
        rows: list[list[str]] = []
        j = i
        while j < len(items) and isinstance(items[j], str):
            if not items[j].strip():
                j += 1
                continue
            r = _spaced_row(items[j])
            if r is None:
                if rows and _is_header_repeat(items[j], out, i):
                    j += 1            # the header repeated after a page break: same table
                    continue
                k = _next_row_after_note(items, j, len(rows[-1])) if len(rows) >= 1 else None
                if k is None:
                    break
                note = "".join(x.strip() for x in items[j:k] if isinstance(x, str))
                rows[-1] = rows[-1] + [note]
                j = k
                continue
            rows.append(r)
            j += 1
        if len(rows) >= 2:
            widths = Counter(len(r) for r in rows)
            width = max(widths, key=lambda w: (widths[w], w))
            header = out[-1] if out and isinstance(out[-1], str) else None
            while header is not None and not header.strip() and len(out) > 1:
                out.pop()
                header = out[-1] if isinstance(out[-1], str) else None
            htoks = header.split() if header else []
            if htoks and width <= len(htoks) <= width + 1 and not any(NUMERIC.match(t) for t in htoks) \
                    and not SENTENCE_MARKS.search(header):
                out.pop()
                width = len(htoks)
                rows = [_fit(r, width) for r in rows]
                rows.insert(0, htoks)
            else:
                rows = [_fit(r, width) for r in rows]
            out.append(_table(_right_align(rows)))
            i = j
            continue
        out.append(it)
        i += 1
    return out


def _right_align(rows: list[list[str]]) -> list[list[str]]:
    """A summary row ('合计 612.38 17.42 0 629.80') has no row number and no note: move its
    figures right so the last one sits under the last figure column of the full rows."""
    last = max((k for r in rows for k, c in enumerate(r) if c and NUMERIC.match(c) and len(r) > 2), default=None)
    if last is None:
        return rows
    out = []
    for r in rows:
        figs = [k for k, c in enumerate(r) if c and NUMERIC.match(c)]
        if figs and figs[-1] < last and all(not c for c in r[figs[-1] + 1:]) and not NUMERIC.match(r[0]):
            shift = last - figs[-1]
            first = figs[0]
            r = r[:first] + [""] * shift + r[first:len(r) - shift]
        out.append(r)
    return out


def _fit(row: list[str], width: int) -> list[str]:
    """Fold a spaced-out label ('合 计 100 …'), and right-align a short row's figures under
    their columns ('合计 612.38 …' under '序号 年度 …')."""
    row = _fold_label(row, width)
    return row + [""] * (width - len(row))


def _is_header_repeat(line: str, out: list, i: int) -> bool:
    prev = next((x for x in reversed(out) if isinstance(x, str) and x.strip()), None)
    return prev is not None and line.split() == prev.split()


def _fold_label(row: list[str], width: int) -> list[str]:
    """'合 计 100 …' has one token too many: the label was spaced out."""
    while len(row) > width and not NUMERIC.match(row[0]) and not NUMERIC.match(row[1]):
        row = [row[0] + row[1]] + row[2:]
    return row


def _table(rows: list[list[str]]) -> Block:
    return table_from_rows([[normalize(c) for c in r] for r in rows])


def _drop_page_numbers(lines: list[str]) -> tuple[list[str], int]:
    """Standalone page numbers form an increasing sequence; a lone '100' in a table does not."""
    cand = [(i, int(re.sub(r"\D", "", s))) for i, s in enumerate(lines)
            if is_page_number(s) and re.sub(r"\D", "", s) and not s.startswith("\t")]
    if len(cand) < 3:
        return lines, 0
    rising = sum(1 for (_, a), (_, b) in zip(cand, cand[1:]) if 0 < b - a <= 3)
    if rising < 0.7 * (len(cand) - 1):
        return lines, 0
    drop = {i for i, _ in cand}
    return [s for i, s in enumerate(lines) if i not in drop], len(drop)


def extract(path: Path) -> Document:
    data = Path(path).read_bytes()
    if len(data) > MAX_TEXT_BYTES:
        raise ExtractionError(f"text file is {len(data) // 2**20} MB, over the {MAX_TEXT_BYTES // 2**20} MB limit "
                              "/ 文本文件过大，请拆分后再导入")
    text, enc = decode(data)
    fmt = "md" if Path(path).suffix.lower() in (".md", ".markdown") else "txt"
    return text_to_document(text, str(path), fmt, encoding=enc)


def text_to_document(text: str, source_path: str, fmt: str = "txt", encoding: str = "utf-8") -> Document:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # bound the cost of pathological single-line files: wrap very long lines
    lines = []
    for ln in text.split("\n"):
        while len(ln) > 5000:
            lines.append(ln[:5000])
            ln = ln[5000:]
        lines.append(re.sub(r"^\*\*|\*\*$|^#+\s*", "", ln.rstrip()) if fmt == "md" else ln.rstrip())
    lines, removed = _drop_page_numbers(lines)
    nonblank = [i for i, s in enumerate(lines) if s.strip()]
    double = sum(1 for i in nonblank if i + 1 < len(lines) and not lines[i + 1].strip())
    items = _cell_per_line_tables(lines)
    items = _tab_rows(items)
    items = _pipe_rows(items)
    items = _spaced_tables(items)
    if nonblank and double > 0.6 * len(nonblank):
        # double-spaced paste from a PDF: a blank line is a line break, not a paragraph end
        items = [it for it in items if not (isinstance(it, str) and not it.strip())]
    seq = [it if isinstance(it, Block) else (normalize(it), None) for it in items]
    doc = Document(source_path, fmt, meta={"encoding": encoding, "page_numbers_removed": removed})
    from .model import assemble
    return assemble(doc, lines_to_blocks(seq))
