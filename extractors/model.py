"""The one document model every format extractor produces and every later stage reads.

A Document is an ordered list of blocks (heading, paragraph, table). Each block knows its
page and its character span in ``Document.text`` (the normalized text of the whole document),
so any value found later can point back at where it came from. Tables stay tables: a grid of
cells, merged cells kept as spans. Nothing after the extractor knows the file format.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterator

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
        (what a reader sees); without it the covered positions are empty strings."""
        g = [["" for _ in range(self.n_cols)] for _ in range(self.n_rows)]
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    if fill or (r == c.row and k == c.col):
                        g[r][k] = c.text
        return g


@dataclass
class Document:
    source_path: str
    source_format: str             # pdf | docx | txt | md
    blocks: list[Block] = field(default_factory=list)
    pages: int | None = None
    text: str = ""                 # normalized text of all blocks, joined by "\n"
    meta: dict = field(default_factory=dict)   # encoding, ocr pages, furniture removed, ...
    warnings: list[str] = field(default_factory=list)

    def tables(self) -> Iterator[Block]:
        return (b for b in self.blocks if b.kind == TABLE)

    def page_at(self, offset: int) -> int | None:
        """Page of the block that holds a character offset of ``text``."""
        lo, hi = 0, len(self.blocks) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            b = self.blocks[mid]
            if offset < b.start:
                hi = mid - 1
            elif offset > b.end:
                lo = mid + 1
            else:
                return b.page
        return None

    def to_dict(self) -> dict:
        return asdict(self)


def table_text(rows: list[list[str]]) -> str:
    return "\n".join("\t".join(r) for r in rows)


def table_from_rows(rows: list[list[str]], page: int | None = None) -> Block:
    """A table block from a plain grid (no merges); empty rows dropped."""
    rows = [r for r in rows if any(c.strip() for c in r)]
    cells = [Cell(i, j, t) for i, r in enumerate(rows) for j, t in enumerate(r)]
    return Block(TABLE, table_text(rows), page=page, cells=cells)


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
            b.text = table_text(b.grid(fill=False))
        b.start, b.end = pos, pos + len(b.text)
        parts.append(b.text)
        pos = b.end + 1
        kept.append(b)
    doc.blocks = kept
    doc.text = "\n".join(parts)
    return doc
