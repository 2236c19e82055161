"""Plausibility of OCR'd numbers before any rule judges them.

A score read by OCR that breaks its own table (above its weight, level-1 scores that miss the total,
a 得分率 above 100) is more likely a misread digit than a report's mistake. The extractor keeps, for
every OCR'd cell with a digit, its confidence and the other engine's reading (``meta["ocr_cells"]``,
extractors/ocr.py). Here:

- a broken value whose cell has another reading that fits the arithmetic takes that reading, and
  ``provenance["ocr_reread:<indicator>.<key>"]`` notes both readings;
- a value that stays broken, or whose cell was read with low confidence, goes to
  ``rec["ocr_suspects"]`` ({field, key, value, page, cell, confidence, reason, evidence}); the rules'
  guard (pipeline/rules/ocr.py) turns every finding that rests on one into ``meta.low_confidence_ocr``
  (info) — an auditor is never shown an error that is really a misread digit.

Text renditions (no OCR'd pages) are untouched.
"""
from __future__ import annotations

from extractors.model import Document

import re

from .numbers import agrees, decimals, parse_number

LOW_CELL_CONFIDENCE = 0.70   # mean word confidence (0..1) of a cell below which its number is not trusted
TOLERANCE = 0.011            # 分: beyond rounding of the parts


def _value(text: str) -> float | None:
    return parse_number((text or "").strip().rstrip("%％分").strip("()（）"))


def _cell_for(cells: list[dict], page, evidence: str | None, value) -> dict | None:
    """The OCR'd cell on ``page`` that holds ``value`` and is one of the row's cells in ``evidence``."""
    if value is None or page is None:
        return None
    parts = set((evidence or "").split(" | "))
    hits = [c for c in cells if c["page"] == page and _value(c["text"]) is not None
            and abs(_value(c["text"]) - float(value)) < 1e-9]
    return next((c for c in hits if c["text"] in parts), hits[0] if len(hits) == 1 else None)


def _row_broken(it: dict) -> str | None:
    """Why an indicator row cannot be as read, or None."""
    s, w, r = it.get("score"), it.get("weight"), it.get("rate_pct")
    if s is not None and (s < 0 or (w and s > w + 1e-9)):
        return "score above its weight / 得分超过分值"
    if w is not None and w > 100 + 1e-9:
        return "weight above 100 / 分值超过100"
    if r is not None and r > 100 + 1e-9:
        return "rate above 100 / 得分率超过100%"
    return None


def _cell_label(c: dict) -> str:
    return f"第{c['row'] + 1}行第{c['col'] + 1}列“{c['text']}”"


def _try_alternatives(it: dict, cells: list[dict], fits) -> tuple[str, float, dict] | None:
    """(key, new value, cell) when one other reading of one of the row's cells makes ``fits(it)`` true."""
    for key in ("score", "weight", "rate_pct"):
        c = _cell_for(cells, it.get("page"), it.get("evidence"), it.get(key))
        for alt in (c or {}).get("alternatives") or []:
            v = _value(alt)
            if v is None:
                continue
            old = it[key]
            it[key] = v
            ok = fits(it)
            it[key] = old
            if ok:
                return key, v, c
    return None


def _adopt(rec: dict, it: dict, key: str, v: float, cell: dict, why: str) -> None:
    old = it[key]
    it[key] = v
    rec["provenance"][f"ocr_reread:{it.get('name')}.{key}"] = {
        "page": it.get("page"), "start": None, "end": None,
        "text": f"OCR 读作 {old:g}，另一引擎读作 {v:g}（{why}，采用后者）；单元格{_cell_label(cell)}"}


def _suspect(rec: dict, field: str, key: str, value, page, cell: dict | None, reason: str, evidence) -> None:
    rec.setdefault("ocr_suspects", []).append({
        "field": field, "key": key, "value": value, "page": page,
        "cell": _cell_label(cell) if cell else None,
        "confidence": cell.get("confidence") if cell else None, "reason": reason, "evidence": evidence})


