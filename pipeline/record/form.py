"""The national self-evaluation forms (项目支出绩效自评表, 部门整体支出绩效自评表, 绩效目标自评表), in
whatever shape a portal gives them: a DOCX/PDF table, pipe rows pasted from a web page, one cell per
line, every cell run together, an OCR'd copy with garble.

The reader works on the document text, where every shape leaves the same trace: the header labels
of the budget part in order (年初预算数 … 得分), then rows — a label (年度资金总额, 其中：财政拨款 …)
and a run of figures. Column roles come from the header labels, never from position alone; a row's
figures go to those columns by the form's own arithmetic (``form_cells.solve``). The indicator part
(一级指标 … 分值 得分) is read by ``form_indicators``.

Ranking of evidence: a value the form states beats one the narrative states (the form is the
report's own table); the provenance of such a field says ``source: "form"`` and what it replaced.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.model import Document

from .. import vocab
from . import form_cells, form_indicators, numbers, ocr_fold, prov
from .form_cells import AMOUNT_ROLES, Hints, Reading

# record keys this family reads and writes (checked against the family order in fields.py)
READS: tuple[str, ...] = ("total_score", "targets")
WRITES: tuple[str, ...] = ("allocated_wan", "received_wan", "spent_wan", "execution_rate_pct", "total_score",
                           "indicators", "targets", "provenance", "rounding")
# the self-evaluation form is the report's own table: its amounts, rate and indicators outrank what
# funds / indicators read from the narrative; total_score and targets only where those found none
OVERRIDES: tuple[str, ...] = ("allocated_wan", "received_wan", "spent_wan", "execution_rate_pct", "total_score",
                              "indicators", "targets")

GATE = re.compile(vocab.FORM_GATE)
LABEL = re.compile("|".join(f"(?P<{role}_{i}>{pat})" for i, (role, pat) in enumerate(vocab.FORM_BUDGET_COLUMNS)))
PAREN = re.compile(r"[（(][^（()）\n]{0,16}[)）]|[（(][A-Za-z/\d×*%]{0,6}")
TOTAL_ROW = re.compile(vocab.FORM_TOTAL_ROW)
BUDGET_END = re.compile(vocab.FORM_BUDGET_END)
RUN = re.compile(r"(?:[\d.,]+(?:万元|元)?[%％]?|[OIl][\d.]+[%％]?)(?:[\s|:：]*(?:[\d.,]+(?:万元|元)?[%％]?|[—－\-/]{1,2}(?![\u4e00-\u9fff])))*")
WEIGHT_HINT = re.compile(r"[（(]\s*(\d{1,3})\s*分")
RANK = ("form", "table", "narrative")     # where a value comes from, strongest first


@dataclass
class Header:
    start: int
    end: int
    roles: list[str]
    labelled_a: str | None = None          # the budget column the form marks (A)
    hints: Hints = field(default_factory=Hints)


@dataclass
class Row:
    label: str
    start: int
    end: int
    reading: Reading | None
    total: bool
    garbled: bool = False


def _paren_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in PAREN.finditer(text)]


def headers(text: str) -> list[Header]:
    """Runs of budget-column labels close together: the header rows of budget parts."""
    parens = _paren_spans(text)
    inside = lambda a: any(s < a < e for s, e in parens)  # noqa: E731
    labels = []
    for m in LABEL.finditer(text):
        if inside(m.start()):
            continue                        # "(20分*执行率)", "(B/A×100%)": a note, not a column
        role = m.lastgroup.rsplit("_", 1)[0]
        if m.group(0).startswith("执行率") and role in ("weight", "score") and \
                not any(r == "rate" and m.start() - e < 30 for _, e, r in labels[-4:]):
            # "分值执行率得分" with the spaces between cells gone: two columns, 执行率 | 得分
            labels.append((m.start(), m.start() + 3, "rate"))
            labels.append((m.start() + 3, m.end(), role))
            continue
        labels.append((m.start(), m.end(), role))
    out: list[Header] = []
    group: list[tuple[int, int, str]] = []

    def flush() -> None:
        roles = [r for _, _, r in group]
        amounts = set(roles) & {"initial", "adjusted", "budget"}
        # two labels are enough when figures follow at once ("全年预算数(A) 全年执行数(B) 2830.17 …")
        follows = re.match(r"[\s|:：(（AB)）]*\d", text[group[-1][1]:group[-1][1] + 40]) if group else None
        if "executed" in roles and (amounts or "rate" in roles) and (len(roles) >= 3 or (amounts and follows)):
            out.append(_header(text, group))

    for lab in labels:
        if group:
            gap = PAREN.sub("", text[group[-1][1]:lab[0]])
            if len(gap) > 14 or re.search(r"\d{2,}|[。；;]", gap) or lab[2] in [r for _, _, r in group if r != "method"]:
                flush()
                group = []
        group.append(lab)
    if group:
        flush()
    return out


def _header(text: str, group: list[tuple[int, int, str]]) -> Header:
    start, end = group[0][0], group[-1][1]
    m = re.match(r"\s*[（(][^（()）\n]{0,16}[)）]", text[end:])
    if m:
        end += m.end()                      # "得分(分)", "执行率(B/A)"
    roles = [r for _, _, r in group]
    h = Header(start, end, roles)
    for s, e, r in group:
        if re.match(r"\s*[（(]\s*A\s*[)）]", text[e:e + 6]) and r in ("initial", "adjusted", "budget"):
            h.labelled_a = r
    around = text[max(0, start - 40):end]
    w = WEIGHT_HINT.findall(around)
    if w:
        h.hints.weight = float(w[-1])
    if re.search(r"[（(]\s*元\s*[)）]", text[max(0, start - 30):start]):
        h.hints.unit = "元"
    h.hints.score_is_weight_x_rate = bool(re.search(r"分\s*[*×xX]\s*执行率|执行率\s*[*×xX]", text[start:end + 60]))
    return h


def _row_label(raw: str) -> str:
    """The label of a row: what stands after the last sentence mark before its figures."""
    tail = re.split(r"[。；;，,]", raw)[-1]
    return re.sub(r"[\s|:：]+", "", tail)


def rows(text: str, h: Header) -> list[Row]:
    """The rows of a budget part: label + figures, from the header to the next section."""
    stop = BUDGET_END.search(text, h.end, h.end + 800)
    end = stop.start() if stop else min(len(text), h.end + 600)
    out: list[Row] = []
    pos = h.end
    bare_rate = not re.search(r"\d\s*[%％]", text[h.end:end])
    for m in RUN.finditer(text, h.end, end):
        raw_label = text[pos:m.start()]
        pos = m.end()
        label = _row_label(raw_label)
        run = m.group(0)
        if len(label) > 30 or re.search(r"指标|目标", label):
            break                            # a sentence or the indicator part: the budget rows are over
        if not re.search(r"\d", run):
            continue
        garbled = run.startswith((".", "O", "I", "l")) or bool(re.search(r"[A-Za-z]$", raw_label.strip()))
        # the total row is labelled so (年度资金总额, 合计), or stands unlabelled right under the header
        is_total = bool(TOTAL_ROW.search(label)) or (not out and not label)
        toks = form_cells.tokens(run)
        if not garbled and _header_short(run, toks, h):
            garbled = True                   # the header lost a label: the amounts cannot be placed
        if garbled:
            out.append(Row(label, m.start(), m.end(), form_cells.salvage(run, h.roles, h.hints), is_total, True))
            continue
        for toks, a, b in _chunks(toks, h, m.start(), m.end(), bare_rate):
            out.append(Row(label, a, b, form_cells.solve(toks, h.roles, h.hints, bare_rate=bare_rate), is_total))
            is_total = False
    return out


def _header_short(run: str, toks: list, h: Header) -> bool:
    """One line of separated cells with one or two figures more than the header has columns: a
    header label was lost (OCR garble), so every column after it would shift and 执行数 would get
    the budget figure. A wrong amount is worse than none: such a row keeps only what its own
    arithmetic confirms (rate, weight, score)."""
    ncol = len([r for r in h.roles if r != "method"])
    return "\n" not in run.strip() and not any(t.joined for t in toks) and ncol < len(toks) <= ncol + 2


def _chunks(toks: list, h: Header, a: int, b: int, bare_rate: bool):
    """A run with more figures than columns holds several rows (their labels lost): cut off the
    longest first row that reads (a row normally fills the header's width)."""
    ncol = len([r for r in h.roles if r != "method"])
    out = []
    while len(toks) > ncol:
        k = next((k for k in range(ncol, 1, -1)
                  if form_cells.solve(toks[:k], h.roles, h.hints, bare_rate=bare_rate) is not None), None)
        if k is None:
            break
        out.append((toks[:k], a, b))
        toks = toks[k:]
    out.append((toks, a, b))
    return out


def _money(rd: Reading | None) -> bool:
    return rd is not None and any((rd.values.get(r) or 0) > 0 for r in AMOUNT_ROLES)


@dataclass
class Budget:
    allocated: float | None = None
    spent: float | None = None
    rate: float | None = None
    rate_text: str | None = None
    weight: float | None = None
    score: float | None = None
    row: Row | None = None
    base: str | None = None


def budget(text: str) -> tuple[Budget, Header] | tuple[None, None]:
    """What the form's budget part states, from its total row (or its sub-rows when the total
    row is all zeros or lost)."""
    for h in headers(text):
        every = rows(text, h)
        rs = [r for r in every if r.reading is not None and r.reading.values]
        if not rs:
            continue
        total = next((r for r in every if r.total), None)     # kept even when lost to garble
        subs = [r for r in rs if r is not total]
        out = Budget(row=total)
        src = total
        if total is None or not _money(total.reading):
            money = [r for r in subs if _money(r.reading)]
            src = money[0] if len(money) == 1 else None
        if src is not None and src.reading is not None:
            v = src.reading.values
            out.spent = v.get("executed")
            out.base = src.reading.base or h.labelled_a
            order = [out.base] if out.base else []
            order += [r for r in ("adjusted", "budget", "initial") if r not in order]
            out.allocated = next((v[r] for r in order if v.get(r)), None)
            out.row = src
        # the rate and the execution score: from the total row unless it is a zero placeholder or
        # lost (then its sub-rows speak for it); with no total row, only from the one row with money
        if total is None:
            cands = [src] if src is not None else []
        else:
            cands = [total] + ([] if _money(total.reading) else subs)
        for r in cands:
            rd = r.reading
            if rd is None or rd.values.get("rate") is None:
                continue
            placeholder = not _money(rd) and rd.values.get("rate") == 0 and not r.garbled
            if placeholder:
                continue
            out.rate, out.rate_text = rd.values["rate"], rd.texts["rate"]
            if rd.values.get("weight") is not None and rd.values.get("score") is not None:
                out.weight, out.score = rd.values["weight"], rd.values["score"]
            if out.row is None:
                out.row = r
            break
        if out.weight is None and total is not None and total.reading and _money(total.reading):
            out.weight, out.score = total.reading.values.get("weight"), total.reading.values.get("score")
        if out.weight is None and out.score is not None and "weight" not in h.roles:
            out.weight = h.hints.weight          # "得分(20分*执行率)"
        if any(x is not None for x in (out.allocated, out.spent, out.rate)):
            return out, h
    return None, None


LINE_UNIT = re.compile(r"[（(]\s*(万元|元)\s*[)）]\s*[:：]?")
LINE_FIG = re.compile(r"[\s:：为]*(?P<v>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<p>[%％])?")


def budget_line(text: str) -> tuple[Budget, Header] | tuple[None, None]:
    """The form's budget labels written as one prose line, each followed by its figure, the unit
    once in front: "资金情况（万元）：全年预算数 860，全年执行数 817，执行率 95%，分值 10，得分 9.5"."""
    for um in LINE_UNIT.finditer(text):
        le = text.find("\n", um.end())
        le = len(text) if le == -1 else le
        line = text[um.end():le]
        vals: dict[str, tuple[float, str, int, int]] = {}
        for m in LABEL.finditer(line):
            role = m.lastgroup.rsplit("_", 1)[0]
            f = LINE_FIG.match(line, m.end())
            if role == "method" or f is None or role in vals:
                continue
            if (role == "rate") != bool(f.group("p")):
                continue                     # a rate with %, an amount or a point without
            v = numbers.parse_number(f.group("v"))
            if v is not None:
                vals[role] = (v, f.group("v"), um.end() + m.start(), um.end() + f.end())
        budgets = [r for r in ("adjusted", "budget", "initial") if r in vals]
        if "executed" not in vals or not budgets:
            continue
        factor = 1e-4 if um.group(1) == "元" else 1.0
        out = Budget(spent=round(vals["executed"][0] * factor, 6), allocated=round(vals[budgets[0]][0] * factor, 6))
        if "rate" in vals:
            out.rate, out.rate_text = vals["rate"][0], vals["rate"][1]
        if "weight" in vals and "score" in vals and vals["score"][0] <= vals["weight"][0]:
            out.weight, out.score = vals["weight"][0], vals["score"][0]
        a = min(x[2] for x in vals.values())
        e = max(x[3] for x in vals.values())
        out.row = Row(line.strip(), a, e, None, True)
        return out, Header(a, e, list(vals))
    return None, None


def _set(doc: Document, rec: dict, field_: str, value, start: int, end: int, shape: str) -> None:
    """Put a form value in the record unless what is there ranks higher (RANK: a value read from
    the form's budget part beats a table elsewhere, which beats the narrative)."""
    old = rec.get(field_)
    old_source = (rec["provenance"].get(field_) or {}).get("source") or "narrative"
    if old is not None and RANK.index(old_source if old_source in RANK else "narrative") < RANK.index("form"):
        return
    p = prov.span(doc, start, end)
    p.update(source="form", shape=shape)
    if old is not None and old != value:
        p["replaced"] = {"value": old, "source": old_source}
    rec[field_] = value
    rec["provenance"][field_] = p


def _shape(doc: Document, pos: int) -> str:
    b = next((b for b in doc.blocks if b.start <= pos <= b.end), None)
    return "table" if b is not None and b.kind == "table" else "text"


SCORE_NUM = r"\d{1,3}(?:\.\d{1,2})?"
# "自评总分(分)92.5" states the score; a bare "总分" row states weight then score ("总分 100 92"):
# "总分100分" alone is the full mark, not a result
TOTAL_SCORE = re.compile(rf"(?:(?P<own>自\s*评\s*总\s*分|自\s*评\s*得\s*分|总\s*得\s*分|综合\s*得\s*分)|总\s*分)"
                         rf"\s*(?:[（(]\s*分\s*[)）])?[\s|:：\t]*(?P<a>{SCORE_NUM})"
                         rf"(?:[\s|\t]+(?P<b>{SCORE_NUM}))?(?![\d.%％])")


def total_score(text: str) -> tuple[float, int, int] | None:
    """The form's total: '自评总分(分)92.5'; '总分 100 92' is weight then score."""
    for m in TOTAL_SCORE.finditer(text):
        a, b = float(m.group("a")), m.group("b")
        if b is not None and a == 100 and float(b) <= 100:
            return float(b), m.start("b"), m.end("b")
        if m.group("own") and 0 < a <= 100 and b is None:
            return a, m.start("a"), m.end("a")
    return None


CELL_NUM = r"(?P<v>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d.,，])"
AMOUNT_CELLS = [(f, re.compile(rf"(?:{pat})\s*[（(]\s*(?P<u>万元|元)\s*[)）]\s*[|\t]\s*{CELL_NUM}"))
                for f, pat in vocab.FORM_AMOUNT_CELLS]


def amount_cells(text: str) -> dict[str, tuple[float, int, int]]:
    """'计划安排资金（万元） | 350': field → (万元, span). A garbled cell ('3,50.0,12') is not read."""
    out = {}
    for f, pat in AMOUNT_CELLS:
        m = pat.search(text)
        if m:
            v = numbers.parse_amount(m.group("v") + m.group("u"))
            if v is not None:
                out[f] = (v, m.start("v"), m.end("v"))
    return out


def extract(doc: Document, rec: dict) -> None:
    # matching runs on a same-length copy with OCR confusions undone (预箅数, 执彳亍数, 1O): spans stay
    # spans of doc.text, stored text is untouched
    text = ocr_fold.fold(doc.text)
    if not GATE.search(text):
        return                                # not a form: nothing to read, nearly free
    b, h = budget(text)
    if b is None:
        b, h = budget_line(text)
    if b is not None:
        row = b.row
        a, e = (row.start, row.end) if row else (h.start, h.end)
        shape = _shape(doc, a)
        for f, v in (("allocated_wan", b.allocated), ("spent_wan", b.spent), ("execution_rate_pct", b.rate)):
            if v is not None:
                _set(doc, rec, f, round(v, 6), a, e, shape)
        if b.rate is not None:
            rec["rounding"]["execution_rate_pct"] = numbers.decimals(b.rate_text or "")
    filled = {"allocated_wan", "spent_wan"} if b is not None else set()
    for f, (v, a, e) in amount_cells(text).items():
        if f not in filled and not ((rec["provenance"].get(f) or {}).get("source") == "form"):
            _set(doc, rec, f, round(v, 6), a, e, _shape(doc, a))
    ts = total_score(text)
    if ts is not None and rec.get("total_score") is None:
        _set(doc, rec, "total_score", ts[0], ts[1], ts[2], _shape(doc, ts[1]))
    form_indicators.extract(doc, rec, b, h)
