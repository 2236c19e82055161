"""Money: allocated (下达/预算安排), received (实际到位), spent (实际支出/使用), carried over
(结转结余), the stated 预算执行率 and 资金到位率, funding tables by source or year, and the
detail lines of spending (often in 元). Amounts are stored in 万元; rates in percent as stated."""
from __future__ import annotations

import re
from collections import Counter

from extractors.model import Document

from . import find, numbers

ALLOCATED = (r"(?:下达|预算安排|安排(?:预算|资金|经费)?|批复|年初预算|全年预算|预算(?:资金|总额|金额|数)|"
             r"项目(?:总)?预算|计划投资|总投资|资金总额|资金规模)")
RECEIVED = r"(?:实际到位|到位资金|资金到位|拨付到位|已到位|到账|(?<=[，,；;\s])到位(?=\s*\d))"
SPENT = r"(?:实际支出|实际使用|支出资金|使用资金|已使用|已支出|共计支出|累计支出|支出|已拨付|实际拨付|已支付|实际支付|累计支付|使用)"
CARRY = r"(?:结转结余|结余|结转)"
EXEC_RATE = r"(?:预算执行率|资金执行率|执行率|资金使用率|支出率|支付率)"
ARRIVAL_RATE = r"(?:资金到位率|到位率)"
# a formula written out: "3.46/3.46*100%=100%"
FORMULA = re.compile(rf"({find.NUM})\s*[/÷]\s*({find.NUM})\s*[*×]\s*100\s*[%％]\s*=\s*({find.NUM})\s*[%％]")
FORM_LABEL = r"\s*[（(][A-Z][）)]"                # "预算安排资金（A）3.46" in 结论表 forms (万元)


def _amounts(doc: Document, label: str, gap: int = 36) -> list[find.Hit]:
    hits = [h for h in find.labelled(doc, label, "amount", gap=gap) if h.value > 0 or h.text.startswith("0")]
    # a form cell without a unit: "预算安排资金（A）3.46" under a （万元） heading
    for m in re.finditer(rf"(?:{label})[\u4e00-\u9fff]{{0,4}}{FORM_LABEL}\s*(?P<v>{find.NUM})(?!\s*[%％\d.])", doc.text):
        v = numbers.parse_number(m.group("v"))
        if v is not None:
            hits.append(find.Hit(v, m.group("v"), m.start("v"), m.end("v"), m.start()))
    hits.sort(key=lambda h: h.start)
    return hits


def _arrived(doc: Document) -> list[find.Hit]:
    """The amount before the verb: "资金1.35亿元全部到位", "7万元已足额拨付到位"."""
    hits = []
    for m in re.finditer(rf"(?P<v>{find.NUM})\s*(?P<u>{find.AMOUNT_UNIT})(?:资金)?(?:已|均已|已经)?(?:全部|足额|全额)?(?:拨付)?到位", doc.text):
        v = numbers.parse_amount(m.group("v") + m.group("u"))
        if v is not None:
            hits.append(find.Hit(v, m.group(0), m.start("v"), m.end(), m.start()))
    return hits


def _rates(doc: Document, label: str) -> list[find.Hit]:
    hits = []
    for m in re.finditer(label, doc.text):
        window = doc.text[m.end():m.end() + 60]
        f = FORMULA.search(window)
        if f and f.start() < 20:
            v = numbers.parse_number(f.group(3))
            a = m.end() + f.start(3)
            hits.append(find.Hit(v, f.group(3) + "%", a, a + len(f.group(3)) + 1, m.start()))
            continue
        mm = re.match(rf"[^。；;\d\n×*/=]{{0,12}}?(?:为|达到|达|是|：|:|\s)*(?P<v>{find.NUM})\s*[%％]", window)
        if mm:
            v = numbers.parse_number(mm.group("v"))
            a = m.end() + mm.start("v")
            if v is not None and 0 <= v <= 1000:
                hits.append(find.Hit(v, mm.group("v") + "%", a, m.end() + mm.end(), m.start()))
    return hits


SOURCE_AMOUNT = re.compile(rf"(中央|省级?|市级?|州级?|县级?|区级?)[\u4e00-\u9fff]{{0,14}}?(?:资金|补助|配套)[^。；\d]{{0,4}}?(?P<v>{find.NUM})\s*(?P<u>{find.AMOUNT_UNIT})")


