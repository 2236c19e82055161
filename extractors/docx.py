"""DOCX: paragraphs and tables in body order, merged cells kept (gridSpan, vMerge), headings
from styles or numbering patterns. Safe: the zip is checked for bombs before anything is
inflated, and a part that declares a DOCTYPE (entities) is refused by defusedxml, never resolved."""
from __future__ import annotations

import itertools
import re
import zipfile
import zlib
from pathlib import Path
from typing import Iterable, Iterator

from .errors import ExtractionError, bad_input_reason
from .model import HEADING, PARAGRAPH, TABLE, Block, Cell, Document, assemble
from .normalize import normalize
from .numbering import Numbering
from .structure import heading_level

MAX_TOTAL_BYTES = 200 * 1024 * 1024   # inflated size of all parts
MAX_RATIO = 200                        # inflated / compressed, for parts over 1 MB
MAX_PARTS = 5000                       # a real DOCX has tens of parts (images included: hundreds)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def check_zip(path: Path) -> None:
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise ExtractionError(f"not a valid DOCX (zip) file: {e} / 文件不是有效的 DOCX，请用 Word 另存后再试")
    with z:
        if len(z.infolist()) > MAX_PARTS:
            raise ExtractionError(f"DOCX holds {len(z.infolist())} parts, over {MAX_PARTS} (hostile file?) "
                                  "/ 文件内部条目过多，已拒绝")
        total = 0
        for info in z.infolist():
            total += info.file_size
            if info.file_size > 1 << 20 and info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise ExtractionError(f"DOCX part {info.filename} inflates {info.file_size // info.compress_size}:1 "
                                      "(zip bomb?) / 文件疑似压缩炸弹，已拒绝")
            if total > MAX_TOTAL_BYTES:
                raise ExtractionError(f"DOCX inflates to over {MAX_TOTAL_BYTES >> 20} MB (zip bomb?) / 文件解压后过大，已拒绝")
        for name in z.namelist():
            # every XML part is parsed by python-docx (core.xml, .rels too), so every one is checked
            if name.lower().endswith((".xml", ".rels")):
                try:
                    with z.open(name) as f:
                        hostile = _declares_entities(f)
                except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as e:
                    raise ExtractionError(f"DOCX part {name} is damaged ({e}) / DOCX 文件已损坏，请用 Word 另存后再试")
                if hostile:
                    raise ExtractionError(f"DOCX part {name} declares XML entities (hostile file?) / 文件含 XML 实体声明，已拒绝")


MAX_PROLOG = 1 << 20   # a real part's prolog is a few hundred bytes


class _RootReached(Exception):
    """Raised from the parser's target at the root element: the prolog is over, stop reading."""


class _StopAtRoot:
    def start(self, tag, attrib):
        raise _RootReached

    def close(self) -> None:
        return None


def _declares_entities(f) -> bool:
    """True when the part declares a DOCTYPE or entities before its root element, or its prolog is
    absurdly long. defusedxml's parser (forbid_dtd, forbid_entities, forbid_external) reads the
    part chunk by chunk and stops at the root element, so only the prolog is read: expat finds
    the encoding itself (a UTF-16 part, a BOM) and skips comments that pad a DOCTYPE far in."""
    seen: list[bytes] = []
    verdict = _defused_verdict(_chunks(f, seen), None)
    if verdict is None:
        # not well-formed as declared (an encoding expat lacks, "GBK"): the markup of the prolog is
        # ASCII in every ASCII-compatible encoding, so read it again as Latin-1
        verdict = _defused_verdict(itertools.chain(list(seen), _chunks(f, [])), "iso-8859-1")
    return bool(verdict)    # None again: not XML at all, python-docx reports the part damaged


def _chunks(f, seen: list[bytes]) -> Iterator[bytes]:
    while chunk := f.read(65536):
        seen.append(chunk)
        yield chunk


