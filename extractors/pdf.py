"""PDF with a text layer. pypdfium2 reads the text of every page. A page that draws a few path
objects may hold ruled tables: ``pdf_tables`` finds them from the page's vector drawing (ruling
segments → grid, the same grid logic as scanned pages in ``ocr_tables``), reads each cell's text
from the text layer and the text between tables band by band, and returns the page as text lines
and table blocks, top to bottom. Where that finder is unsure (rotated page, text beside a table,
tables side by side, crossing rules that make no grid) the page goes through pdfplumber's table
finder (pdfminer, ~20× slower) instead. ``meta["table_finder"]`` lists the pages each finder read;
``JIXIAO_PDF_TABLES=pdfplumber`` sends every table page through pdfplumber (for comparison).
Merged cells become spans, multi-line cells are joined, and a table that runs onto the next page
is joined into one. Pages without a text layer are handed to OCR when it is installed, else the
file is `needs_ocr` (when they are at least half of it; fewer are left out, named in the warnings
and ``meta["pages_lost"]``, and the report is stored `partial`); so are pages whose text layer decodes to garbage (``textlayer.judge``: fonts
without a true /ToUnicode map), listed with the reason in ``meta["ocr_reasons"]``."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Encrypted, ExtractionError, NeedsOCR
from .geometry import page_geometry
from .model import TABLE, Block, Cell, Document, assemble, note_loss
from .normalize import normalize
from .structure import lines_to_blocks, strip_furniture
from .textlayer import REASON as TEXT_LAYER_UNREADABLE
from .textlayer import judge as judge_text_layer

MIN_PATHS_FOR_TABLE = 4       # a ruled table draws at least a few path objects
MIN_CHARS_TEXT_PAGE = 20      # fewer characters than this: the page has no usable text layer


def _open(path: Path):
    import pypdfium2 as pdfium
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise Encrypted("PDF is encrypted with a password / PDF 已加密，请提供无密码版本")
        raise ExtractionError(f"PDF could not be read ({msg}); the file may be truncated or corrupt "
                              "/ PDF 无法读取，文件可能不完整或已损坏")


def _path_count(page) -> int:
    """Path objects at the page's top level, counted up to MIN_PATHS_FOR_TABLE (through the raw
    API: ``page.get_objects()`` builds a Python wrapper per text object, ~1 ms a page)."""
    import pypdfium2.raw as raw
    n = 0
    for k in range(raw.FPDFPage_CountObjects(page)):
        if raw.FPDFPageObj_GetType(raw.FPDFPage_GetObject(page, k)) == raw.FPDF_PAGEOBJ_PATH:
            n += 1
            if n >= MIN_PATHS_FOR_TABLE:
                break
    return n


def _has_image(page) -> bool:
    """Whether the page draws an image (at its top level or inside a form XObject): only such a
    page can hold a scan. A page with a few characters and no image (a closing date, a blank
    back page) has nothing for OCR to read."""
    import pypdfium2.raw as raw

    def walk(count, get, depth: int) -> bool:
        for k in range(count):
            obj = get(k)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_IMAGE:
                return True
            if kind == raw.FPDF_PAGEOBJ_FORM and depth < 8 and walk(
                    raw.FPDFFormObj_CountObjects(obj), lambda j, o=obj: raw.FPDFFormObj_GetObject(o, j), depth + 1):
                return True
        return False
    return walk(raw.FPDFPage_CountObjects(page), lambda k: raw.FPDFPage_GetObject(page, k), 0)


def _cell_text(t: str | None) -> str:
    if not t:
        return ""
    t = re.sub(r"\s*\n\s*", "\n", t.strip())
    # a line break inside Chinese text is wrapping, between Latin words it is a space
    t = re.sub(r"(?<=[A-Za-z0-9.,%])\n(?=[A-Za-z])", " ", t)
    return normalize(t.replace("\n", ""))


def _grid_to_block(rows: list[list[str | None]], page: int) -> Block:
    """pdfplumber marks merged areas with None: extend the cell to the left / above."""
    cells: list[Cell] = []
    owner: dict[tuple[int, int], Cell] = {}
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is None:
                left = owner.get((i, j - 1))
                up = owner.get((i - 1, j))
                if left is not None and left.row == i:
                    left.colspan = j - left.col + 1
                    owner[(i, j)] = left
                elif up is not None and up.col == j or (up is not None and up.col + up.colspan > j):
                    if up.row + up.rowspan == i:
                        up.rowspan += 1
                    owner[(i, j)] = up
                continue
            c = Cell(i, j, _cell_text(v))
            cells.append(c)
            owner[(i, j)] = c
    return Block(TABLE, "", page=page, cells=cells)


def _plumber_block(table, rows: list[list[str | None]], page: int) -> Block:
    """A pdfplumber table as a Block, spans taken from the cells' boxes: rows are the distinct
    cell tops, columns the distinct cell lefts (as pdfplumber lays out ``extract()``), and a
    cell spans every boundary it covers. (Guessing spans from the ``None`` holes alone reads
    a two-row header cell as a wide cell of the row below.)"""
    boxes = [b for b in table.cells]
    if not boxes:
        return _grid_to_block(rows, page)
    tops = sorted({b[1] for b in boxes})
    lefts = sorted({b[0] for b in boxes})
    texts: dict[tuple[int, int], str | None] = {}
    for i, (row, prow) in enumerate(zip(rows, table.rows)):
        for j, (v, box) in enumerate(zip(row, prow.cells)):
            if box is not None:
                texts[(i, j)] = v
    cells = []
    for b in boxes:
        r, c = tops.index(b[1]), lefts.index(b[0])
        rs = max(1, sum(1 for y in tops if b[1] <= y < b[3]))
        cs = max(1, sum(1 for x in lefts if b[0] <= x < b[2]))
        cells.append(Cell(r, c, _cell_text(texts.get((r, c))), rs, cs))
    cells.sort(key=lambda c: (c.row, c.col))
    return Block(TABLE, "", page=page, cells=cells)


def _cells_to_block(cells: list[tuple[int, int, int, int, str]], page: int) -> Block:
    return Block(TABLE, "", page=page, cells=[Cell(r, c, t, rs, cs) for r, c, rs, cs, t in cells])


def table_finder() -> str:
    """``vector`` (default): tables from the page's drawing, pdfplumber only where that finder
    is unsure; ``pdfplumber``: every table page through pdfplumber (the old way, for comparison)."""
    v = os.environ.get("JIXIAO_PDF_TABLES", "vector").strip().lower()
    return v if v in ("vector", "pdfplumber") else "vector"


def _table_page(plumber_page, page_no: int) -> list:
    """Lines of text outside tables, and the tables, in reading order (top to bottom)."""
    found = plumber_page.find_tables()
    items = []
    boxes = [t.bbox for t in found]
    for t in found:
        rows = t.extract()
        if rows and len(rows) >= 1 and max(len(r) for r in rows) >= 2:
            items.append((t.bbox[1], _plumber_block(t, rows, page_no)))

    def outside(obj):
        x = (obj.get("x0", 0) + obj.get("x1", 0)) / 2
        y = (obj.get("top", 0) + obj.get("bottom", 0)) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    rest = plumber_page.filter(outside) if boxes else plumber_page
    for ln in rest.extract_text_lines(strip=True):
        items.append((ln["top"], ln["text"]))
    items.sort(key=lambda it: it[0])
    return [it[1] for it in items]


def _continues(prev: Block, nxt: Block) -> bool:
    return prev.n_cols == nxt.n_cols and prev.page is not None and nxt.page == prev.page + 1


def _join(prev: Block, nxt: Block) -> None:
    header = prev.grid()[0] if prev.n_rows else []
    rows = nxt.grid(fill=False)
    skip = 0
    while skip < len(rows) and skip < 3 and rows[skip] == prev.grid(fill=False)[skip]:
        skip += 1   # repeated header rows
    if skip == 0 and rows and nxt.grid()[0] == header:
        skip = 1
    base = prev.n_rows
    for c in nxt.cells:
        if c.row < skip:
            continue
        prev.cells.append(Cell(base + c.row - skip, c.col, c.text, c.rowspan, c.colspan))


@dataclass
class _Pages:
    """What the first pass over the file found, page by page (0-based indexes)."""
    n: int
    lines: list[list] = field(default_factory=list)     # per page: text lines and table blocks
    table_pages: list[int] = field(default_factory=list)
    textless: list[int] = field(default_factory=list)   # for OCR: no text layer, or an unreadable one
    plumber: list[int] = field(default_factory=list)    # table pages pdfplumber must read
    vector: list[int] = field(default_factory=list)     # table pages the vector finder read
    unreadable: dict[int, str] = field(default_factory=dict)  # 1-based page → why its text layer was not used
    geometry: dict = field(default_factory=dict)        # 1-based page → PageGeometry (character boxes)


def _split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def page_to_items(page, page_no: int, use_vector: bool, geometry: dict | None = None) -> tuple[str, list, str | None]:
    """One pypdfium2 page → (kind, items, why): ``text`` (its lines), ``table`` (lines and table
    blocks from the vector finder), ``plumber`` (a table page pdfplumber must read), ``scan`` (no
    text layer) or ``unreadable`` (a text layer that decodes to garbage; ``why`` says how). With
    ``geometry`` (a dict), a page with a readable text layer also leaves its characters' boxes
    there under ``page_no`` (extractors/geometry.py)."""
    textpage = page.get_textpage()
    text = textpage.get_text_bounded()
    if len(text.strip()) < MIN_CHARS_TEXT_PAGE and _has_image(page):
        return "scan", [], None
    verdict = judge_text_layer(text)
    if not verdict.readable:    # fonts without a true Unicode map: the page is read like a scan
        return "unreadable", [], f"{TEXT_LAYER_UNREADABLE} ({verdict.why})"
    if geometry is not None:
        try:
            geo = page_geometry(page, textpage)
        except Exception:   # boxes are extra: a page whose character boxes fail is still read
            geo = None
        if geo is not None:
            geometry[page_no] = geo
    if _path_count(page) < MIN_PATHS_FOR_TABLE:
        return "text", _split_lines(text), None
    if use_vector:
        from .pdf_tables import table_page
        try:
            items = table_page(page, textpage, page_no, _cell_text, _cells_to_block)
        except Exception:   # a drawing it cannot walk: pdfplumber reads the page (meta shows it)
            items = None
        if items is not None:
            return "table", items, None
    return "plumber", [], None


def path_to_pages(path: Path) -> _Pages:
    """First pass through pypdfium2: every page's text lines, or a note of who must read it."""
    pdf = _open(path)
    try:
        pages = _Pages(len(pdf))
        use_vector = table_finder() == "vector"
        # character boxes cost ~2 ms a page; JIXIAO_BOXES=0 leaves them out (no boxes, no crops)
        boxes = os.environ.get("JIXIAO_BOXES", "1").strip() != "0"
        for i in range(pages.n):
            kind, items, why = page_to_items(pdf[i], i + 1, use_vector, pages.geometry if boxes else None)
            pages.lines.append(items)
            if kind in ("scan", "unreadable"):
                pages.textless.append(i)
            if why is not None:
                pages.unreadable[i + 1] = why
            if kind in ("table", "plumber"):
                pages.table_pages.append(i)
                (pages.vector if kind == "table" else pages.plumber).append(i)
    finally:
        pdf.close()
    return pages