def _level1_sum_ok(l1: list[dict], total) -> bool:
    scores = [i.get("score") for i in l1]
    if total is None or len(l1) < 2 or any(s is None for s in scores):
        return True
    return abs(sum(scores) - total) <= TOLERANCE * len(l1)


def _rate_agrees(it: dict) -> bool:
    """score ÷ weight agrees with the stated rate at its decimals (True when any is missing)."""
    s, w, r = it.get("score"), it.get("weight"), it.get("rate_pct")
    if s is None or not w or r is None:
        return True
    nd = decimals(f"{r:.6f}".rstrip("0").rstrip("."))
    return agrees(r, s / w * 100, nd, slack=1.0) is not None


def _weights_ok(l1: list[dict]) -> bool:
    ws = [i.get("weight") for i in l1]
    return len(l1) < 2 or any(w is None for w in ws) or abs(sum(ws) - 100) <= 0.01


def _weak_cell(it: dict, cells: list[dict]) -> str | None:
    for key in ("score", "weight", "rate_pct"):
        c = _cell_for(cells, it.get("page"), it.get("evidence"), it.get(key))
        if c is not None and c.get("confidence") is not None and c["confidence"] < LOW_CELL_CONFIDENCE:
            return f"识别置信度{c['confidence']:.2f}"
    return None


def extract(doc: Document, rec: dict) -> None:
    ocr_pages = set(doc.meta.get("ocr_pages") or [])
    if not ocr_pages:
        return
    cells = doc.meta.get("ocr_cells") or []
    rec.setdefault("ocr_suspects", [])
    # which pages were read by OCR, and why ("no text layer" / "text layer unreadable (…)")
    rec["ocr_page_reasons"] = dict(doc.meta.get("ocr_reasons") or {})
    inds = [i for i in rec.get("indicators") or [] if isinstance(i, dict) and i.get("page") in ocr_pages
            and i.get("source") != "narrative"]
    l1 = [i for i in inds if i.get("level") == 1]
    total = rec.get("total_score")
    # 1. rows that break themselves, or hold a number read with low confidence: another reading that
    # makes the whole row agree (score within weight, score ÷ weight = the stated rate; for a level-1
    # row also the sums to the total and to 100) is taken
    def fits(x: dict) -> bool:
        return (_row_broken(x) is None and _rate_agrees(x)
                and (x.get("level") != 1 or (_level1_sum_ok(l1, total) and _weights_ok(l1))))

    for it in inds:
        why = _row_broken(it) or _weak_cell(it, cells)
        if why is None or fits(it):
            continue
        alt = _try_alternatives(it, cells, fits)
        if alt:
            _adopt(rec, it, *alt, why=f"原读数{why}")
    # 2. level-1 scores that miss the stated total: one other reading that closes the sum is taken
    if not _level1_sum_ok(l1, total):
        for it in l1:
            alt = _try_alternatives(it, cells, lambda x: _row_broken(x) is None and _level1_sum_ok(l1, total))
            if alt:
                _adopt(rec, it, *alt, why="与总分相符")
                break
    # 3. what stays broken, or was read with low confidence, is a suspect (a sum broken by confidently
    # read numbers is the report's own: the rules judge it)
    for it in inds:
        why = _row_broken(it)
        for key in ("score", "weight", "rate_pct"):
            c = _cell_for(cells, it.get("page"), it.get("evidence"), it.get(key))
            low = c is not None and c.get("confidence") is not None and c["confidence"] < LOW_CELL_CONFIDENCE
            if why or low:
                _suspect(rec, f"indicator:{it.get('name')}", key, it.get(key), it.get("page"), c,
                         why or f"OCR confidence {c['confidence']:.2f} / 识别置信度低", it.get("evidence"))
    # 4. level-1 scores that miss the total in a table not read whole (a weight lost, weights not
    # adding up to 100): a row or cell the recogniser lost, not the report's arithmetic
    weights = [i.get("weight") for i in l1]
    if l1 and not _level1_sum_ok(l1, total) and (any(w is None for w in weights) or abs(sum(weights) - 100) > 0.01):
        _suspect(rec, "total_score", "total_score", total, l1[0].get("page"), None,
                 "level-1 table not read whole / 一级指标表未完整识别", " | ".join(i.get("evidence") or "" for i in l1))
    # 5. level-1 weights read whole that do not add up to 100 (145, 185: rows of another table taken in, a
    # row read twice): the recogniser's table, not the report's weights, until a person has looked
    if len(l1) >= 2 and all(w is not None for w in weights) and abs(sum(weights) - 100) > 0.01:
        for it in l1:
            _suspect(rec, f"indicator:{it.get('name')}", "weight", it.get("weight"), it.get("page"), None,
                     f"level-1 weights read by OCR add up to {sum(weights):g} / 一级指标分值合计为{sum(weights):g}，"
                     "表格可能未完整或重复识别", it.get("evidence"))
    _percent_sign_misreads(rec, ocr_pages)
    _fund_table_suspects(rec, ocr_pages)
    _scalar_suspects(doc, rec, cells, ocr_pages)
    _survey_suspects(rec, cells, ocr_pages)


