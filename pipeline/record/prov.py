"""Provenance: where in the document a value was found (page, span, the source text)."""
from __future__ import annotations

import re

from extractors.model import Document


def span(doc: Document, start: int, end: int, pad: int = 30) -> dict:
    """Provenance of doc.text[start:end], with some context as evidence — in the report's own
    characters: a traditional report is matched on a simplified copy (pipeline/script.py), a
    portal page on a copy with its furniture blanked (pipeline/furniture.py), both of the same
    length, so the offsets hold in the original kept in ``meta["original_text"]``."""
    text = doc.meta.get("original_text", doc.text)
    a, b = max(0, start - pad), min(len(text), end + pad)
    out = {"page": doc.page_at(start), "start": start, "end": end,
           "text": text[a:b].replace("\n", " ").strip()}
    box = doc.box_of(start, end, text) if doc.geometry else None
    if box is not None:     # PDF: the value's box on its page (the page it is really on)
        out.update(box)
    else:
        loc = locator(doc, start)
        if loc is not None:
            out["locator"] = loc
    return out


def locator(doc: Document, offset: int) -> str | None:
    """Where a span is in a file without pages (DOCX, TXT): ``paragraph 12`` (the 12th text block)
    or ``table 2 row 3 cell 1`` (1-based), from the block that holds the offset."""
    if doc.source_format == "pdf" or not doc.blocks:
        return None
    k = doc.block_index(offset)
    if k is None:
        return None
    b = doc.blocks[k]
    if b.kind != "table":
        return f"paragraph {sum(1 for x in doc.blocks[:k + 1] if x.kind != 'table')}"
    n_table = sum(1 for x in doc.blocks[:k + 1] if x.kind == "table")
    before = doc.text[b.start:offset]
    row = before.count("\n")
    cell = before.rsplit("\n", 1)[-1].count("\t")
    return f"table {n_table} row {row + 1} cell {cell + 1}"




def note(rec: dict, field: str, doc: Document, start: int, end: int) -> None:
    rec["provenance"][field] = span(doc, start, end)


def search(doc: Document, pattern: str | re.Pattern, flags: int = 0):
    """First match of a pattern in the document text."""
    return re.search(pattern, doc.text, flags) if isinstance(pattern, str) else pattern.search(doc.text)


# ---------------------------------------------------------------- boxes of values quoted, not spanned

BOXED_LISTS = ("indicators", "fund_sources", "expense_details", "targets")   # record lists stored with a box
CELL_SEP = " | "          # how a table row is quoted as evidence (cells joined)
ROW_REACH = 2.5           # a cell more than this many row heights from the row's anchor is another row's


def _box_tuple(b: dict) -> tuple[float, float, float, float]:
    return b["x0"], b["y0"], b["x1"], b["y1"]


def _union(boxes: list[dict]) -> dict:
    out = dict(boxes[0])
    out.update(x0=min(b["x0"] for b in boxes), y0=min(b["y0"] for b in boxes),
               x1=max(b["x1"] for b in boxes), y1=max(b["y1"] for b in boxes))
    return out


def _find_text(doc: Document, page: int, text: str, before: str = "", after: str = "") -> list[dict]:
    """Every box of ``text`` on the page (each occurrence), best context match first."""
    from extractors.geometry import find_on_page, key_text
    geo = doc.geometry.get(page)
    want = key_text(text)
    if geo is None or not want:
        return []
    key, idx = geo.key()
    hits, pos = [], key.find(want)
    while pos >= 0 and len(hits) < 200:
        box = geo.union(idx[pos], idx[pos + len(want) - 1])
        if box is not None:
            hits.append({"page": page, "x0": box[0], "y0": box[1], "x1": box[2], "y1": box[3],
                         "page_width": geo.width, "page_height": geo.height})
        pos = key.find(want, pos + 1)
    if len(hits) > 1 and (before or after):
        best = find_on_page(geo, want, key_text(before)[-24:], key_text(after)[:24])
        if best is not None:
            b = geo.union(best[0], best[1])
            hits.sort(key=lambda h: _box_tuple(h) != b)
    return hits


