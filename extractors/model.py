"""The one document model every format extractor produces and every later stage reads.

A Document is an ordered list of blocks (heading, paragraph, table). Each block knows its
page and its character span in ``Document.text`` (the normalized text of the whole document),
so any value found later can point back at where it came from. Tables stay tables: a grid of
cells, merged cells kept as spans. Nothing after the extractor knows the file format.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import asdict, dataclass, field
from dataclasses import replace as dataclasses_replace
from typing import Iterator

from .errors import ExtractionError

HEADING, PARAGRAPH, TABLE = "heading", "paragraph", "table"


@dataclass
class Cell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Block:
    kind: str                      # heading | paragraph | table
    text: str                      # normalized text; a table's rows joined by "\n", cells by "\t"
    page: int | None = None        # 1-based; None where the format has no pages (txt, docx)
    start: int = 0                 # span in Document.text
    end: int = 0
    level: int | None = None       # heading level (1 = 一、, 2 = （一）, 3 = 1., 4 = （1）)
    cells: list[Cell] = field(default_factory=list)   # tables only
    confidence: float | None = None  # OCR'd blocks only (0..1)

    @property
    def n_rows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    @property
    def n_cols(self) -> int:
        return max((c.col + c.colspan for c in self.cells), default=0)

    def grid(self, fill: bool = True) -> list[list[str]]:
        """Rows of cell texts. With ``fill`` a merged cell's text is repeated over its span
        (what a reader sees); without it the covered positions are empty strings.

        Its size is bounded by the cells the table really holds, whatever spans or positions it
        declares: a table far larger than its cells (one cell claiming 10^9 columns) keeps only
        the rows and columns where some cell starts (see ``grid_axes``)."""
        rows, cols = grid_axes(self.cells)
        g = [[""] * len(cols) for _ in rows]
        for c in self.cells:
            r0, r1 = bisect_left(rows, c.row), bisect_left(rows, c.row + c.rowspan)
            k0, k1 = bisect_left(cols, c.col), bisect_left(cols, c.col + c.colspan)
            if not fill:
                if r1 > r0 and k1 > k0:
                    g[r0][k0] = c.text
                continue
            for i in range(r0, r1):
                for k in range(k0, k1):
                    g[i][k] = c.text
        return g


# a real table fills its grid: every position is some cell's (merged cells included). This many
# positions per cell (Word's 63-column limit, rounded up), or a small table's worth, is far beyond
# any real table; more is a broken or hostile file's size claim, not content.
GRID_POSITIONS_PER_CELL = 64
GRID_POSITIONS_MIN = 10_000


class TableTooLarge(ExtractionError):
    """A table whose grid stays far larger than its cells even when condensed (see ``grid_axes``)."""


def grid_axes(cells: list[Cell]) -> tuple[list[int], list[int]]:
    """The declared rows and columns the grid keeps, in order (grid index = list index).
    Normally all of them, 0..n-1. When rows × columns exceed what the cells could fill
    (``GRID_POSITIONS_PER_CELL``), only those where some cell starts: a span then covers the
    kept ones it reaches, so every text stays and only the claimed empty width goes. If even
    that is too large (cells scattered over a vast sparse grid), ``TableTooLarge``."""
    n_rows = max((c.row + c.rowspan for c in cells), default=0)
    n_cols = max((c.col + c.colspan for c in cells), default=0)
    limit = max(GRID_POSITIONS_MIN, GRID_POSITIONS_PER_CELL * len(cells))
    if max(1, n_rows) * max(1, n_cols) <= limit:
        return list(range(n_rows)), list(range(n_cols))
    rows, cols = sorted({c.row for c in cells}), sorted({c.col for c in cells})
    if len(rows) * len(cols) > limit:
        raise TableTooLarge(f"a table of {len(rows)} rows × {len(cols)} columns holds only {len(cells)} cells "
                            "(broken or hostile file?) / 表格结构异常（行列数远超单元格数），文件可能已损坏")
    return rows, cols


@dataclass
class Document:
    source_path: str
    source_format: str             # pdf | docx | txt | md
    blocks: list[Block] = field(default_factory=list)
    pages: int | None = None
    text: str = ""                 # normalized text of all blocks, joined by "\n"
    meta: dict = field(default_factory=dict)   # encoding, ocr pages, furniture removed, ...
    warnings: list[str] = field(default_factory=list)
    # PDF only: page (1-based) → its characters and their boxes (extractors/geometry.py), so a
    # value found in ``text`` can be given its box on the page; not part of ``to_dict``
    geometry: dict = field(default_factory=dict, repr=False, compare=False)

    def tables(self) -> Iterator[Block]:
        return (b for b in self.blocks if b.kind == TABLE)

    def block_index(self, offset: int) -> int | None:
        """Index in ``blocks`` of the block that holds a character offset of ``text``."""
        lo, hi = 0, len(self.blocks) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            b = self.blocks[mid]
            if offset < b.start:
                hi = mid - 1
            elif offset > b.end:
                lo = mid + 1
            else:
                return mid
        return None

    def page_at(self, offset: int) -> int | None:
        """Page of the block that holds a character offset of ``text``."""
        i = self.block_index(offset)
        return None if i is None else self.blocks[i].page

    def to_dict(self) -> dict:
        out = asdict(dataclasses_replace(self, geometry={}))
        out.pop("geometry", None)
        return out

    def box_of(self, start: int, end: int, text: str | None = None) -> dict | None:
        """Box on its page of ``text[start:end]`` (default ``self.text``): {page, x0, y0, x1, y1,
        page_width, page_height} in PDF points, origin top-left; None without geometry or when
        the span is not found on the page (extractors/geometry.py)."""
        if not self.geometry:
            return None
        from .geometry import locate
        return locate(self.geometry, self.text if text is None else text, start, end, self.page_at(start))


def table_text(rows: list[list[str]]) -> str:
    return "\n".join("\t".join(r) for r in rows)


def table_from_rows(rows: list[list[str]], page: int | None = None) -> Block:
    """A table block from a plain grid (no merges); empty rows dropped."""
    rows = [r for r in rows if any(c.strip() for c in r)]
    cells = [Cell(i, j, t) for i, r in enumerate(rows) for j, t in enumerate(r)]
    return Block(TABLE, table_text(rows), page=page, cells=cells)


def note_loss(doc: Document, message: str) -> None:
    """Something of the file was left out (pages, a table, bytes): a warning that also lands in
    ``meta["lost"]``, which makes the stored report `partial` instead of `ok` (pipeline/flow.py)."""
    doc.warnings.append(message)
    doc.meta.setdefault("lost", []).append(message)


def assemble(doc: Document, blocks: list[Block]) -> Document:
    """Lay blocks end to end into ``doc.text`` and give each its span."""
    parts, pos = [], 0
    kept = []
    for b in blocks:
        if not b.text.strip() and b.kind != TABLE:
            continue
        if b.kind == TABLE and not b.cells:
            continue
        if b.kind == TABLE:
            try:
                b.text = table_text(b.grid(fill=False))
            except TableTooLarge as e:      # the rest of the document is still worth reading
                note_loss(doc, f"a table was left out: {e.reason}")
                continue
        b.start, b.end = pos, pos + len(b.text)
        parts.append(b.text)
        pos = b.end + 1
        kept.append(b)
    doc.blocks = kept
    doc.text = "\n".join(parts)
    return doc