def _refuse_empty(pages: _Pages) -> None:
    if pages.n == 0:
        raise ExtractionError("PDF has no pages / PDF 没有页面")
    if not pages.textless and not pages.plumber and not any(
            isinstance(x, Block) or x.strip() for items in pages.lines for x in items):
        raise ExtractionError(f"all {pages.n} PDF pages are blank (no text, no images) / PDF 页面全部空白")


def plumber_pages_to_items(path: Path, page_nos: list[int]) -> dict[int, list]:
    """The table pages the vector finder left, read by pdfplumber (0-based page → items)."""
    import pdfplumber
    try:
        with pdfplumber.open(str(path)) as pl:
            return {i: _table_page(pl.pages[i], i + 1) for i in page_nos}
    except Exception as e:  # pdfminer raises many kinds on damaged files
        raise ExtractionError(f"PDF tables could not be read ({type(e).__name__}: {e}) / PDF 表格无法读取")


def _refuse_mostly_scanned(pages: _Pages, ocr: bool) -> None:
    """At least half the pages need OCR and it cannot run: the file is `needs_ocr` (fewer are
    left out and named, see ``_name_lost_pages``)."""
    from . import ocr as ocr_mod
    n, textless, unreadable = pages.n, pages.textless, pages.unreadable
    if not (len(textless) == n or len(textless) >= max(1, n * 0.5)):
        return
    if not ocr or not ocr_mod.available():
        what = ("have no text layer (scanned)" if not unreadable else
                f"have no usable text layer ({len(unreadable)} decode to garbage: fonts without a Unicode map)")
        raise NeedsOCR(f"{len(textless)} of {n} pages {what}; install OCR "
                       "(make setup-ocr) to read them / 扫描件或文字层无法解码，需要 OCR")


