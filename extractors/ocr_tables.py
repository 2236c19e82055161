"""Ruled tables on a page image: long dark runs → ruling lines → cell grid with merged cells.

Only numpy: a horizontal ruling line is a run of ink far longer than any character stroke,
a vertical one likewise; segments that cross belong to one table. A table needs at least
three horizontal and two vertical lines, else the page is read as plain lines (three-line
tables without verticals stay text — better plain than a wrong grid)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

INK = 160                 # gray level below which a pixel is ink (0 black .. 255 white)


@dataclass
class Seg:
    pos: int              # y of a horizontal segment, x of a vertical one (centre of its thickness)
    lo: int               # extent along the line
    hi: int
    thick: int = 1


@dataclass
class Grid:
    ys: list[int]                         # row boundaries, top to bottom (n_rows + 1)
    xs: list[int]                         # column boundaries, left to right (n_cols + 1)
    # (row, col, rowspan, colspan) of each cell, merged areas as one cell
    cells: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def cell_box(self, r: int, c: int, rs: int = 1, cs: int = 1) -> tuple[int, int, int, int]:
        return self.xs[c], self.ys[r], self.xs[c + cs], self.ys[r + rs]


def _runs_mask(ink: np.ndarray, length: int) -> np.ndarray:
    """Pixels that lie in a horizontal run of ink at least ``length`` long (opening by a 1×L bar)."""
    h, w = ink.shape
    if w < length:
        return np.zeros_like(ink)
    s = np.zeros((h, w + 1), dtype=np.int32)
    np.cumsum(ink, axis=1, dtype=np.int32, out=s[:, 1:])
    full = (s[:, length:] - s[:, :-length]) == length          # a run of L starts at j
    c = np.zeros((h, full.shape[1] + 1), dtype=np.int32)
    np.cumsum(full, axis=1, dtype=np.int32, out=c[:, 1:])
    x = np.arange(w)
    hi = np.minimum(x, w - length) + 1
    lo = np.maximum(x - length + 1, 0)
    return (c[:, hi] - c[:, lo]) > 0


def _close_gaps(ink: np.ndarray, gap: int) -> np.ndarray:
    """Bridge small breaks along rows (scanned lines are often broken or slightly tilted)."""
    if gap <= 0:
        return ink
    out = ink.copy()
    for k in range(1, gap + 1):
        out[:, k:] |= ink[:, :-k]
    return out


def _segments(mask: np.ndarray, min_len: int) -> list[Seg]:
    """Runs of the mask, row by row, joined into segments: runs on nearby rows that overlap
    are one (thick or slightly tilted) line; runs that only share rows stay apart."""
    groups: list[list[int]] = []        # [first row, last row, lo, hi, rows]
    active: list[list[int]] = []        # groups that reached one of the last rows
    for r in np.nonzero(mask.sum(axis=1) >= min_len)[0]:
        row = np.concatenate(([False], mask[r], [False]))
        edges = np.nonzero(np.diff(row.astype(np.int8)))[0]
        active = [g for g in active if r - g[1] <= 2]
        for lo, hi in zip(edges[::2], edges[1::2] - 1):
            if hi - lo + 1 < min_len:
                continue
            for g in active:
                if r - g[1] <= 2 and lo <= g[3] and hi >= g[2]:
                    g[1], g[2], g[3], g[4] = int(r), min(g[2], int(lo)), max(g[3], int(hi)), g[4] + 1
                    break
            else:
                groups.append([int(r), int(r), int(lo), int(hi), 1])
                active.append(groups[-1])
    return [Seg((g[0] + g[1]) // 2, g[2], g[3], g[4]) for g in groups]


def ruling_lines(gray: np.ndarray) -> tuple[list[Seg], list[Seg]]:
    """Horizontal and vertical ruling segments of a grayscale page image."""
    ink = gray < INK
    h, w = ink.shape
    min_h = max(60, w // 12)          # a column is rarely narrower than ~1/12 of the page
    min_v = max(30, h // 80)          # a one-row cell is ~1/70 of an A4 page high at any dpi
    hmask = _runs_mask(_close_gaps(ink, 3), min_h)
    vmask = _runs_mask(_close_gaps(ink.T, 3), min_v)
    return _segments(hmask, min_h), _segments(vmask, min_v)


def _cluster(values: list[int], tol: int) -> list[int]:
    out: list[list[int]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [int(round(sum(g) / len(g))) for g in out]


def _touch(hs: Seg, vs: Seg, tol: int) -> bool:
    return hs.lo - tol <= vs.pos <= hs.hi + tol and vs.lo - tol <= hs.pos <= vs.hi + tol


def find_grids(gray: np.ndarray, shrink: int = 2) -> list[Grid]:
    """Tables drawn with ruling lines, top to bottom, in ``gray``'s pixel coordinates.
    The search runs on an image ``shrink`` times smaller (darkest pixel of each block kept,
    so thin rules survive): a quarter of the pixels, same answer at 300 dpi."""
    if shrink > 1:
        h, w = (gray.shape[0] // shrink) * shrink, (gray.shape[1] // shrink) * shrink
        small = gray[:h, :w].reshape(h // shrink, shrink, w // shrink, shrink).min(axis=(1, 3))
        return [Grid([y * shrink for y in g.ys], [x * shrink for x in g.xs], g.cells)
                for g in find_grids(small, 1)]
    hsegs, vsegs = ruling_lines(gray)
    tol = max(6, gray.shape[1] // 300)
    ink = gray < INK
    return grids_from_segments(hsegs, vsegs, tol,
                               lambda horizontal, pos, lo, hi: _has_line(ink, horizontal, pos, lo, hi, tol))


HasLine = Callable[[bool, int, int, int], bool]


def grids_from_segments(hsegs: list[Seg], vsegs: list[Seg], tol: int, has_line: HasLine,
                        min_rows: int = 2) -> list[Grid]:
    """Segments → tables, top to bottom. Shared by page images (segments from ink runs) and
    PDF vector drawings (segments from path objects): crossing segments are one table, their
    positions clustered within ``tol`` give the boundaries, and ``has_line(horizontal, pos, lo,
    hi)`` says whether a boundary is really drawn between two others (else the cells merge).
    A table needs ``min_rows`` rows (``min_rows + 1`` horizontal lines) and two vertical lines."""
    if len(hsegs) < min_rows + 1 or len(vsegs) < 2:
        return []
    # a vertical rule runs from one horizontal rule to another; character strokes do not
    vsegs = [v for v in vsegs if sum(_touch(h, v, tol) for h in hsegs) >= 2]
    if not vsegs:
        return []
    # union-find over segments: crossing segments are one table
    n = len(hsegs) + len(vsegs)
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, hs in enumerate(hsegs):
        for j, vs in enumerate(vsegs):
            if _touch(hs, vs, tol):
                parent[find(i)] = find(len(hsegs) + j)
    comps: dict[int, tuple[list[Seg], list[Seg]]] = {}
    for i, hs in enumerate(hsegs):
        comps.setdefault(find(i), ([], []))[0].append(hs)
    for j, vs in enumerate(vsegs):
        comps.setdefault(find(len(hsegs) + j), ([], []))[1].append(vs)
    grids = []
    for hl, vl in comps.values():
        if len(hl) < min_rows + 1 or len(vl) < 2:
            continue
        g = _grid(hl, vl, has_line, tol, min_rows)
        if g is not None:
            grids.append(g)
    grids.sort(key=lambda g: g.ys[0])
    return grids


def _has_line(ink: np.ndarray, horizontal: bool, pos: int, lo: int, hi: int, tol: int) -> bool:
    """Is a rule drawn at ``pos`` between ``lo`` and ``hi``? Checked in short pieces, each needing
    one nearly solid pixel row (column) near ``pos``: text crossing the spot is not solid, and a
    slightly tilted rule still is, piece by piece."""
    a, b = lo + tol, hi - tol
    if b - a < 4:
        return True
    band = ink[max(0, pos - tol):pos + tol + 1, a:b] if horizontal else ink[a:b, max(0, pos - tol):pos + tol + 1].T
    piece = 40
    ok = total = 0
    for k in range(0, band.shape[1], piece):
        chunk = band[:, k:k + piece]
        if chunk.shape[1] < 8:
            continue
        total += 1
        ok += chunk.mean(axis=1).max() >= 0.9
    return total == 0 or ok >= 0.8 * total


def _grid(hl: list[Seg], vl: list[Seg], has_line: HasLine, tol: int, min_rows: int = 2) -> Grid | None:
    x0 = min(s.lo for s in hl)
    x1 = max(s.hi for s in hl)
    ys = _cluster([s.pos for s in hl], tol)
    xs = _cluster([s.pos for s in vl], tol)
    # a table without outer verticals: its horizontal lines still give the outer edges
    if xs[0] - x0 > 3 * tol:
        xs.insert(0, x0)
    if x1 - xs[-1] > 3 * tol:
        xs.append(x1)
    # drop boundaries that make slivers (double rules, thick borders)
    min_gap = 3 * tol
    ys = [y for k, y in enumerate(ys) if k == 0 or y - ys[k - 1] >= min_gap]
    xs = [x for k, x in enumerate(xs) if k == 0 or x - xs[k - 1] >= min_gap]
    if len(ys) < min_rows + 1 or len(xs) < 2:
        return None
    nr, nc = len(ys) - 1, len(xs) - 1
    taken = [[False] * nc for _ in range(nr)]
    cells = []
    for r in range(nr):
        for c in range(nc):
            if taken[r][c]:
                continue
            cs = 1
            while c + cs < nc and not taken[r][c + cs] and \
                    not has_line(False, xs[c + cs], ys[r], ys[r + 1]):
                cs += 1
            rs = 1
            while r + rs < nr and all(not taken[r + rs][k] for k in range(c, c + cs)) and \
                    not has_line(True, ys[r + rs], xs[c], xs[c + cs]):
                rs += 1
            for rr in range(r, r + rs):
                for cc in range(c, c + cs):
                    taken[rr][cc] = True
            cells.append((r, c, rs, cs))
    return Grid(ys, xs, cells)
