"""Ruled tables of a text-layer PDF page from its vector drawing (pypdfium2), without pdfminer.

The page's path objects are walked (form XObjects too) and cut into their straight pieces;
axis-parallel pieces that are stroked, and filled shapes that are thin (a border drawn as a
filled 0.5 pt rectangle), are ruling segments. A filled shape that is not thin is cell shading
and draws no rule. Segments become grids with the same logic page images use
(``ocr_tables.grids_from_segments``); a boundary is "drawn" where the collected segments cover
it. Cell text is the text layer inside each cell; text outside tables is read band by band
between the tables, so the page comes back as text lines and table blocks, top to bottom.

Whenever the page is not a plain case — rotated, a table with text beside it, tables side by
side, or ruling lines that make no grid — the answer is ``None`` and the caller uses
pdfplumber's table finder for that page.
"""
from __future__ import annotations

import ctypes

from .ocr_tables import Grid, Seg, grids_from_segments

# Coordinates: PDF points, flipped so y grows downward, times SCALE as ints. At SCALE 4 one
# unit is 0.25 pt, about one pixel of a 300 dpi page image (4.17 px/pt), so the tolerances the
# image path uses mean nearly the same lengths here.
SCALE = 4
# 1.5 pt: ruling lines of one boundary drawn by different cells (Word/LibreOffice draw each
# cell's border on its own) sit within a fraction of a point of each other, line ends overshoot
# crossings by half a line width (≤ 1 pt); rows are never this thin. Boundaries closer than
# 3 × TOL (4.5 pt, a double rule) are one boundary.
TOL = 6
THIN = 2.5                # pt: a filled shape at most this thick is a drawn line, not shading
MIN_RULE = 2.0            # pt: shorter straight pieces are dots, arrow heads, glyph-like marks
AXIS_SLOP = 0.3           # pt: a piece this far off horizontal/vertical still counts as such
COVER = 0.8               # share of a boundary that segments must cover to count as drawn
CELL_INSET = 1.0          # pt: cell rectangle shrunk so glyphs of the neighbour cell are not taken


def _raw():
    import pypdfium2.raw as raw
    return raw


def _mat_mul(a, b):
    """a then b, both (a, b, c, d, e, f) PDF matrices."""
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