def textless_to_ocr(path: Path, pages: _Pages, meta: dict) -> tuple[dict | None, list[int]]:
    """OCR the pages without a usable text layer into ``pages.lines``; returns the OCR result and
    the (0-based) pages too large to render, which are dropped from ``pages.textless``."""
    from . import ocr as ocr_mod
    # a page too large to render (its size is the file's claim) is left out, not rendered
    too_large = ocr_mod.too_large_pages(path, pages.textless)
    if too_large and len(too_large) == pages.n:
        raise ExtractionError(ocr_mod.too_large_reason(too_large))
    pages.textless = [i for i in pages.textless if i not in too_large]
    ocr_result = ocr_mod.ocr_pages(path, pages.textless)
    for i, items in ocr_result.items():
        pages.lines[i] = items
    try:
        pages.geometry.update(ocr_geometry(path, ocr_result))
    except Exception:       # boxes are extra: the OCR'd text is kept without them
        pass
    meta["ocr_pages"] = [p + 1 for p in pages.textless]
    meta["ocr_confidence"] = ocr_mod.page_confidence(ocr_result)
    meta["ocr_cells"] = ocr_mod.cell_evidence(ocr_result)
    meta["ocr_reasons"] = {p + 1: pages.unreadable.get(p + 1, "no text layer") for p in pages.textless}
    return ocr_result, too_large