def _cell_hits(doc: Document, page: int, cell: str, before: str = "", after: str = "") -> list[dict]:
    """Boxes of a quoted cell; a cell quoted with its column's label ("分值 25", a form read across)
    by its own last word when the whole is not printed together."""
    hits = _find_text(doc, page, cell, before, after)
    if not hits and " " in cell:
        hits = _find_text(doc, page, cell.rsplit(" ", 1)[1], before, after)
    return hits


def _mid(h: dict, axis: str) -> float:
    return (h[axis + "0"] + h[axis + "1"]) / 2


def _gather(anchor: dict, others: list[list[dict]], across: str, along: str, reach: float, span: float) -> list[dict]:
    """The anchor and, of each other cell, its occurrence nearest the anchor's line (``across`` =
    "y": a row) or column (``across`` = "x": a table read down), within ``reach`` of it and
    ``span`` along it."""
    out, used = [anchor], {_box_tuple(anchor)}
    for hits in others:
        near = [h for h in hits if abs(_mid(h, across) - _mid(anchor, across)) <= reach
                and abs(_mid(h, along) - _mid(anchor, along)) <= span]
        # two cells of one value ("3 | … | 3"): each its own occurrence, if there is one; a merged
        # cell quoted once per column it spans is printed once
        near = [h for h in near if _box_tuple(h) not in used] or near
        if near:
            out.append(min(near, key=lambda h: (abs(_mid(h, across) - _mid(anchor, across)),
                                                abs(_mid(h, along) - _mid(anchor, along)))))
            used.add(_box_tuple(out[-1]))
    return out


def _row_box(doc: Document, page: int, cells: list[str]) -> tuple[dict | None, int]:
    """Box of a table row quoted as its cells, and how many cells were found for it. The anchor is
    the cell printed fewest times on the page (its best-placed occurrence); every other cell is
    taken where it stands on the anchor's line — or in its column, for a table whose items run
    down (指标 / 分值 / 得分 as rows), whichever gathers more cells."""
    cells = [c.strip() for c in cells if c and c.strip()]
    found = [_cell_hits(doc, page, c, cells[k - 1] if k else "", cells[k + 1] if k + 1 < len(cells) else "")
             for k, c in enumerate(cells)]
    have = [k for k in range(len(cells)) if found[k]]
    if not have:
        return None, 0
    # the anchor: a cell printed at most twice on the page, preferably not a leading one (in a
    # tiered table the leading cells are merged over many rows and printed in their middle)
    leading = len(cells) // 2 if len(cells) >= 4 else 0
    a = min(have, key=lambda k: (len(found[k]) > 2, k < leading, len(found[k]), -len(cells[k])))
    anchor, others = found[a][0], [found[k] for k in have if k != a]
    height = max(anchor["y1"] - anchor["y0"], 8.0)
    row = _gather(anchor, others, "y", "x", ROW_REACH * height, anchor["page_width"])
    column = _gather(anchor, others, "x", "y", max(anchor["x1"] - anchor["x0"], 30.0), 12 * height)
    if len(column) > len(row):
        return _union(column), len(column)
    return _union(_on_one_line(row)), len(row)


def _on_one_line(boxes: list[dict]) -> list[dict]:
    """The boxes whose middle is near the row's (median) middle: a merged cell's text, printed in
    the middle of the rows it spans, counts as found but does not stretch the row's box."""
    mids = sorted(_mid(b, "y") for b in boxes)
    median = mids[len(mids) // 2]
    line = min(b["y1"] - b["y0"] for b in boxes)
    kept = [b for b in boxes if b["y0"] - line <= median <= b["y1"] + line]
    return kept or boxes


def _best_row(doc: Document, page: int, cells: list[str]) -> dict | None:
    """The row on its page or a page next to it (a table running on): where most of its cells are
    found together, at least half of them ("100%" and "已完成" alone are on many pages)."""
    n = sum(1 for c in cells if c and c.strip())
    best, most = None, 0
    for p in (page, page + 1, page - 1):
        if p in doc.geometry:
            box, found = _row_box(doc, p, cells)
            if found > most:
                best, most = box, found
    return best if best is not None and 2 * most >= n else None


def evidence_box(doc: Document, page: int | None, evidence: str | None) -> dict | None:
    """Box of a value known by its page and evidence text only: a table row quoted as
    ``cell | cell | …``, or a sentence of the text (its start, when the whole is not on the page)."""
    if not doc.geometry or page is None or not evidence:
        return None
    box = None
    if CELL_SEP in evidence:
        box = _best_row(doc, page, evidence.split(CELL_SEP))
    else:
        for p in (page, page + 1, page - 1):
            hits = (_find_text(doc, p, evidence) or _find_text(doc, p, evidence[:40])) if p in doc.geometry else []
            if hits:
                box = hits[0]
                break
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in box.items()} if box else None


