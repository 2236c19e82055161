"""The indicator part of a 自评表: 一级/二级/三级指标, 年度指标值, 实际完成值, 分值, 得分, 偏差原因.

Each indicator row ends with its 分值 and 得分 when the header puts them side by side; pasted copies
keep the figures in row order even when the labels are shuffled (an xlsx flattened) or the cells
run one per line. The rows are grouped under the level-1 rows by the weights the form declares
("产出指标(50分)", "效益指标 30分)"): the weights of a group add up to its level-1 weight. With the
budget part's 执行率 row (its 分值 and 得分) the level-1 rows make the form's score table, so the
score rules can check the form's 总分. A group that does not add up leaves the table unread: a
wrong table is worse than none."""
from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.model import Document

from .. import vocab
from . import prov, targets
from .indicators import dimension_of

IND_HEAD = re.compile(r"一\s*级\s*指\s*标")
COLUMN = re.compile("|".join(f"(?P<{r}_{i}>{p})" for i, (r, p) in enumerate(vocab.FORM_IND_COLUMNS)))
UNIT = "|".join(re.escape(u) for u in sorted(vocab.FORM_UNITS, key=len, reverse=True))
FIG = re.compile(rf"(?<![\d.])(?P<v>\d+(?:\.\d+)?)(?P<u>{UNIT})?")
LEVEL1 = re.compile(rf"(?P<name>{vocab.FORM_LEVEL1})[^。；]{{0,20}}?(?:[（(]\s*(?P<a>\d{{1,3}})\s*分|(?P<b>\d{{1,3}})\s*分?\s*[)）])")
LONE_WEIGHT = re.compile(r"(?<![\u4e00-\u9fff])[（(]\s*(?P<a>\d{1,3})\s*分\s*[)）]")
CJK = re.compile(r"[\u4e00-\u9fff]")
PART_END = re.compile(r"注\s*[:：]|说明\s*[:：]|填报人|联系电话")


@dataclass
class Fig:
    value: float
    text: str
    start: int
    end: int
    bare: bool            # no unit: may be a weight or a score


@dataclass
class Pair:
    weight: float
    score: float
    name: str
    start: int
    end: int
    values: list          # the figures before the pair in its row (target, actual)
    total: bool = False


def _columns(head: str) -> list[str]:
    seen = []
    for m in COLUMN.finditer(head):
        role = m.lastgroup.rsplit("_", 1)[0]
        if role not in seen:
            seen.append(role)
    return seen


def figures(part: str, offset: int) -> list[Fig]:
    """The figures of the indicator part; indices ('指标1:'), declared weights ('(50分)') are not."""
    out = []
    for m in FIG.finditer(part):
        before, after = part[max(0, m.start() - 3):m.start()], part[m.end():m.end() + 1]
        if re.search(r"(?:指标|目标)\s*$", before) or after in (":", "：", "、") or \
                re.search(r"[（(]\s*$", before) or (after == "分" and not m.group("u")):
            continue
        out.append(Fig(float(m.group("v")), m.group(0), offset + m.start(), offset + m.end(), m.group("u") is None))
    return out


def rows(figs: list[Fig], text: str) -> list[list[Fig]]:
    """Figures grouped into rows: words between two figures, or a figure with a unit right after
    a bare one (a new row's target), start a new row."""
    out: list[list[Fig]] = []
    for f in figs:
        if out:
            prev = out[-1][-1]
            gap = text[prev.end:f.start]
            if len(CJK.findall(gap)) >= 2 or (prev.bare and not f.bare):
                out.append([f])
                continue
            out[-1].append(f)
        else:
            out.append([f])
    return out


def _name(text: str, start: int) -> str:
    """The indicator's name: the words right before its row."""
    before = text[max(0, start - 60):start]
    words = re.findall(r"[\u4e00-\u9fff“”（）()A-Za-z*]+", before)
    name = words[-1] if words else ""
    if len(name) < 2 or re.search(r"分值|得分|偏差|原因|指标值|完成值", name):
        return ""                           # a header word or a unit, not a name
    name = re.sub(r"^(?:指标\d+[:：]?|数量指标|质量指标|时效指标|成本指标|经济效益指标|社会效益指标|生态效益指标|"
                  r"可持续影响指标|服务对象满意度指标|满意度指标)+", "", name)
    return name.strip("（(")[:40]


def pairs(rws: list[list[Fig]], text: str) -> list[Pair]:
    """(分值, 得分) at the end of each row; (100, x) is the 总分 row."""
    out = []
    for r in rws:
        tail = []
        for f in reversed(r):
            if not f.bare:
                break
            tail.insert(0, f)
        found = []
        while len(tail) >= 2:
            w, s = tail[-2], tail[-1]
            if not (0 < w.value <= 100 and 0 <= s.value <= w.value):
                break
            found.insert(0, Pair(w.value, s.value, "", w.start, s.end, [], total=w.value == 100))
            tail = tail[:-2]
            if not (len(tail) >= 2 and found[0].total):
                break                       # one indicator per row, unless a 总分 pair followed it
        if found:
            head = [f for f in r if f.start < found[0].start][-2:]
            found[0].values = head
            found[0].name = _name(text, r[0].start)
        out.extend(found)
    return out


