"""DOCX: paragraphs and tables in body order, merged cells kept (gridSpan, vMerge), headings
from styles or numbering patterns. Safe: the zip is checked for bombs before anything is
inflated, and a part that declares a DOCTYPE (entities) is refused, never resolved."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .errors import ExtractionError
from .model import HEADING, PARAGRAPH, TABLE, Block, Cell, Document, assemble
from .normalize import normalize
from .structure import heading_level

MAX_TOTAL_BYTES = 200 * 1024 * 1024   # inflated size of all parts
MAX_RATIO = 200                        # inflated / compressed, for parts over 1 MB
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def check_zip(path: Path) -> None:
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise ExtractionError(f"not a valid DOCX (zip) file: {e} / 文件不是有效的 DOCX，请用 Word 另存后再试")
    with z:
        total = 0
        for info in z.infolist():
            total += info.file_size
            if info.file_size > 1 << 20 and info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise ExtractionError(f"DOCX part {info.filename} inflates {info.file_size // info.compress_size}:1 "
                                      "(zip bomb?) / 文件疑似压缩炸弹，已拒绝")
            if total > MAX_TOTAL_BYTES:
                raise ExtractionError(f"DOCX inflates to over {MAX_TOTAL_BYTES >> 20} MB (zip bomb?) / 文件解压后过大，已拒绝")
        for name in z.namelist():
            if name.endswith(".xml") and (name.startswith("word/") or name == "[Content_Types].xml"):
                with z.open(name) as f:
                    head = f.read(4096)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise ExtractionError(f"DOCX part {name} declares XML entities (hostile file?) / 文件含 XML 实体声明，已拒绝")


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


def _table(tbl) -> Block:
    cells: list[Cell] = []
    open_v: dict[int, Cell] = {}       # column -> the cell a vMerge continues
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
                if gs is not None and (gs.get(W + "val") or "1").isdigit():
                    span = max(1, int(gs.get(W + "val")))
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
    try:
        d = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as e:
        raise ExtractionError(f"DOCX could not be opened: {e} / DOCX 无法打开，请检查文件是否完整")
    styles = {s.style_id: s.name for s in d.styles}
    blocks: list[Block] = []
    for el in d.element.body.iterchildren():
        if el.tag == W + "p":
            raw = _text(el).strip()
            if not raw:
                continue
            text = normalize(raw)
            lvl = _style_level(el, styles)
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
    return assemble(doc, blocks)


def _app_pages(path: Path) -> int | None:
    with zipfile.ZipFile(path) as z:
        if "docProps/app.xml" not in z.namelist():
            return None
        m = re.search(rb"<Pages>(\d+)</Pages>", z.read("docProps/app.xml")[:65536])
        return int(m.group(1)) if m else None
