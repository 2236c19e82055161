"""Evidence a reviewer can see (issue #18): the page region around a value's box, the box outlined.

A value read from a PDF keeps its box on the page (``x0, y0, x1, y1`` in PDF points, origin at the
page's top-left, y downwards, with the page size; migration 009). ``crop_png`` renders that region
with pypdfium2 at a readable size (about 110 dpi, a few lines of margin) and outlines the box in
red; ``box_for`` finds a report field's box in the warehouse, ``finding_crop`` a finding's crop.
The audit sheet, the HTML report card and ``python -m pipeline evidence`` all call these, so a
crop looks the same everywhere. Renders are cached on disk by (file or doc_id, page, box, dpi).

Nothing here raises for a report without a crop: a DOCX or TXT source, a PDF moved or deleted
since ingest, a value without a box — ``box_for``/``finding_crop`` return None.
"""
from __future__ import annotations

import hashlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from warehouse import evidence as stored

MIN_CROP_WIDTH_PT = 300.0     # a short value is shown with its line around it, not alone
OUTLINE = (220, 20, 20)       # the box, in red


@dataclass(frozen=True)
class Box:
    """A value's place on a PDF page: page 1-based; points, origin top-left, y downwards."""
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    page_width: float
    page_height: float

    @classmethod
    def from_row(cls, row: dict) -> "Box | None":
        """The box of a row holding ``page, x0, y0, x1, y1, page_width, page_height`` (None if incomplete)."""
        try:
            vals = [row[k] for k in ("page", "x0", "y0", "x1", "y1", "page_width", "page_height")]
        except (KeyError, TypeError):
            return None
        if any(v is None for v in vals):
            return None
        return cls(int(vals[0]), *(float(v) for v in vals[1:]))


# ---------------------------------------------------------------- rendering

def crop_region(box: Box, width: float, height: float, margin_pt: float = 28.0) -> tuple[float, float, float, float]:
    """The region (left, top, right, bottom, in points on a page of this size) shown around a box:
    the box plus the margin, widened to MIN_CROP_WIDTH_PT, clipped to the page. The box is first
    scaled to the page's size, in case the page is not the size it was read at."""
    sx = width / box.page_width if box.page_width else 1.0
    sy = height / box.page_height if box.page_height else 1.0
    x0, x1, y0, y1 = box.x0 * sx, box.x1 * sx, box.y0 * sy, box.y1 * sy
    left, right = x0 - margin_pt, x1 + margin_pt
    if right - left < MIN_CROP_WIDTH_PT:
        grow = (MIN_CROP_WIDTH_PT - (right - left)) / 2
        left, right = left - grow, right + grow
    left, right = max(0.0, left), min(width, right)
    top, bottom = max(0.0, y0 - margin_pt), min(height, y1 + margin_pt)
    return left, top, max(right, left + 1), max(bottom, top + 1)


def _cache_path(cache_dir: Path, ident: str, box: Box, dpi: int, margin_pt: float) -> Path:
    key = f"{ident}|{box.page}|{box.x0:.1f},{box.y0:.1f},{box.x1:.1f},{box.y1:.1f}|{dpi}|{margin_pt:.1f}"
    return Path(cache_dir) / (hashlib.sha1(key.encode("utf-8")).hexdigest()[:24] + ".png")