def markers(part: str, offset: int) -> list[tuple[str, float, int]]:
    """Level-1 rows with their declared weight, in order: (name, weight, position)."""
    found = {}
    for m in LEVEL1.finditer(part):
        num = m.group("a") or m.group("b")
        pos = offset + (m.start("a") if m.group("a") else m.start("b"))
        found[pos] = (re.sub(r"\s+", "", m.group("name")), float(num), pos)
    for m in LONE_WEIGHT.finditer(part):
        pos = offset + m.start("a")
        if pos not in found:
            found[pos] = (f"一级指标({m.group('a')}分)", float(m.group("a")), pos)
    return [found[k] for k in sorted(found)]


LEVEL1_NAME = re.compile(vocab.FORM_LEVEL1)


def group_by_name(part: str, offset: int, prs: list[Pair]) -> list[tuple[tuple, list[Pair]]] | None:
    """Level-1 rows that declare no weight ("产出指标 | 数量指标 | …", the name repeated down the rows
    or written once): the pairs from a level-1 name to the next one are its group, its weight their
    sum. None when a name has no pair under it or a pair stands before the first name."""
    firsts: dict[str, int] = {}
    for m in LEVEL1_NAME.finditer(part):
        firsts.setdefault(re.sub(r"\s+", "", m.group(0)), offset + m.start())
    marks = sorted(firsts.items(), key=lambda kv: kv[1])
    items = [p for p in prs if not p.total]
    if len(marks) < 2 or not items or items[0].start < marks[0][1]:
        return None
    out = []
    for k, (name, pos) in enumerate(marks):
        end = marks[k + 1][1] if k + 1 < len(marks) else float("inf")
        got = [p for p in items if pos <= p.start < end]
        if not got:
            return None
        out.append(((name, round(sum(p.weight for p in got), 4), pos), got))
    return out


def group(mks: list, prs: list[Pair]) -> list[tuple[tuple, list[Pair]]] | None:
    """Pairs under level-1 rows by their weights; None when a group overshoots its weight."""
    out, i = [], 0
    items = [p for p in prs if not p.total]
    for mk in mks:
        got, acc = [], 0.0
        while i < len(items) and acc < mk[1] - 1e-6:
            got.append(items[i])
            acc += items[i].weight
            i += 1
        if acc > mk[1] + 1e-6:
            return None
        out.append((mk, got if abs(acc - mk[1]) < 1e-6 else None))
    return out


def _ind(level, name, parent, weight, score, page, evidence) -> dict:
    return {"level": level, "dimension": dimension_of(name) if level == 1 else None, "name": name,
            "parent": parent, "weight": weight, "score": score, "rate_pct": None, "page": page,
            "evidence": evidence, "source": "form"}


def extract(doc: Document, rec: dict, budget, header) -> None:
    text = doc.text
    head = IND_HEAD.search(text, header.end if header is not None else 0)
    if head is None:
        return
    stop = PART_END.search(text, head.end())
    end = stop.start() if stop else len(text)
    cols = _columns(text[head.start():head.start() + 220])
    if "weight" not in cols or "score" not in cols or cols.index("score") != cols.index("weight") + 1:
        return                              # 分值 and 得分 not side by side: rows cannot be cut safely
    part = text[head.end():end]
    prs = pairs(rows(figures(part, head.end()), text), text)
    mks = markers(part, head.end())
    total = next((p for p in prs if p.total), None)
    if total is not None and rec.get("total_score") is None:
        p = prov.span(doc, total.start, total.end)
        p.update(source="form", shape="text")
        rec["total_score"] = total.score
        rec["provenance"]["total_score"] = p
    _targets(doc, rec, prs)
    groups = group(mks, prs) if mks else group_by_name(part, head.end(), prs)
    if not groups or any(g is None for _, g in groups):
        return
    items = []
    for (name, weight, pos), got in groups:
        ev = text[pos - len(name) - 2:pos + 6].replace("\n", " ")
        items.append(_ind(1, name, None, weight, round(sum(p.score for p in got), 4), doc.page_at(pos), ev))
        for p in got:
            items.append(_ind(3, p.name or "指标", name, p.weight, p.score, doc.page_at(p.start),
                              text[p.start:p.end].replace("\n", " ")))
    if budget is not None and budget.weight is not None and budget.score is not None:
        items.append(_ind(1, "预算执行率", None, budget.weight, budget.score, doc.page_at(header.start),
                          text[header.start:header.end].replace("\n", " ")[:200]))
    weights = sum(it["weight"] for it in items if it["level"] == 1)
    if abs(weights - 100) > 0.01:
        return                              # not the whole table: leave the score rules silent
    rec["indicators"] = items
    rec["provenance"]["indicators"] = {"page": items[0]["page"], "text": items[0]["evidence"], "source": "form"}


def _targets(doc: Document, rec: dict, prs: list[Pair]) -> None:
    """Rows with a target and an actual value before their 分值/得分 become targets (no status:
    the form scores them instead of saying 已完成)."""
    if rec.get("targets"):
        return
    out = []
    for p in prs:
        if p.total or len(p.values) < 2 or not p.name:
            continue
        t, a = p.values
        sign = doc.text[t.start - 1:t.start] if t.start > 0 else ""
        t_text = (sign if sign in "≥≤><＞＜=" else "") + t.text
        tv, unit = targets.value(t.text)
        av, _ = targets.value(a.text)
        out.append({"name": p.name, "direction": targets.direction(t_text), "target_text": t_text,
                    "target_value": tv, "actual_text": a.text, "actual_value": av, "unit": unit,
                    "status": None, "page": doc.page_at(p.start),
                    "evidence": doc.text[t.start:p.end].replace("\n", " ")[:300], "source": "form"})
    rec["targets"] = out