def _split_by_source(doc: Document, hits: list[find.Hit]) -> tuple[list[find.Hit], list[dict]]:
    """"下达省级…资金1.00万元，中央…资金6.00万元": the allocation is the sum of its parts
    when one sentence lists it by source without a total."""
    out, parts_all = [], []
    for h in hits:
        sent_start = max(doc.text.rfind(c, 0, h.label_start) for c in "。；\n") + 1
        sent_end_c = [i for i in (doc.text.find(c, h.end) for c in "。；\n") if i != -1]
        sent_end = min(sent_end_c) if sent_end_c else len(doc.text)
        sent = doc.text[sent_start:sent_end]
        parts = list(SOURCE_AMOUNT.finditer(sent))
        if len(parts) >= 2 and not re.search(r"合计|共计|总计|共\s*\d", sent) and \
                any(sent_start + m.start("v") == h.start for m in parts):
            vals = [numbers.parse_amount(m.group("v") + m.group("u")) for m in parts]
            total = round(sum(v for v in vals if v is not None), 6)
            out.append(find.Hit(total, f"{total}万元", h.start, sent_start + parts[-1].end(), h.label_start))
            for m, v in zip(parts, vals):
                parts_all.append({"name": m.group(1), "kind": "source", "allocated_wan": v, "received_wan": None,
                                  "spent_wan": None, "page": doc.page_at(h.start), "evidence": sent[:300]})
        else:
            out.append(h)
    return out, parts_all


def _choose(hits: list[find.Hit]) -> find.Hit | None:
    """The value the report states most often; on a tie, the first stated."""
    if not hits:
        return None
    c = Counter(round(h.value, 6) for h in hits)
    best = max(c.values())
    return next(h for h in hits if c[round(h.value, 6)] == best)


def _not_in_indicator_text(doc: Document, h: find.Hit) -> bool:
    """Scoring rules ("预算执行率=实际支出/…×100%", "每少拨付25%扣1分") are not statements."""
    clause = find.sentence(doc.text, h.start)
    return not re.search(r"得\s*\d+(\.\d+)?\s*分|扣\s*\d|分值|评分标准|[=＝]\s*[（(]", clause)


def extract(doc: Document, rec: dict) -> None:
    allocated, by_source = _split_by_source(doc, _amounts(doc, ALLOCATED))
    fields = (("allocated_wan", allocated), ("received_wan", _amounts(doc, RECEIVED, gap=12) + _arrived(doc)),
              ("spent_wan", _amounts(doc, SPENT, gap=20)), ("carryover_wan", _amounts(doc, CARRY, gap=12)))
    for field, hits in fields:
        hits = [h for h in hits if _not_in_indicator_text(doc, h)]
        h = _choose(hits)
        if h is not None:
            rec[field] = round(h.value, 6)
            rec["provenance"][field] = h.prov(doc)
    for field, label in (("execution_rate_pct", EXEC_RATE), ("arrival_rate_pct", ARRIVAL_RATE)):
        hits = [h for h in _rates(doc, label) if _not_in_indicator_text(doc, h)]
        h = _choose(hits)
        if h is not None:
            rec[field] = h.value
            rec["provenance"][field] = h.prov(doc)
            rec["rounding"][field] = numbers.decimals(h.text)
        for x in hits:
            rec["statements"].append({"quantity": field, "value": x.value, "text": x.text,
                                      "page": doc.page_at(x.start), "evidence": x.evidence(doc), "start": x.start})
    rec["fund_sources"] = funding_tables(doc) or by_source
    rec["expense_details"], rec["expense_total_yuan"] = expense_table(doc)


SOURCE = re.compile(r"中央|省级?|市级?|州级?|县级?|区级?|地方|自筹|其他")


def _unit_of(doc: Document, block_start: int) -> float:
    """万元 per stated unit for a table: its caption or header says 元 or 万元 (default 万元)."""
    before = doc.text[max(0, block_start - 80):block_start]
    if re.search(r"单位[：:]\s*元|[（(]元[）)]", before):
        return 1e-4
    return 1.0