def _matrix(raw, obj) -> tuple:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _path_pieces(raw, obj, m) -> tuple[list, bool, bool]:
    """Straight pieces ((x0, y0, x1, y1) in page space) of one path, grouped by subpath;
    whether it is stroked, filled."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
    n = raw.FPDFPath_CountSegments(obj)
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list] = []
    start = cur = None
    for k in range(n):
        seg = raw.FPDFPath_GetPathSegment(obj, k)
        raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
        px, py = x.value, y.value
        pt = (m[0] * px + m[2] * py + m[4], m[1] * px + m[3] * py + m[5])
        t = raw.FPDFPathSegment_GetType(seg)
        if t == raw.FPDF_SEGMENT_MOVETO or cur is None:
            subpaths.append([])
            start = cur = pt
        elif t == raw.FPDF_SEGMENT_LINETO:
            subpaths[-1].append((cur[0], cur[1], pt[0], pt[1]))
            cur = pt
        else:                   # Bézier: no ruling line (pdfplumber draws none from it either)
            subpaths[-1].append(None)
            cur = pt
        if raw.FPDFPathSegment_GetClose(seg) and start is not None and cur != start:
            subpaths[-1].append((cur[0], cur[1], start[0], start[1]))
            cur = start
    return subpaths, bool(stroke.value), fill.value != 0


class _Rules:
    def __init__(self, top: float):
        self.top = top
        self.h: list[Seg] = []
        self.v: list[Seg] = []

    def _y(self, y: float) -> int:
        return int(round((self.top - y) * SCALE))

    def add_h(self, y: float, x0: float, x1: float) -> None:
        if abs(x1 - x0) >= MIN_RULE:
            self.h.append(Seg(self._y(y), int(round(min(x0, x1) * SCALE)), int(round(max(x0, x1) * SCALE))))

    def add_v(self, x: float, y0: float, y1: float) -> None:
        if abs(y1 - y0) >= MIN_RULE:
            a, b = sorted((self._y(y0), self._y(y1)))
            self.v.append(Seg(int(round(x * SCALE)), a, b))

    def add_path(self, raw, obj, m) -> None:
        subpaths, stroked, filled = _path_pieces(raw, obj, m)
        for pieces in subpaths:
            if stroked:
                for p in pieces:
                    if p is None:
                        continue
                    x0, y0, x1, y1 = p
                    if abs(y1 - y0) <= AXIS_SLOP:
                        self.add_h((y0 + y1) / 2, x0, x1)
                    elif abs(x1 - x0) <= AXIS_SLOP:
                        self.add_v((x0 + x1) / 2, y0, y1)
            elif filled:
                pts = [p for p in pieces if p is not None]
                if not pts or len(pts) != len(pieces):
                    continue
                xs = [c for p in pts for c in (p[0], p[2])]
                ys = [c for p in pts for c in (p[1], p[3])]
                w, h = max(xs) - min(xs), max(ys) - min(ys)
                if h <= THIN and w > h:
                    self.add_h((max(ys) + min(ys)) / 2, min(xs), max(xs))
                elif w <= THIN and h > w:
                    self.add_v((max(xs) + min(xs)) / 2, min(ys), max(ys))

    def walk(self, raw, parent, count, get, m0, depth: int) -> None:
        for k in range(count(parent)):
            obj = get(parent, k)
            t = raw.FPDFPageObj_GetType(obj)
            if t == raw.FPDF_PAGEOBJ_PATH:
                self.add_path(raw, obj, _mat_mul(_matrix(raw, obj), m0))
            elif t == raw.FPDF_PAGEOBJ_FORM and depth > 0:
                self.walk(raw, obj, raw.FPDFFormObj_CountObjects, raw.FPDFFormObj_GetObject,
                          _mat_mul(_matrix(raw, obj), m0), depth - 1)


def ruling_segments(page, max_depth: int = 3) -> tuple[list[Seg], list[Seg], float]:
    """Horizontal and vertical ruling segments of a page (scaled top-down ints), and the PDF
    y of the page top used for the flip."""
    raw = _raw()
    top = page.get_mediabox()[3]
    rules = _Rules(top)
    rules.walk(raw, page, raw.FPDFPage_CountObjects, raw.FPDFPage_GetObject,
               (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), max_depth)
    return rules.h, rules.v, top


def _covered(segs: list[Seg], pos: int, lo: int, hi: int) -> bool:
    """Do segments near ``pos`` cover most of ``lo``..``hi``? Within 2 × TOL (3 pt, pdfplumber's
    snap distance): a boundary's clustered position is a mean of lines up to TOL apart."""
    a, b = lo + TOL, hi - TOL
    if b - a < 4:
        return True
    spans = sorted((max(s.lo, a), min(s.hi, b)) for s in segs if abs(s.pos - pos) <= 2 * TOL and s.hi > a and s.lo < b)
    got, end = 0, a
    for s0, s1 in spans:
        s0 = max(s0, end)
        if s1 > s0:
            got += s1 - s0
            end = s1
    return got >= COVER * (b - a)


def find_grids(hsegs: list[Seg], vsegs: list[Seg]) -> list[Grid]:
    def has_line(horizontal: bool, pos: int, lo: int, hi: int) -> bool:
        return _covered(hsegs if horizontal else vsegs, pos, lo, hi)
    # a one-row ruled table is still a table here (pdfplumber keeps it too): drawn lines, unlike
    # ink runs on a scan, are never character strokes
    return grids_from_segments(hsegs, vsegs, TOL, has_line, min_rows=1)


