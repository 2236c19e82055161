"""Survey results: questionnaires issued and valid, answers per option, the weighting the report
states (非常满意 100 %, 满意 80 %…), and the satisfaction or awareness rate it states."""
from __future__ import annotations

import re
from collections import Counter

from extractors.model import Document

from pipeline.vocab import TOTAL_ROW

from . import find, numbers

# record keys this family reads and writes (checked against the family order in fields.py)
READS: tuple[str, ...] = ()
WRITES: tuple[str, ...] = ("satisfaction_pct", "survey_respondents", "survey", "provenance", "rounding")

ISSUED = r"(?:发放|下发)(?:调查)?问卷"
VALID = r"(?:有效|回收有效|收回有效)(?:调查)?问卷"
RETURNED = r"(?:回收|收回)(?:调查)?问卷"
OPTIONS = ("非常满意", "比较满意", "基本满意", "满意", "一般", "不太满意", "不满意", "非常不满意", "很满意")
RATE = re.compile(rf"(总体|综合|整体|平均|总)?满意度(?:得分)?(?:[^。；\d\n]{{0,6}}?)(?:为|达到|达|是|：|:)?\s*(?P<v>{find.NUM})\s*[%％]")


def _count(doc: Document, label: str) -> list[find.Hit]:
    hits = []
    for m in re.finditer(rf"{label}[^。；\d\n]{{0,6}}?(?:共|共计|合计)?\s*(?P<v>\d[\d,]*)\s*(?:份|张|人)", doc.text):
        hits.append(find.Hit(numbers.parse_number(m.group("v")), m.group("v"), m.start("v"), m.end(), m.start()))
    # "共回收312份问卷", "共有647人参与问卷调查"
    for m in re.finditer(rf"(?P<v>\d[\d,]*)\s*(?:份|张)(?:有效)?(?:调查)?问卷|(?P<w>\d[\d,]*)\s*人参与(?:了)?(?:问卷)?调查", doc.text):
        g = "v" if m.group("v") else "w"
        before = doc.text[max(0, m.start() - 6):m.start()]
        if label.startswith("(?:发放") and not re.search(r"发放|下发", before):
            continue
        if label.startswith("(?:回收") and not re.search(r"回收|收回|共有|共", before + m.group(0)):
            continue
        if label.startswith("(?:有效") and "有效" not in before + m.group(0):
            continue
        hits.append(find.Hit(numbers.parse_number(m.group(g)), m.group(g), m.start(g), m.end(g), m.start()))
    return sorted(hits, key=lambda h: h.start)


def _options_table(doc: Document) -> tuple[list[dict], dict]:
    """A table with one column (or row) per answer option; counts summed over the questions."""
    for b in doc.tables():
        g = b.grid()
        if len(g) < 2:
            continue
        head = [re.sub(r"\s+", "", c) for c in g[0]]
        cols = [(j, h) for j, h in enumerate(head) if h in OPTIONS]
        rows = [r for r in g if re.sub(r"\s+", "", r[0]) in OPTIONS]
        if len(cols) < 2 and len(rows) >= 2:
            return _options_rows(b, g, rows), {"page": b.page, "evidence": " | ".join(" ".join(r) for r in rows)[:300]}
        if len(cols) < 2:
            continue
        counts = Counter()
        for row in g[1:]:
            if re.search(TOTAL_ROW, row[0]):
                continue
            for j, h in cols:
                v = numbers.parse_number(row[j]) if j < len(row) and re.fullmatch(r"\s*\d[\d,]*\s*", row[j] or "") else None
                if v is not None:
                    counts[h] += v
        weights = {}
        note = " ".join(" ".join(r) for r in g)
        for m in re.finditer(r"(非常满意|比较满意|基本满意|满意|一般|不满意)[^0-9]{0,4}?(?:赋值|权重|计|按)\s*(\d+(?:\.\d+)?)\s*[%％分]?", note):
            weights[m.group(1)] = float(m.group(2))
        options = [{"label": h, "count": counts.get(h), "share_pct": None, "weight_pct": weights.get(h)} for _, h in cols]
        return options, {"page": b.page, "evidence": " | ".join(head)}
    return [], {}


def _options_rows(b, g: list[list[str]], rows: list[list[str]]) -> list[dict]:
    """Options as rows: 非常满意 | 33 | 30.00% (count, share, maybe a weight column)."""
    out = []
    for r in rows:
        count = share = weight = None
        for k, c in enumerate(r[1:], 1):
            c = c.strip()
            hk = g[0][k] if k < len(g[0]) else ""
            if re.fullmatch(r"\d[\d,]*", c) and count is None and not re.search(r"赋值|权重|分值", hk):
                count = numbers.parse_number(c)
            elif re.fullmatch(rf"{find.NUM}\s*[%％]?", c):
                if re.search(r"赋值|权重|分值", hk):
                    weight = numbers.parse_number(c)
                elif share is None:
                    share = numbers.parse_number(c)
        out.append({"label": re.sub(r"\s+", "", r[0]), "count": count, "share_pct": share, "weight_pct": weight})
    return out


def extract(doc: Document, rec: dict) -> None:
    iss = _count(doc, ISSUED)
    val = _count(doc, VALID)
    ret = _count(doc, RETURNED)
    issued = iss[0].value if iss else None
    valid = val[0].value if val else (ret[0].value if ret else None)
    options, where = _options_table(doc)
    # a target ("满意度 ≥90%") is not a result
    rates = [m for m in RATE.finditer(doc.text)
             if not re.search(r"[≥≤><]|目标|不低于|不少于|以上", doc.text[m.start():m.start("v")])]
    stated = None
    if rates:
        best = next((m for m in rates if m.group(1)), rates[0])
        stated = numbers.parse_number(best.group("v"))
        rec["provenance"]["satisfaction_pct"] = find.Hit(stated, best.group("v"), best.start("v"), best.end(), best.start()).prov(doc)
        rec["rounding"]["satisfaction_pct"] = numbers.decimals(best.group("v"))
    respondents = valid if valid is not None else issued
    rec["survey_respondents"] = int(respondents) if respondents is not None else None
    hit = (val or ret or iss or [None])[0]
    if hit is not None:
        rec["provenance"]["survey_respondents"] = hit.prov(doc)
    rec["satisfaction_pct"] = stated
    if issued is not None or valid is not None or options or stated is not None:
        rec["survey"] = {"issued": issued, "valid": valid, "options": options, "stated_pct": stated,
                         "page": where.get("page"), "evidence": where.get("evidence") or
                         (find.sentence(doc.text, rates[0].start()) if rates else None)}