def ocr_geometry(path: Path, ocr_result: dict[int, list]) -> dict:
    """1-based page → PageGeometry of OCR'd pages: each text line's characters share its box, each
    table cell's its cell box (pixels of the page image, at the dpi OCR rendered it, → points)."""
    from . import ocr as ocr_mod
    from .geometry import PageGeometry
    pdf = _open(path)
    try:
        sizes = {i: pdf[i].get_size() for i in ocr_result}
    finally:
        pdf.close()
    out = {}
    for i, items in ocr_result.items():
        w, h = sizes[i]
        dpi = ocr_mod.render_dpi(w, h)
        if not dpi:
            continue
        k = 72.0 / dpi
        geo = PageGeometry(width=w, height=h)
        for it in items:
            if isinstance(it, Block):
                for cell, box in zip(it.cells, getattr(it, "cell_boxes", None) or []):
                    geo.add(cell.text, tuple(v * k for v in box))
            elif getattr(it, "box", None) is not None:
                geo.add(str(it), tuple(v * k for v in it.box))
        out[i + 1] = geo
    return out


def items_to_seq(page_lines: list[list], cleaned: list[list[str]]) -> list:
    """Pages' items → one sequence of (line, page) and table blocks, without the furniture lines
    ``strip_furniture`` removed, a table continued on the next page joined to its start."""
    seq: list = []
    prev_table: Block | None = None
    for pno, (items, keep) in enumerate(zip(page_lines, cleaned), start=1):
        keep_count: dict[str, int] = {}
        for k in keep:
            keep_count[k] = keep_count.get(k, 0) + 1
        for it in items:
            if isinstance(it, Block):
                if prev_table is not None and _continues(prev_table, it) and seq and seq[-1] is prev_table:
                    _join(prev_table, it)
                    continue
                seq.append(it)
                prev_table = it
            elif keep_count.get(it, 0) > 0:
                keep_count[it] -= 1
                if it.strip():
                    seq.append((normalize(it), pno))
    return seq