def _compact(g: Grid) -> Grid:
    """Boundaries that start no cell (a stray short rule inside merged cells) are dropped, as
    pdfplumber counts rows by cell tops and columns by cell lefts."""
    rows = sorted({r for r, _, _, _ in g.cells})
    cols = sorted({c for _, c, _, _ in g.cells})
    if len(rows) == len(g.ys) - 1 and len(cols) == len(g.xs) - 1:
        return g
    ri = {r: k for k, r in enumerate(rows)}
    ci = {c: k for k, c in enumerate(cols)}
    nr, nc = len(g.ys) - 1, len(g.xs) - 1

    def end(idx, i, n):
        return next((idx[j] for j in range(i, n) if j in idx), len(idx))
    cells = [(ri[r], ci[c], end(ri, r + rs, nr) - ri[r], end(ci, c + cs, nc) - ci[c]) for r, c, rs, cs in g.cells]
    return Grid([g.ys[r] for r in rows] + [g.ys[-1]], [g.xs[c] for c in cols] + [g.xs[-1]], cells)


def _text(textpage, left: float, bottom: float, right: float, top: float) -> str:
    if right <= left or top <= bottom:
        return ""
    return textpage.get_text_bounded(left, bottom, right, top)


def table_page(page, textpage, page_no: int, cell_text, make_block):
    """Text lines and table blocks of one page, top to bottom, or ``None`` when unsure.
    ``cell_text`` cleans a cell's raw text; ``make_block(rows_of_cells, page_no)`` builds the
    Block from ``(row, col, rowspan, colspan, text)`` tuples."""
    if page.get_rotation() % 360:
        return None
    hsegs, vsegs, top = ruling_segments(page)
    grids = [_compact(g) for g in find_grids(hsegs, vsegs)]
    grids = [g for g in grids if len(g.xs) >= 3]      # one column: a framed paragraph, read as text
    if not grids:
        # lines that cross (≥ 2 each way) but make no table: a layout this finder does not know
        if len(hsegs) >= 2 and len(vsegs) >= 2 and any(
                hs.lo - TOL <= vs.pos <= hs.hi + TOL and vs.lo - TOL <= hs.pos <= vs.hi + TOL
                for hs in hsegs for vs in vsegs):
            return None
    left, bottom, right, ptop = page.get_mediabox()

    def py(v: int) -> float:
        return top - v / SCALE
    items: list[tuple[float, object]] = []
    prev_bottom = None
    for g in grids:
        gx0, gy0, gx1, gy1 = g.bbox
        if prev_bottom is not None and gy0 < prev_bottom:
            return None                                 # tables side by side
        # text beside the table (left or right of it, within its height): reading order unknown
        for a, b in ((left, gx0 / SCALE - CELL_INSET), (gx1 / SCALE + CELL_INSET, right)):
            if _text(textpage, a, py(gy1) + CELL_INSET, b, py(gy0) - CELL_INSET).strip():
                return None
        prev_bottom = gy1
    # text between tables, band by band
    edges = [ptop] + [v for g in grids for v in (py(g.ys[0]) + CELL_INSET, py(g.ys[-1]) - CELL_INSET)] + [bottom]
    for k in range(0, len(edges), 2):
        band = _text(textpage, left, edges[k + 1], right, edges[k])
        y_top = (top - edges[k]) * SCALE
        for n, ln in enumerate(band.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
            items.append((y_top + n * 1e-3, ln))
    for g in grids:
        cells = []
        for r, c, rs, cs in g.cells:
            x0, y0, x1, y1 = g.cell_box(r, c, rs, cs)
            t = _text(textpage, x0 / SCALE + CELL_INSET, py(y1) + CELL_INSET, x1 / SCALE - CELL_INSET, py(y0) - CELL_INSET)
            cells.append((r, c, rs, cs, cell_text(t)))
        items.append((g.ys[0], make_block(cells, page_no)))
    items.sort(key=lambda it: it[0])
    return [it[1] for it in items]