def _defused_verdict(chunks: Iterable[bytes], encoding: str | None) -> bool | None:
    """True: DOCTYPE / entities declared, or no root element within MAX_PROLOG; False: the root
    element was reached without them; None: not well-formed."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser, ParseError
    parser = DefusedXMLParser(target=_StopAtRoot(), encoding=encoding,
                              forbid_dtd=True, forbid_entities=True, forbid_external=True)
    read = 0
    try:
        for chunk in chunks:
            parser.feed(chunk)
            read += len(chunk)
            if read >= MAX_PROLOG:
                return True
        parser.close()
    except _RootReached:
        return False
    except DefusedXmlException:
        return True
    except (ParseError, ValueError, LookupError):   # ValueError: a multi-byte encoding expat cannot take
        return None
    return False


def _text(el) -> str:
    parts = []
    for node in el.iter():
        if node.tag == W + "t" and node.text:
            parts.append(node.text)
        elif node.tag == W + "tab":
            parts.append("\t")
        elif node.tag in (W + "br", W + "cr"):
            parts.append("\n")
    return "".join(parts)


def _style_level(p, styles: dict) -> int | None:
    ppr = p.find(W + "pPr")
    if ppr is None:
        return None
    ps = ppr.find(W + "pStyle")
    if ps is not None:
        name = styles.get(ps.get(W + "val"), ps.get(W + "val") or "")
        m = re.match(r"(?i)(heading|标题)\s*(\d)", name)
        if m:
            return int(m.group(2))
    ol = ppr.find(W + "outlineLvl")
    if ol is not None and (ol.get(W + "val") or "").isdigit() and int(ol.get(W + "val")) < 9:
        return int(ol.get(W + "val")) + 1
    return None


MAX_GRID_COLS = 63     # Word's own limit on a table's columns


def _grid_width(tbl) -> int:
    """Columns a cell's gridSpan may reach: the table's declared grid (w:tblGrid), no wider than
    Word allows unless its rows really hold more cells. A span is a claim, the grid is the table:
    a gridSpan of 999999999 in a 3-column table would otherwise build a 10^9-column table."""
    declared = len(tbl.findall(f"{W}tblGrid/{W}gridCol"))
    most_cells = max((len(tr.findall(W + "tc")) for tr in tbl.findall(W + "tr")), default=0)
    cap = max(MAX_GRID_COLS, most_cells)
    return min(declared, cap) if declared else cap


def _span(val: str | None, room: int) -> int:
    """A gridSpan value clamped to the columns left in the grid (at least 1). Read without int()
    of a long digit string (Python refuses over 4300 digits; anything over 9 is past the grid)."""
    if not val or not val.isdigit():
        return 1
    return max(1, min(room, int(val) if len(val) <= 9 else room))


def _table(tbl) -> Block:
    cells: list[Cell] = []
    open_v: dict[int, Cell] = {}       # column -> the cell a vMerge continues
    width = _grid_width(tbl)
    r = 0
    for tr in tbl.iter(W + "tr"):
        if tr.getparent() is not tbl:
            continue
        c = 0
        for tc in tr.findall(W + "tc"):
            tcpr = tc.find(W + "tcPr")
            span, vmerge = 1, None
            if tcpr is not None:
                gs = tcpr.find(W + "gridSpan")
                if gs is not None:
                    span = _span(gs.get(W + "val"), width - c)
                vm = tcpr.find(W + "vMerge")
                if vm is not None:
                    vmerge = vm.get(W + "val") or "continue"
            text = normalize(re.sub(r"\s*\n\s*", "", _text(tc)).strip())
            if vmerge == "continue" and c in open_v:
                open_v[c].rowspan += 1
            else:
                cell = Cell(r, c, text, colspan=span)
                cells.append(cell)
                if vmerge == "restart":
                    open_v[c] = cell
                else:
                    open_v.pop(c, None)
            c += span
        r += 1
    return Block(TABLE, "", cells=cells)


def extract(path: Path) -> Document:
    path = Path(path)
    check_zip(path)
    import docx  # python-docx parses with resolve_entities=False
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree
    try:
        d = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError, zipfile.BadZipFile, zlib.error) as e:
        raise ExtractionError(f"DOCX could not be opened: {e} / DOCX 无法打开，请检查文件是否完整")
    styles, styles_note = _style_names(d)
    body = d.element.body
    if body is None:
        raise ExtractionError("DOCX has no document body (w:body); the file is broken "
                              "/ DOCX 文件缺少正文，文件已损坏，请用 Word 另存后再试")
    blocks: list[Block] = []
    numbers = Numbering.of(d)          # Word's automatic "一、" / "（一）" / "1.", not in the text
    for el in body.iterchildren():
        if el.tag == W + "p":
            label = numbers.label(el)       # counted even on an empty paragraph, as Word does
            raw = _text(el).strip()
            if not raw:
                continue
            if label and not raw.startswith(label.strip()):
                raw = label + raw
            text = normalize(raw)
            lvl = _style_level(el, styles)
            if lvl is None:
                lvl = numbers.outline_level(el)      # a custom style with an outline level
            if lvl is None and len(text) <= 60:
                lvl = heading_level(text)
            blocks.append(Block(HEADING if lvl else PARAGRAPH, text, level=lvl))
        elif el.tag == W + "tbl":
            blocks.append(_table(el))
    pages = None
    try:
        pages = int(d.core_properties and _app_pages(path))
    except (TypeError, ValueError):
        pages = None
    doc = Document(str(path), "docx", pages=pages)
    if styles_note:
        doc.warnings.append(styles_note)
    return assemble(doc, blocks)


def _style_names(d) -> tuple[dict[str, str], str | None]:
    """{style id: name}, and a warning when the styles part cannot be read (a relationship to a
    styles part outside the file, a broken part): that costs only the style names — headings
    are then found from their numbering — so the report is still read."""
    try:
        return {s.style_id: s.name for s in d.styles}, None
    except Exception as e:  # noqa: BLE001 — only the file's own faults are forgiven, see below
        if bad_input_reason(e, "docx") is None:
            raise
        return {}, (f"the DOCX styles part could not be read ({type(e).__name__}: {str(e)[:120]}; broken or "
                    "hostile file?), headings were found from their numbering only "
                    "/ 样式表无法读取（文件可能已损坏），标题仅按编号识别")


def _app_pages(path: Path) -> int | None:
    with zipfile.ZipFile(path) as z:
        if "docProps/app.xml" not in z.namelist():
            return None
        m = re.search(rb"<Pages>(\d+)</Pages>", z.read("docProps/app.xml")[:65536])
        return int(m.group(1)) if m else None