def extract(path: Path, ocr: bool = True) -> Document:
    path = Path(path)
    pages = path_to_pages(path)
    _refuse_empty(pages)
    meta: dict = {"table_pages": [p + 1 for p in pages.table_pages],
                  "table_finder": {"vector": [p + 1 for p in pages.vector],
                                   "pdfplumber": [p + 1 for p in pages.plumber]}}
    if pages.plumber:
        for i, items in plumber_pages_to_items(path, pages.plumber).items():
            pages.lines[i] = items
    ocr_result, too_large = None, []
    if pages.textless:
        _refuse_mostly_scanned(pages, ocr)
        from . import ocr as ocr_mod
        if ocr and ocr_mod.available():
            ocr_result, too_large = textless_to_ocr(path, pages, meta)
    cleaned, removed = strip_furniture([[x for x in items if isinstance(x, str)] for items in pages.lines])
    meta["furniture_removed"] = removed
    doc = assemble(Document(str(path), "pdf", pages=pages.n, meta=meta, geometry=pages.geometry),
                   lines_to_blocks(items_to_seq(pages.lines, cleaned)))
    if ocr_result is not None:
        from . import ocr as ocr_mod
        ocr_mod.mark_confidence(doc, ocr_result)
    unread = pages.unreadable
    _name_lost_pages(doc, [i + 1 for i in pages.textless if i + 1 not in unread], unread, too_large)
    return doc


def _name_lost_pages(doc: Document, scanned: list[int], unreadable: dict[int, str], too_large: list[int]) -> None:
    """Say which pages were left out and why, one warning per cause, and list them (1-based) in
    ``meta["pages_lost"]``: the report is then stored as `partial`, never silently short
    (docling's partial success). ``scanned``: pages without a text layer (1-based), lost when OCR
    did not run; ``unreadable``: pages whose text layer is garbage; ``too_large``: 0-based pages
    OCR would not render."""
    ocr_read = "ocr_pages" in doc.meta
    lost = {i + 1 for i in too_large}
    if too_large:
        from . import ocr as ocr_mod
        note_loss(doc, ocr_mod.too_large_reason(too_large))
    if scanned and not ocr_read:
        shown = ", ".join(map(str, scanned))
        note_loss(doc, f"page(s) {shown}: no text layer (scanned) and OCR is not installed, so not read; install "
                       f"OCR (make setup-ocr) and ingest again / 第 {shown} 页为扫描页，未安装 OCR，未识别")
        lost |= set(scanned)
    if unreadable:
        doc.meta["text_layer_unreadable"] = unreadable
        done = "read by OCR instead / 文字层无法解码，已按扫描件识别" if ocr_read else \
            "not read: install OCR (make setup-ocr) / 文字层无法解码，需要 OCR"
        msg = f"page(s) {', '.join(map(str, unreadable))}: {TEXT_LAYER_UNREADABLE} (fonts without a true Unicode map), {done}"
        if ocr_read:
            doc.warnings.append(msg)
        else:
            note_loss(doc, msg)
            lost |= set(unreadable)
    if lost:
        doc.meta["pages_lost"] = sorted(lost)