# rate field → (numerator, denominators) of the funds rules
RATES = {"execution_rate_pct": ("spent_wan", ("received_wan", "allocated_wan")),
         "arrival_rate_pct": ("received_wan", ("allocated_wan",))}
# how the Chinese model reads a "%" after a digit: an extra "9" or "96" / "6" (see extractors/ocr.py)
PERCENT_AS_DIGITS = ("96", "9", "6")


def _percent_sign_misreads(rec: dict, ocr_pages: set) -> None:
    """A rate read by OCR ("28.919%") that misses its amounts' arithmetic, but would fit it without
    the trailing digits the Chinese model makes of a "%" sign ("28.91%"): that reading is taken and
    both are noted. A rate that still misses and ends so is a suspect."""
    for field, (num_key, dens) in RATES.items():
        v, p = rec.get(field), (rec.get("provenance") or {}).get(field) or {}
        n = rec.get(num_key)
        if v is None or n is None or p.get("page") not in ocr_pages:
            continue
        ds = [rec.get(d) for d in dens if rec.get(d)]
        m = next((m for m in re.finditer(r"(\d+(?:\.\d+)?)\s*[%％]", p.get("text") or "")
                  if abs(float(m.group(1)) - float(v)) < 1e-9), None)
        if m is None or not ds:
            continue
        t = m.group(1)
        if any(agrees(float(v), n / d * 100, decimals(t)) for d in ds):
            continue
        for cut in PERCENT_AS_DIGITS:
            short = t[:-len(cut)]
            if t.endswith(cut) and "." in short and not short.endswith("."):
                c = float(short)
                if any(agrees(c, n / d * 100, decimals(short)) for d in ds):
                    rec[field] = c
                    if isinstance(rec.get("rounding"), dict) and field in rec["rounding"]:
                        rec["rounding"][field] = decimals(short)
                    for st in rec.get("statements") or []:
                        if st.get("quantity") == field and st.get("value") == v and st.get("page") == p.get("page"):
                            st["value"] = c
                    rec["provenance"][f"ocr_reread:{field}"] = {
                        "page": p.get("page"), "start": p.get("start"), "end": p.get("end"),
                        "text": f"OCR 读作 {t}%，末尾“{cut}”应为百分号：{short}%（与金额相符，采用后者）"}
                    break
        else:
            if t.endswith(PERCENT_AS_DIGITS):
                _suspect(rec, field, field, v, p.get("page"), None,
                         "a % sign may have been read as a digit / 百分号可能被识别为数字", p.get("text"))


FUND_COLS = ("allocated_wan", "received_wan", "spent_wan")
FAR_OFF = 0.5        # parts that miss their 合计 by more than half of it: a misread amount, not a slip


