"""The performance targets table: indicator, target value (with ≥ / ≤ / =), actual value and the
status the report gives (已完成 / 部分完成 / 未完成). When the actual value has no column of its
own it is read from the row's explanation ("准确率均为99.93%")."""
from __future__ import annotations

import re

from extractors.model import Document

from . import find, numbers

# record keys this family reads and writes (checked against the family order in fields.py)
READS: tuple[str, ...] = ()
WRITES: tuple[str, ...] = ("targets",)

STATUS = re.compile(r"部分完成|基本完成|未完成|已完成|超额完成|完成|达成|未达成|未达到|已达到")
TARGET_HEAD = re.compile(r"指标值|目标值|预期(?:目标|值)|年度指标|计划值")
ACTUAL_HEAD = re.compile(r"实际(?:完成)?值|完成值|实际完成|实现值|实际(?:情况|结果)")
STATUS_HEAD = re.compile(r"完成情况|实现情况|是否完成|达成情况|偏差")
NAME_HEAD = re.compile(r"三级指标|指标名称|绩效指标|^指标$|具体指标")
EXPLAIN_HEAD = re.compile(r"说明|原因|备注|分析")


def direction(text: str) -> str:
    t = text or ""
    if re.search(r"≥|>=|不低于|不少于|至少|以上|大于等于|＞=|≧", t):
        return ">="
    if re.search(r"≤|<=|不高于|不超过|以内|以下|小于等于|≦", t):
        return "<="
    if re.search(r">|＞|大于|高于", t):
        return ">="
    if re.search(r"<|＜|小于|低于", t):
        return "<="
    return "="


def value(text: str) -> tuple[float | None, str | None]:
    m = re.search(rf"({find.NUM})\s*(%|％|万元|元|人|名|户|个|次|天|日|份|项|家|km|公里|亩)?", text or "")
    if not m:
        return None, None
    return numbers.parse_number(m.group(1)), m.group(2)


def normalize_status(text: str) -> str | None:
    m = STATUS.search(re.sub(r"\s+", "", text or ""))
    if not m:
        return None
    s = m.group(0)
    if s in ("部分完成", "基本完成"):
        return "部分完成"
    if s in ("未完成", "未达成", "未达到"):
        return "未完成"
    return "已完成"


def _actual_from_explanation(name: str, text: str, unit: str | None) -> float | None:
    """The figure of the explanation that measures the indicator: same unit, next to a word of
    the indicator's name ("准确率均为99.93%")."""
    key = name[-3:] if len(name) >= 3 else name
    for m in re.finditer(rf"({find.NUM})\s*(%|％)" if unit in ("%", "％") else rf"({find.NUM})\s*{re.escape(unit or '')}", text or ""):
        before = text[max(0, m.start() - 14):m.start()]
        if key and (key in before or key[-2:] in before):
            return numbers.parse_number(m.group(1))
    return None


def _from_tables(doc: Document) -> list[dict]:
    out = []
    for b in doc.tables():
        g = b.grid()
        if len(g) < 2:
            continue
        for nh in (1, 2, 3):
            head = ["".join(re.sub(r"\s+", "", r[j]) for r in g[:nh]) for j in range(len(g[0]))]
            tcol = next((j for j, h in enumerate(head) if TARGET_HEAD.search(h)), None)
            if tcol is not None:
                break
        if tcol is None:
            continue
        acol = next((j for j, h in enumerate(head) if ACTUAL_HEAD.search(h) and j != tcol), None)
        scol = next((j for j, h in enumerate(head) if STATUS_HEAD.search(h) and j not in (tcol, acol)), None)
        ecol = next((j for j, h in enumerate(head) if EXPLAIN_HEAD.search(h) and j not in (tcol, acol, scol)), None)
        ncol = max((j for j, h in enumerate(head) if NAME_HEAD.search(h) and j < tcol), default=None)
        if ncol is None:
            ncol = tcol - 1 if tcol > 0 else None
        if ncol is None or (acol is None and scol is None):
            continue
        for row in g[nh:]:
            if len(row) <= tcol or not row[tcol].strip() or row[ncol] == row[tcol]:
                continue
            name = re.sub(r"\s+", "", row[ncol])
            tv, unit = value(row[tcol])
            status_text = row[scol] if scol is not None and scol < len(row) else ""
            actual_text = row[acol] if acol is not None and acol < len(row) else ""
            av, _ = value(actual_text)
            status = normalize_status(status_text) or normalize_status(actual_text)
            explain = row[ecol] if ecol is not None and ecol < len(row) else ""
            if av is None and explain:
                av = _actual_from_explanation(name, explain, unit)
            out.append({"name": name, "direction": direction(row[tcol]), "target_text": row[tcol],
                        "target_value": tv, "actual_text": actual_text or None, "actual_value": av, "unit": unit,
                        "status": status, "page": b.page,
                        "evidence": " | ".join(c for c in row if c)[:400]})
    return out


ROW_TEXT = re.compile(rf"(?P<name>[\u4e00-\u9fff]{{2,14}}?)(?P<t>[≥≤><]?\s*{find.NUM}\s*[%％]|及时|参与)\s*(?P<s>已完成|部分完成|未完成)")


def _from_text(doc: Document) -> list[dict]:
    """A targets table pasted as text: "…准确率100%已完成经现场核查…" — name, value, status, then
    the explanation up to the next such row."""
    out = []
    ms = list(ROW_TEXT.finditer(doc.text))
    for k, m in enumerate(ms):
        end = ms[k + 1].start() if k + 1 < len(ms) else min(len(doc.text), m.end() + 400)
        explain = doc.text[m.end():end]
        tv, unit = value(m.group("t"))
        av = _actual_from_explanation(m.group("name"), explain, unit) if tv is not None else None
        out.append({"name": m.group("name"), "direction": direction(m.group("t")), "target_text": m.group("t"),
                    "target_value": tv, "actual_text": None, "actual_value": av, "unit": unit,
                    "status": normalize_status(m.group("s")), "page": doc.page_at(m.start()),
                    "evidence": doc.text[m.start():min(end, m.start() + 300)]})
    return out


def extract(doc: Document, rec: dict) -> None:
    rec["targets"] = _from_tables(doc) or _from_text(doc)