def _file_ident(path: Path) -> str:
    """The file's content hash (a crop of other bytes at the same path must not be served)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def render_crop(pdf_path: Path, box: Box, dpi: int, margin_pt: float) -> bytes:
    """The PNG of the region around the box on its page, the box outlined in red."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        if not 1 <= box.page <= len(pdf):
            raise ValueError(f"page {box.page} is not in {pdf_path} ({len(pdf)} pages)")
        page = pdf[box.page - 1]
        width, height = page.get_size()
        left, top, right, bottom = crop_region(box, width, height, margin_pt)
        scale = dpi / 72.0
        # pypdfium2 crops by the amount taken off each side: left, bottom, right, top
        img = page.render(scale=scale, crop=(left, height - bottom, width - right, top)).to_pil().convert("RGB")
    finally:
        pdf.close()
    sx = width / box.page_width if box.page_width else 1.0
    sy = height / box.page_height if box.page_height else 1.0
    rect = [(box.x0 * sx - left) * scale - 2, (box.y0 * sy - top) * scale - 2,
            (box.x1 * sx - left) * scale + 2, (box.y1 * sy - top) * scale + 2]
    ImageDraw.Draw(img).rectangle(rect, outline=OUTLINE, width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def crop_png(pdf_path: str | Path, box: Box, *, dpi: int = 110, margin_pt: float = 28.0,
             cache_dir: Path | None = None, doc_id: str | None = None) -> bytes:
    """PNG bytes of the page region around ``box`` (the box outlined in red) at ``dpi``, with
    ``margin_pt`` points of the page around it (about two lines). With ``cache_dir`` the render is
    kept there, keyed by the file's content (or ``doc_id`` when given), page, box and dpi, and
    served from there next time. Raises for a file that is not a readable PDF or a page it lacks
    (the look-ups ``finding_crop``/``field_crop`` turn that into None)."""
    pdf_path = Path(pdf_path)
    cached = None
    if cache_dir is not None:
        cached = _cache_path(Path(cache_dir), doc_id or _file_ident(pdf_path), box, dpi, margin_pt)
        if cached.is_file():
            return cached.read_bytes()
    png = render_crop(pdf_path, box, dpi, margin_pt)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp")
            tmp.write_bytes(png)
            tmp.replace(cached)        # two exports at once never read half a file
        except OSError as e:           # a full or read-only cache only costs speed
            print(f"note: crop cache not written ({e})", file=sys.stderr)
    return png


# ---------------------------------------------------------------- look-ups through the warehouse

def _open(db):
    """(connection, whether we opened it): a path is opened read-only, a connection used as is."""
    if isinstance(db, (str, Path)):
        from warehouse.store import connect
        return connect(db, read_only=True), True
    return getattr(db, "con", db), False


def box_for(con_or_warehouse, doc_id: str, field: str) -> Box | None:
    """The box of a report's value: ``total_score`` (a scalar's provenance) or ``indicators[3].score``
    (the fourth indicator row; also fund_sources, expense_details, targets). None when the report has
    no box for it (DOCX/TXT source, a value not found on the page, a warehouse before migration 009)."""
    con, mine = _open(con_or_warehouse)
    try:
        row = stored.field_box(con, doc_id, field)
    finally:
        if mine:
            con.close()
    return Box.from_row(row) if row else None


def source_pdf(con_or_warehouse, doc_id: str) -> Path | None:
    """The first PDF file holding this report that is still on disk, or None."""
    con, mine = _open(con_or_warehouse)
    try:
        paths = stored.pdf_paths(con, doc_id)
    finally:
        if mine:
            con.close()
    for p in paths:
        if Path(p).is_file():
            return Path(p)
    return None


def _safe_crop(pdf: Path | None, box: Box | None, cache_dir, doc_id: str | None) -> bytes | None:
    if pdf is None or box is None:
        return None
    try:
        return crop_png(pdf, box, cache_dir=cache_dir, doc_id=doc_id)
    except Exception as e:      # a damaged or replaced file: the caller shows the text evidence instead
        print(f"note: no crop from {pdf} page {box.page}: {e}", file=sys.stderr)
        return None


def field_crop(db, doc_id: str, field: str, cache_dir: Path | None = None) -> bytes | None:
    """The crop of a report's value (see ``box_for``), or None when there is none to draw."""
    con, mine = _open(db)
    try:
        box, pdf = box_for(con, doc_id, field), source_pdf(con, doc_id)
    finally:
        if mine:
            con.close()
    return _safe_crop(pdf, box, cache_dir, doc_id)


def row_crop(row: dict, cache_dir: Path | None = None, db=None) -> bytes | None:
    """The crop of a finding row as the audit list reads it (``doc_id``, ``source_path``, ``page`` and
    the box columns). The row's own source is used when it is a PDF on disk; else, with ``db``,
    another PDF file holding the report."""
    box = Box.from_row(row)
    if box is None and db is not None and row.get("field") and row.get("doc_id"):
        box = box_for(db, row["doc_id"], row["field"])      # a finding stored without its value's box
    if box is None:
        return None
    src = row.get("source_path")
    pdf = Path(src) if src and str(src).lower().endswith(".pdf") and Path(src).is_file() else None
    if pdf is None and db is not None and row.get("doc_id"):
        pdf = source_pdf(db, row["doc_id"])
    return _safe_crop(pdf, box, cache_dir, row.get("doc_id"))


def find_finding(db, finding_key: str) -> dict | None:
    """The finding (audit-list row, with its box columns) whose finding_key is this, or None."""
    from .audit import load_findings
    con, mine = _open(db)
    try:
        for r in load_findings(con):
            if r.get("finding_key") == finding_key:
                return r
    finally:
        if mine:
            con.close()
    return None


def finding_crop(db, finding_key: str, cache_dir: Path | None = None) -> bytes | None:
    """The crop of a finding (by its finding_key from the audit list), or None when the finding is
    unknown, has no box or its PDF is gone."""
    con, mine = _open(db)
    try:
        row = find_finding(con, finding_key)
        return row_crop(row, cache_dir, db=con) if row else None
    finally:
        if mine:
            con.close()


# ---------------------------------------------------------------- the `evidence` command

class NoEvidence(ValueError):
    """Why a crop cannot be drawn, in words the user can act on (the command exits 2)."""


def _why_none(con, doc_id: str, field: str | None) -> str:
    """Why a report field has no crop: no such report, not a PDF, the file gone, or no box."""
    paths = stored.pdf_paths(con, doc_id)
    fmt = stored.report_format(con, doc_id)
    if fmt is None:
        return (f"no report with doc_id {doc_id} in this warehouse; list them with "
                f"`python -m pipeline query --db FILE \"SELECT doc_id, source_path FROM reports\"` / 仓库中没有该报告")
    if not paths:
        return (f"report {doc_id} was read from a {fmt.upper()} file, which has no page geometry: see its evidence "
                f"text and locator in the provenance table / 该报告来自 {fmt.upper()} 文件，无页面坐标，无法截图")
    if not any(Path(p).is_file() for p in paths):
        return (f"the PDF of report {doc_id} is no longer at {paths[0]}; put it back or ingest it again "
                f"/ 源 PDF 文件已不存在，请放回原处或重新导入")
    loc = stored.field_locator(con, doc_id, field) if field else None
    if field and loc is None:
        return (f"report {doc_id} has no value for field {field!r} (fields: see the provenance table, or "
                f"`python -m pipeline extract FILE`) / 该报告没有此字段")
    return (f"the value of {field} was not found on its page (no box stored: a warehouse ingested before boxes, "
            f"or text the page does not print as such); ingest the file again with --force / 该值没有页面坐标")


def crop_command(db: Path, what: list[str], cache_dir: Path | None = None) -> bytes:
    """The crop ``python -m pipeline evidence`` writes: ``[FINDING_KEY]`` or ``[DOC_ID, FIELD]``.
    Raises NoEvidence saying why when there is none."""
    if len(what) not in (1, 2):
        raise NoEvidence("give one FINDING_KEY (from the audit list) or a DOC_ID and a FIELD, e.g. "
                         "`evidence --db FILE 3fa2c1d09e8b7a65 --out x.png` or `evidence --db FILE <doc_id> total_score "
                         "--out x.png` / 请给出 finding_key，或 doc_id 与字段名")
    con, _ = _open(db)
    try:
        if len(what) == 1:
            row = find_finding(con, what[0])
            if row is None:
                raise NoEvidence(f"no finding with key {what[0]}; the keys are in the audit list "
                                 f"(`python -m pipeline audit --db {db} --format csv`) / 没有该 finding_key")
            png = row_crop(row, cache_dir, db=con)
            if png is None:
                raise NoEvidence(_why_none(con, row["doc_id"], row.get("field")) if row.get("doc_id") else
                                 "this finding is about the whole corpus, not one report's page / 该问题不针对单份报告")
            return png
        png = field_crop(con, what[0], what[1], cache_dir)
        if png is None:
            raise NoEvidence(_why_none(con, what[0], what[1]))
        return png
    finally:
        con.close()


def main(a) -> int:
    """``python -m pipeline evidence``: write the crop to ``--out``."""
    db = Path(a.db)
    if not db.is_file():
        raise NoEvidence(f"no warehouse at {db}; give --db FILE, the DuckDB file `ingest` wrote / 找不到数据库文件")
    png = crop_command(db, a.what, Path(a.cache) if a.cache else None)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png)
    print(f"wrote {out} ({len(png) // 1024 + 1} KB)")
    return 0