def _fund_table_suspects(rec: dict, ocr_pages: set) -> None:
    """A funding table read by OCR whose parts miss its 合计 row by more than half of it (a lost decimal
    point, two cells read as one): the recogniser's numbers, so the sum finding waits for a person."""
    rows = [r for r in rec.get("fund_sources") or [] if isinstance(r, dict) and not r.get("group")
            and r.get("page") in ocr_pages]
    totals = [r for r in rows if r.get("kind") == "total"]
    if len(totals) != 1:
        return
    t = totals[0]
    for kind in ("source", "year"):
        parts = [r for r in rows if r.get("kind") == kind]
        for col in FUND_COLS:
            vals = [_value(str(p.get(col))) if p.get(col) is not None else None for p in parts]
            tv = t.get(col)
            if len(parts) < 2 or tv in (None, 0) or any(v is None for v in vals):
                continue
            if abs(sum(vals) - float(tv)) > FAR_OFF * abs(float(tv)):
                _suspect(rec, "fund_sources", col, tv, t.get("page"), None,
                         f"parts read by OCR add up to {sum(vals):g}, far from the 合计 {float(tv):g} / "
                         "明细合计与合计行相差悬殊，可能识别有误", t.get("evidence"))


def _scalar_suspects(doc: Document, rec: dict, cells: list[dict], ocr_pages: set) -> None:
    """Headline scalars (total score, amounts, rates) taken from an OCR'd table cell read with low
    confidence, or a total score / rate that cannot be (above 100)."""
    for field in ("total_score", "execution_rate_pct", "arrival_rate_pct", "satisfaction_pct",
                  "allocated_wan", "received_wan", "spent_wan"):
        p = (rec.get("provenance") or {}).get(field) or {}
        v = rec.get(field)
        if v is None or p.get("page") not in ocr_pages:
            continue
        c = _cell_for(cells, p.get("page"), p.get("text"), v)
        if c is None:     # the figure may be written with its unit in the cell ("95.5分")
            c = next((x for x in cells if x["page"] == p.get("page") and x["text"] and x["text"] in (p.get("text") or "")
                      and _value(x["text"]) is not None and abs(_value(x["text"]) - float(v)) < 1e-9), None)
        why = None
        if field in ("total_score", "satisfaction_pct") and not 0 <= float(v) <= 100:
            why = "above 100 / 超过100"
        elif c is not None and c.get("confidence") is not None and c["confidence"] < LOW_CELL_CONFIDENCE:
            why = f"OCR confidence {c['confidence']:.2f} / 识别置信度低"
        if why:
            _suspect(rec, field, field, v, p.get("page"), c, why, p.get("text"))


def _survey_suspects(rec: dict, cells: list[dict], ocr_pages: set) -> None:
    s = rec.get("survey") or {}
    if not isinstance(s, dict) or s.get("page") not in ocr_pages:
        return
    # option counts that do not add up to the respondents: the survey table broke its own arithmetic
    counts = [o.get("count") for o in s.get("options") or [] if isinstance(o, dict)]
    n = s.get("valid") or s.get("issued")
    if n and len(counts) >= 2 and all(c is not None for c in counts) and abs(sum(counts) - n) > 0.5:
        _suspect(rec, "survey", "count", sum(counts), s.get("page"), None,
                 f"option counts read by OCR add up to {sum(counts):g}, not the {n:g} respondents / "
                 f"各选项人数合计{sum(counts):g}与有效问卷{n:g}份不符，可能识别有误", s.get("evidence"))
    for o in s.get("options") or []:
        if not isinstance(o, dict):
            continue
        for key in ("count", "share_pct"):
            v = o.get(key)
            c = _cell_for(cells, s.get("page"), None, v)
            bad = key == "share_pct" and v is not None and not 0 <= v <= 100
            low = c is not None and c.get("confidence") is not None and c["confidence"] < LOW_CELL_CONFIDENCE
            if bad or low:
                _suspect(rec, "survey", key, v, s.get("page"), c,
                         "share above 100 / 占比超过100%" if bad else f"OCR confidence {c['confidence']:.2f} / 识别置信度低",
                         s.get("evidence"))