def funding_tables(doc: Document) -> list[dict]:
    """Rows of tables that break the money down by source or by year, with their 合计."""
    out = []
    for b in doc.tables():
        g = b.grid()
        if len(g) < 2:
            continue
        head = [re.sub(r"\s+", "", c) for c in g[0]]
        role_cols = {role: next((j for j, c in enumerate(head) if re.search(pat, c) and not re.search("率", c)), None)
                     for role, pat in (("allocated_wan", r"预算安排|下达|安排|预算数|批复"),
                                       ("received_wan", r"到位"), ("spent_wan", r"支出|使用"))}
        if sum(v is not None for v in role_cols.values()) >= 2 and re.search(r"来源|项目|级次|名称|年度", head[0]):
            out.extend(_role_rows(doc, b, g, role_cols))
            continue
        src_cols = [j for j, c in enumerate(head) if SOURCE.search(c) and re.search(r"资金|财政|补助|配套|级", c)]
        tot_col = next((j for j, c in enumerate(head) if re.search(r"小计|合计|总计|金额|资金总额", c)), None)
        year_col = next((j for j, c in enumerate(head) if re.search(r"年度|年份", c)), None)
        if len(src_cols) < 2 and not (year_col is not None and tot_col is not None):
            continue
        scale = _unit_of(doc, b.start)
        unit_in_head = " ".join(head)
        if "（元）" in unit_in_head or "(元)" in unit_in_head:
            scale = 1e-4
        for row in g[1:]:
            cells = [c.strip() for c in row]
            label = next((c for c in cells if c and not re.fullmatch(r"\d{1,2}", c)), "")
            is_total = bool(re.fullmatch(r"合\s*计|总\s*计|小\s*计", label))
            kind = "total" if is_total else ("year" if year_col is not None and re.fullmatch(r"20\d\d", cells[year_col] or "") else "source")
            if tot_col is not None and tot_col < len(cells):
                val = numbers.parse_number(cells[tot_col])
            else:
                vals = [numbers.parse_number(cells[j]) for j in src_cols if j < len(cells)]
                vals = [v for v in vals if v is not None]
                val = sum(vals) if vals else None
            if val is None:
                continue
            name = cells[year_col] if kind == "year" else label
            out.append({"name": name, "kind": kind, "allocated_wan": round(val * scale, 6), "received_wan": None,
                        "spent_wan": None, "page": b.page, "evidence": " | ".join(c for c in cells if c)[:300]})
    return out


def _role_rows(doc: Document, b, g: list[list[str]], cols: dict) -> list[dict]:
    """A table by source with one column each for allocated / received / spent."""
    scale = 1e-4 if re.search(r"[（(]元[）)]|单位[：:]\s*元", " ".join(g[0]) + doc.text[max(0, b.start - 80):b.start]) else 1.0
    out = []
    for row in g[1:]:
        label = re.sub(r"\s+", "", row[0])
        if not label:
            continue
        vals = {}
        for role, j in cols.items():
            v = numbers.parse_number(row[j]) if j is not None and j < len(row) else None
            vals[role] = round(v * scale, 6) if v is not None else None
        if all(v is None for v in vals.values()):
            continue
        kind = "total" if re.fullmatch(r"合计|总计|小计|合\s*计", label) else "source"
        out.append({"name": label, "kind": kind, **vals, "page": b.page,
                    "evidence": " | ".join(c for c in row if c)[:300]})
    return out


def expense_table(doc: Document) -> tuple[list[dict], float | None]:
    """Detail lines of spending: a table with an amount column (元 unless the table says 万元)."""
    for b in doc.tables():
        g = b.grid()
        if len(g) < 3:
            continue
        head_rows = g[:2]
        amt_col = None
        for r in head_rows:
            for j, c in enumerate(r):
                if re.search(r"金额|支出额|发放额", c) and not re.search(r"率", c):
                    amt_col = j
        if amt_col is None:
            continue
        head_text = " ".join(" ".join(r) for r in head_rows)
        wan = "万元" in head_text or "万元" in doc.text[max(0, b.start - 60):b.start]
        items, total = [], None
        for row in g[1:]:
            if amt_col >= len(row):
                continue
            cell = row[amt_col].strip()
            if not re.fullmatch(r"[\d,]+(\.\d+)?", cell):
                continue
            v = numbers.parse_number(cell)
            yuan = v * 1e4 if wan else v
            label = next((c for c in row if c.strip()), "")
            if re.search(r"合\s*计|总\s*计", " ".join(row)):
                total = yuan
                continue
            items.append({"name": label[:60], "amount_yuan": yuan, "page": b.page,
                          "evidence": " | ".join(c for c in row if c)[:300]})
        if len(items) >= 2:
            return items, total
    return [], None