def _boxed(item: dict, box: dict | None) -> None:
    if box is None:
        return
    item.update({k: box[k] for k in ("x0", "y0", "x1", "y1", "page_width", "page_height")})
    item["page"] = box["page"]      # a table running onto the next page: the row's own page


def add_boxes(doc: Document, rec: dict) -> None:
    """Give every PDF value that has no box yet its box: provenance entries known by their quoted
    text (a total read from the indicator table), and the rows of the detail lists (indicators,
    funds, expenses, targets) from their span or their quoted cells."""
    if not doc.geometry:
        return
    for p in (rec.get("provenance") or {}).values():
        if isinstance(p, dict) and p.get("x0") is None:
            box = doc.box_of(p["start"], p["end"], doc.meta.get("original_text", doc.text)) \
                if isinstance(p.get("start"), int) and isinstance(p.get("end"), int) else None
            _boxed(p, box or evidence_box(doc, p.get("page"), p.get("text")))
    for key in BOXED_LISTS:
        for it in rec.get(key) or []:
            if isinstance(it, dict) and it.get("x0") is None:
                _boxed(it, evidence_box(doc, it.get("page"), it.get("evidence")))


def _quotes(ev: str, text: str | None) -> bool:
    return bool(ev and text and (ev == text or ev in text))


def _field_quoted(rec: dict, f: dict) -> str | None:
    """The field whose evidence a finding quotes, on the same page: a scalar (``total_score``) or
    a row of a detail list (``indicators[3]``, 0-based)."""
    ev, page = (f.get("evidence") or "").strip(), f.get("page")
    for name, p in (rec.get("provenance") or {}).items():
        if isinstance(p, dict) and _quotes(ev, p.get("text")) and (page is None or p.get("page") == page):
            return name
    for key in BOXED_LISTS:
        for k, it in enumerate(rec.get(key) or []):
            if isinstance(it, dict) and _quotes(ev, it.get("evidence")) and (page is None or it.get("page") == page):
                return f"{key}[{k}]"
    return None


def value_source(rec: dict, field: str | None) -> dict | None:
    """The provenance entry or detail row a field names (``total_score``, ``indicators[3].score``)."""
    m = re.match(r"^(\w+)\[(\d+)\](?:\.\w+)?$", field or "")
    if m:
        items, k = rec.get(m.group(1)), int(m.group(2))
        src = items[k] if isinstance(items, list) and k < len(items) else None
    else:
        src = (rec.get("provenance") or {}).get(field) if field else None
    return src if isinstance(src, dict) else None


def box_findings(doc: Document, rec: dict, findings: list[dict]) -> None:
    """Give each finding of a PDF report the field it rests on (when the rule did not say) and the
    box of its value: the field's box, else the box of its evidence text on its page."""
    if not doc.geometry:
        return
    if "original_text" in doc.meta:     # quoted texts are back in the report's own script now (script.restore)
        add_boxes(doc, rec)
    for f in findings:
        if f.get("x0") is not None:
            continue
        field = f.get("field") or _field_quoted(rec, f)
        if field:
            f["field"] = field
        src = value_source(rec, field)
        box = src if src is not None and src.get("x0") is not None else evidence_box(doc, f.get("page"), f.get("evidence"))
        if box is not None:
            f.update({k: box[k] for k in ("x0", "y0", "x1", "y1", "page_width", "page_height")})
            f["page"] = box.get("page", f.get("page"))
