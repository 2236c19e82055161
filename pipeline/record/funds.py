"""Money: allocated (下达/预算安排), received (实际到位), spent (实际支出/使用), carried over
(结转结余), the stated 预算执行率 and 资金到位率, funding tables by source or year, breakdowns
("…3185万元。其中：…"), and the detail lines of spending (often in 元). Amounts are stored in 万元;
rates in percent as stated.

One ranking of evidence decides an amount stated in several places (``rank``): an amount of another
year than the one evaluated loses; then a final or whole amount ("共计下达", "全年实际下达", a total the
report breaks down); for the allocation, the budget the stated 执行率 divides by (年初 vs 全年预算);
then the kind of evidence (a label or a form cell; a paragraph lead-in such as "资金到位情况" or a
"2024年…资金N万元" statement naming the title's fund; a planned investment last); then how often it is
stated, how much of the title's programme the clause names, and the first stated.
``provenance[field]["via"]`` says which evidence won."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from extractors.model import Document

from pipeline import vocab
from pipeline.vocab import TOTAL_ROW, alternation

from . import find, numbers

# record keys this family reads and writes (checked against the family order in fields.py)
READS: tuple[str, ...] = ("title", "programme", "fiscal_year")
WRITES: tuple[str, ...] = ("allocated_wan", "received_wan", "spent_wan", "carryover_wan", "execution_rate_pct",
                           "arrival_rate_pct", "fund_sources", "expense_details", "expense_total_yuan",
                           "provenance", "rounding", "statements")

# "…资金预算的通知》": a label inside a cited document's name would swallow the real statement after it
ALLOCATED = rf"{alternation(vocab.ALLOCATED)}(?!的?(?:通知|批复|文件|》))"
INVESTMENT = alternation(vocab.INVESTMENT)
RECEIVED = rf"(?:{alternation(vocab.RECEIVED)}|(?<=[，,；;\s])到位(?=\s*\d))"
# 未支付 is the opposite; 转移支付 a kind of fund; 公用支出 / 人员经费支出 a line of the budget by economic
# kind; 支付率 a rate, 支出项目 / 支出标准 a name
SPENT = (rf"(?<!未)(?<!转移)(?<!公用)(?<!人员)(?<!基本)(?<!经费){alternation(vocab.SPENT)}"
         r"(?!率|进度|标准|项目|结构|范围|方向|内容|计划|明细)")
CARRY = alternation(vocab.CARRY)
EXEC_RATE = alternation(vocab.EXEC_RATE)
ARRIVAL_RATE = alternation(vocab.ARRIVAL_RATE)
FINAL = rf"(?:{alternation(vocab.AMOUNT_FINAL)}|共(?=[下安拨支到使用为有\d\s_]))"
# a formula written out: "3.46/3.46*100%=100%"
# (×100% may be left out: "=1,176.29/1,238.2=95.00%")
FORMULA = re.compile(rf"({find.NUM})\s*[/÷]\s*({find.NUM})\s*(?:[*×]\s*100\s*[%％])?\s*=\s*({find.NUM})\s*[%％]")
# the rate's definition in words between its label and its figure: "执行率（实际支出/到位资金）为98%",
# "到位率=到位资金/预算资金=…": it names the base, it is not the figure
RATE_BASE = re.compile(r"\s*(?:[=＝]\s*)?[（(]?\s*[\u4e00-\u9fff]{1,12}\s*[/÷]\s*[\u4e00-\u9fff]{1,12}"
                       r"(?:\s*[*×]\s*100\s*[%％])?\s*[）)]?")
FORM_LABEL = r"\s*[（(][A-Z][）)]"                # "预算安排资金（A）3.46" in 结论表 forms (万元)
FORM_CELL = re.compile(r"[（(][A-Z][）)]")
UNIT_CELL = re.compile(rf"[（(]\s*{find.AMOUNT_UNIT}\s*[）)]\s*[|｜:：]?\s*\n?\s*\d")
AMOUNT = rf"(?P<v>{find.NUM}|{find.CN_AMOUNT})\s*(?P<u>{find.AMOUNT_UNIT}){find.NOT_PER}"
# "预算资金未执行完的…0.38万元": what is left over is not the amount the label names
LEFT_OVER = re.compile(r"未|剩余|尚余|差额")
# evidence kinds, strongest first (see the module docstring)
STRENGTH = {"label": 2, "form": 2, "section": 1, "year_fund": 1, "investment": 0}


@dataclass
class Cand:
    hit: find.Hit
    via: str
    final: int = 0          # _is_final
    title: int = 0


def _sentence_start(text: str, pos: int) -> int:
    return max(text.rfind(c, 0, pos) for c in "。；;\n") + 1


NOT_A_PART = re.compile(r"调减|调增|调整|追加|收回|实际|全年|共计|合计|总计|累计|结转|结余|上年")


def _is_part(text: str, h: find.Hit) -> bool:
    """"…111万元，其中低保资金100万元": an amount after 其中 in its sentence is a part, not the whole —
    unless a change or a final amount follows the parts ("…，调减25万元，全年实际下达96万元")."""
    before = text[_sentence_start(text, h.label_start):h.label_start]
    k = max(before.rfind("其中"), before.rfind("包括"))
    return k != -1 and not NOT_A_PART.search(text[h.label_start - len(before) + k:h.start])


def _in_citation(text: str, pos: int) -> bool:
    """Inside the name of a cited document (《关于下达…资金的通知》): not a statement of the report."""
    before = text[_sentence_start(text, pos):pos]
    return before.count("《") > before.count("》")


def _is_final(text: str, h: find.Hit) -> int:
    """2: "共计下达…", "全年实际下达…", "资金共1864万元" — the report states the whole or final amount;
    1: an amount it goes on to break down ("支出612.35万元。其中：…") is a whole, but a later final
    amount (after a cut: "…调减25万元，全年实际下达96万元") supersedes it; 0: neither."""
    clause_start = max(text.rfind(c, 0, h.label_start) for c in "。；;\n，,、") + 1
    before = text[max(clause_start, h.label_start - 4):h.start]
    if re.search(FINAL, before):
        return 2
    return 1 if re.match(r"[）)]?[。，,；;：:]?\s*其中", text[h.end:h.end + 8]) else 0


def _form_cell(label: str) -> re.Pattern:
    return find.compiled(rf"(?:{label})[\u4e00-\u9fff]{{0,4}}{FORM_LABEL}\s*(?P<v>{find.NUM})(?!\s*[%％\d.])")


def _unit_cell(label: str) -> re.Pattern:
    return find.compiled(rf"(?:{label})[\u4e00-\u9fff]{{0,4}}\s*[（(]\s*(?P<u>{find.AMOUNT_UNIT})\s*[）)]\s*[|｜:：]?\s*\n?"
                         rf"\s*(?P<v>{find.NUM})\s*(?=[|｜\n]|$)")


def _amounts(doc: Document, label: str, gap: int = 36, via: str = "label") -> list[Cand]:
    text = find.masked(doc)
    out = []
    # a label right before a comma closed its own clause ("…于2020年支付，67万元…" is not spending)
    for h in find.labelled(doc, rf"(?:{label})(?!\s*[，,、])", "amount", gap=gap, text=text):
        if not (h.value > 0 or h.text.startswith("0")):
            continue
        if LEFT_OVER.search(text[h.label_start:h.start]) or _in_citation(text, h.label_start):
            continue
        out.append(Cand(h, via, _is_final(text, h)))
    # a form cell without a unit: "预算安排资金（A）3.46" under a （万元） heading; a cell whose label carries
    # the unit, the figure in the next cell: "计划安排资金 (万元) |\n700 |". Each is scanned only when the
    # text has such a cell (a label alternation tried at every position is this module's main cost).
    if FORM_CELL.search(doc.text):
        for m in _form_cell(label).finditer(doc.text):
            v = numbers.parse_number(m.group("v"))
            if v is not None:
                out.append(Cand(find.Hit(v, m.group("v"), m.start("v"), m.end("v"), m.start()), "form"))
    if UNIT_CELL.search(text):
        for m in _unit_cell(label).finditer(text):
            v = numbers.parse_amount(m.group("v") + m.group("u"))
            if v is not None:
                out.append(Cand(find.Hit(v, m.group("v"), m.start("v"), m.end("v"), m.start()), "form"))
    return [c for c in out if not _is_part(text, c.hit)]


def _arrived(doc: Document) -> list[Cand]:
    """The amount before the verb: "资金1.35亿元全部到位", "7万元已足额拨付到位"."""
    out = []
    text = find.masked(doc)
    for m in re.finditer(rf"(?P<v>{find.NUM})\s*(?P<u>{find.AMOUNT_UNIT})(?:资金)?(?:已|均已|已经)?(?:全部|足额|全额)?(?:拨付)?到位", text):
        v = numbers.parse_amount(m.group("v") + m.group("u"))
        if v is not None:
            out.append(Cand(find.Hit(v, m.group(0), m.start("v"), m.end(), m.start()), "label"))
    return out


LEAD_ENUM = r"(?:^|\n)\s*(?:[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]\s*)*"
NEXT_ITEM = re.compile(r"\n\s*(?:[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]|[一二三四五六七八九十]+、)")


def _section_amounts(doc: Document, markers: tuple[str, ...], verbs: tuple[str, ...], before_only: bool) -> list[Cand]:
    """Amounts under a lead-in that names the quantity: "1、项目资金到位情况分析。…资金1864万元已全部拨付"
    (received), "3.资金使用。已兑现…资金23650元" (spent). Only an amount whose clause has a verb of
    that kind counts (before the amount when ``before_only``): "项目资金共1864万元" under 执行情况
    is the budget, "已完成拨付1547.28万元" the spending."""
    text = find.masked(doc)
    lead = find.compiled(rf"{LEAD_ENUM}[\u4e00-\u9fff]{{0,8}}?{alternation(markers)}[\u4e00-\u9fff（）()、]{{0,16}}?\s*[。:：\n]")
    verb = alternation(verbs)
    out = []
    for m in lead.finditer(text):
        end = m.end()
        nxt = NEXT_ITEM.search(text, end)
        stop = min(nxt.start() if nxt else len(text), end + 400)
        for a in re.finditer(AMOUNT, text[end:stop]):
            s, e = end + a.start(), end + a.end()
            cs = max(text.rfind(c, 0, s) for c in "。；;，,\n") + 1
            ce = [i for i in (text.find(c, e) for c in "。；;，,\n") if i != -1]
            clause = text[cs:s] if before_only else text[cs:min(ce) if ce else len(text)]
            vm = [x for x in re.finditer(verb, clause) if not clause[max(0, x.start() - 1):x.start()] == "未"]
            if not vm:
                continue
            v = numbers.parse_amount(a.group("v") + a.group("u"))
            if v is not None and v > 0:
                h = find.Hit(v, text[s:e], s, e, cs)
                out.append(Cand(h, "section", _is_final(text, h)))
    return out


GENERIC_BIGRAMS = {"资金", "项目", "补助", "专项", "经费", "支出", "绩效", "评价", "自评", "报告", "年度", "财政", "预算"}


def _bigrams(t: str) -> set[str]:
    t = re.sub(r"[^\u4e00-\u9fff]", " ", t or "")
    return {t[i:i + 2] for i in range(len(t) - 1) if " " not in t[i:i + 2]} - GENERIC_BIGRAMS


def _title_overlap(text: str, h: find.Hit, title_grams: set[str]) -> int:
    """How much of the title's programme the clause before an amount names."""
    cs = _sentence_start(text, h.label_start)
    return len(_bigrams(text[max(cs, h.label_start - 40):h.start]) & title_grams)


SPENDING = alternation(vocab.SPEND_VERBS + ("兑付", "还款", "偿还"))
YEAR_FUND = re.compile(rf"_{{4}}\s*年度?(?P<name>(?:[^。；;，,\d\n_]|\d+(?=[类个项家所批]))"
                       rf"{{0,40}}?(?:资金|经费))(?:共|共计|合计|总计|为|是)?\s*{AMOUNT}")


def _year_fund(doc: Document, title_grams: set[str]) -> list[Cand]:
    """"2023年中央、省财政农村人居环境整治补助资金865万元，全部…下达": the year's fund with its
    amount, when the fund is the title's (≥ 2 shared words, beyond 资金/项目…)."""
    text = find.masked(doc)
    out = []
    for m in YEAR_FUND.finditer(text):
        if len(_bigrams(m.group("name")) & title_grams) < 2 or re.search(SPENDING, m.group("name")):
            continue         # "2023年度…兑付资金647.3万元" is money paid out, not the year's fund
        if _in_citation(text, m.start()):
            continue
        v = numbers.parse_amount(m.group("v") + m.group("u"))
        if v is not None and v > 0:
            h = find.Hit(v, m.group("v") + m.group("u"), m.start("v"), m.end(), m.start())
            if not _is_part(text, h):
                out.append(Cand(h, "year_fund", _is_final(text, h)))
    return out


YEAR_NAMED = re.compile(r"((?:19|20)\d\d)\s*年(?:度)?(?!\s*\d{1,2}\s*月)")


def _year_match(doc: Document, h: find.Hit, fiscal_year: int | None) -> int:
    """Amounts split by year ("2021年下达50万元，2022年下达30万元"): +1 when the nearest year named before
    the amount in its sentence is the year evaluated, -1 when it is another year, 0 when none is named.
    A date ("截至2023年6月30日") and a cited document's year do not count."""
    if not fiscal_year:
        return 0
    a = _sentence_start(doc.text, h.label_start)
    named = [m for m in YEAR_NAMED.finditer(doc.text, a, h.start) if not _in_citation(doc.text, m.start())]
    if not named:
        return 0
    return 1 if int(named[-1].group(1)) == fiscal_year else -1


def rank(cands: list[Cand], title_grams: set[str], text: str, doc: Document | None = None,
         fiscal_year: int | None = None, fits=None) -> Cand | None:
    """The winner of one ranking of evidence (module docstring)."""
    if not cands:
        return None
    votes = Counter(round(c.hit.value, 6) for c in cands)
    years = {id(c): _year_match(doc, c.hit, fiscal_year) if doc is not None else 0 for c in cands}
    fit = {id(c): bool(fits and fits(c.hit.value)) for c in cands}
    for c in cands:
        c.title = _title_overlap(text, c.hit, title_grams)
    # only another year's amount loses: most statements name no year at all
    return max(cands, key=lambda c: (years[id(c)] >= 0, c.final, fit[id(c)], STRENGTH.get(c.via, 0),
                                     votes[round(c.hit.value, 6)], c.title, -c.hit.start))


def _rates(doc: Document, label: str) -> list[find.Hit]:
    hits = []
    text = find.masked(doc)
    for m in re.finditer(label, text):
        base = RATE_BASE.match(text, m.end())
        pos = base.end() if base else m.end()
        window = text[pos:pos + 60]
        f = FORMULA.search(window)
        if f and f.start() < 20:
            v = numbers.parse_number(f.group(3))
            a = pos + f.start(3)
            hits.append(find.Hit(v, f.group(3) + "%", a, a + len(f.group(3)) + 1, m.start()))
            continue
        # "46.37%", "百分之八十", or a ratio "0.96" closing its clause (0.96 of the budget: 96 %)
        mm = re.match(rf"[^。；;\d\n×*/=]{{0,12}}?(?:为|达到|达|是|：|:|\s)*(?:(?P<v>{find.NUM})\s*[%％]|"
                      rf"(?P<w>百分之[{vocab.CN_NUMERALS}]+)|(?P<r>0\.\d{{1,4}}|1\.0{{1,4}})(?=\s*(?:[，。；,;）)|\n]|$)))", window)
        if mm:
            g = next(k for k in ("v", "w", "r") if mm.group(k))
            raw = mm.group(g) + ("%" if g == "v" else "")
            v, _ = numbers.parse_rate(raw)
            a = pos + mm.start(g)
            if v is not None and 0 <= v <= 1000:
                hits.append(find.Hit(v, raw, a, pos + mm.end(), m.start()))
    return hits


SOURCE_AMOUNT = re.compile(rf"(中央|省级?|市级?|州级?|县级?|区级?)[\u4e00-\u9fff]{{0,14}}?(?:资金|补助|配套)[^。；\d]{{0,4}}?(?P<v>{find.NUM})\s*(?P<u>{find.AMOUNT_UNIT})")


def _split_by_source(doc: Document, cands: list[Cand]) -> tuple[list[Cand], list[dict]]:
    """"下达省级…资金1.00万元，中央…资金6.00万元": the allocation is the sum of its parts
    when one sentence lists it by source (each source once, one after the other) without a total."""
    out, parts_all = [], []
    for c in cands:
        h = c.hit
        sent_start = max(doc.text.rfind(ch, 0, h.label_start) for ch in "。；\n") + 1
        sent_end_c = [i for i in (doc.text.find(ch, h.end) for ch in "。；\n") if i != -1]
        sent_end = min(sent_end_c) if sent_end_c else len(doc.text)
        sent = doc.text[sent_start:sent_end]
        parts = list(SOURCE_AMOUNT.finditer(sent))
        names = [m.group(1).rstrip("级") for m in parts]
        close = all(b.start() - a.end() <= 60 for a, b in zip(parts, parts[1:]))
        if len(parts) >= 2 and len(set(names)) == len(names) and close and \
                not re.search(r"合计|共计|总计|共\s*\d", sent) and \
                any(sent_start + m.start("v") == h.start for m in parts):
            vals = [numbers.parse_amount(m.group("v") + m.group("u")) for m in parts]
            total = round(sum(v for v in vals if v is not None), 6)
            out.append(Cand(find.Hit(total, f"{total}万元", h.start, sent_start + parts[-1].end(), h.label_start),
                            c.via, 2))
            for m, v in zip(parts, vals):
                parts_all.append({"name": m.group(1), "kind": "source", "allocated_wan": v, "received_wan": None,
                                  "spent_wan": None, "page": doc.page_at(h.start), "evidence": sent[:300]})
        else:
            out.append(c)
    return out, parts_all


def _not_in_indicator_text(doc: Document, h: find.Hit) -> bool:
    """Scoring rules ("预算执行率=实际支出/…×100%", "每少拨付25%扣1分") are not statements."""
    clause = find.sentence(doc.text, h.start)
    return not re.search(r"得\s*\d+(\.\d+)?\s*分|扣\s*\d|分值|评分标准|[=＝]\s*[（(]", clause)


BREAKDOWN = re.compile(rf"(?P<tv>{find.NUM})\s*(?P<tu>{find.AMOUNT_UNIT})[）)]?[^。；\d]{{0,8}}?[。，,；;]?\s*其中\s*[:：,，]?")
PART = re.compile(rf"[，,、;；\s]*(?P<name>[^。；;，,、:：\d]{{1,30}}?)\s*(?:为|共|计)?\s*(?P<v>{find.NUM})\s*"
                  rf"(?P<u>{find.AMOUNT_UNIT})(?=$|[，,、;；。\s])")


def _parts(seg: str, total: float | None) -> tuple[list[tuple[str, float]], bool]:
    """"A 1720万元，B 25万元；C 86万": name-amount items one after the other from the start of the
    segment; anything else (an amount first, words after an amount, a change such as 调减) ends them.
    Also says whether the list is complete: it adds up to the total, or runs to the sentence end or to
    a change — not "…B 25万元等" or "…，其余用于…", which name only some of the parts."""
    out: list[tuple[str, float]] = []
    pos = 0
    while True:
        p = PART.match(seg, pos)
        if not p or not re.search(r"[\u4e00-\u9fff]", p.group("name")) or NOT_A_PART.search(p.group("name")):
            break
        v = numbers.parse_amount(p.group("v") + p.group("u"))
        if v is None:
            break
        out.append((p.group("name").strip(" ,，、：:"), v))
        pos = p.end()
        if total is not None and abs(sum(x for _, x in out) - total) < 1e-6:
            return out, True
    rest = seg[pos:].strip(" ,，、;；。\t")
    return out, not rest or bool(NOT_A_PART.match(rest) or re.match(r"(?:已|均已|全部|资金已)", rest))
def breakdowns(doc: Document) -> list[dict]:
    """"下达…3185万元。其中：A 1720万元，B 25万元，…": the total and its parts, one group each (rows of
    fund_sources with kind "item" and "total" and a shared ``group``), for funds.sum_mismatch. The parts
    run to the sentence end; a change (调减…) or a restated total ends them, and so does reaching the
    total exactly."""
    text = find.masked(doc)
    out = []
    for m in BREAKDOWN.finditer(text):
        total = numbers.parse_amount(m.group("tv") + m.group("tu"))
        end = [i for i in (text.find(c, m.end()) for c in "。\n") if i != -1]
        seg = text[m.end():min(end) if end else len(text)]
        parts, complete = _parts(seg, total)
        if total is None or len(parts) < 2 or not complete:
            continue
        g = f"breakdown@{m.start()}"
        page = doc.page_at(m.start())
        ev = doc.text[_sentence_start(text, m.start()):m.end() + len(seg)][:300]
        out.append({"name": "合计", "kind": "total", "allocated_wan": total, "received_wan": None, "spent_wan": None,
                    "page": page, "evidence": ev, "group": g})
        out.extend({"name": n, "kind": "item", "allocated_wan": v, "received_wan": None, "spent_wan": None,
                    "page": page, "evidence": ev, "group": g} for n, v in parts)
    return out


def _statements_by_document(doc: Document) -> list[dict]:
    """An allocation named by the notice that made it ("…〔2022〕17号…下达…5万元"), each time it is
    stated: the same notice with two amounts is a restated figure that disagrees (number.restated_mismatch)."""
    out = []
    for m in re.finditer(r"[\u4e00-\u9fff]{1,4}[〔\[【]\s*(?:19|20)\d\d\s*[〕\]】]\s*\d{1,5}\s*号", doc.text):
        end = [i for i in (doc.text.find(c, m.end()) for c in "。；;\n") if i != -1]
        seg_end = min(end) if end else len(doc.text)
        seg = find.masked(doc)[m.end():seg_end]
        hits = [h for h in find.labelled(doc, ALLOCATED, "amount", gap=40, text=seg, offset=m.end())
                if not _is_part(find.masked(doc), h)]
        if len(hits) != 1 or re.search(r"[〔\[【]\s*_{4}", seg[:hits[0].label_start - m.end()]):
            continue          # no amount, several, or another notice named before it
        h = hits[0]
        out.append({"quantity": "allocated_wan", "key": re.sub(r"\s+", "", m.group(0)), "value": h.value,
                    "text": h.text, "page": doc.page_at(h.start), "evidence": find.sentence(doc.text, h.start),
                    "start": h.start})
    return out


def _title_grams(rec: dict, doc: Document) -> set[str]:
    """Words of the title's programme; without a title read, the opening lines stand in (a title the
    title reader did not recognise is still there)."""
    t = " ".join(str(rec.get(k) or "") for k in ("title", "programme")).strip()
    if not t:
        head = doc.text.lstrip()[:120]
        m = re.search(r"报告|自评表|评价表|情况|结果", head)
        t = head[:m.end()] if m else head.split("\n")[0]
    return _bigrams(t)


def _note(rec: dict, field: str, doc: Document, c: Cand) -> None:
    rec[field] = round(c.hit.value, 6)
    p = c.hit.prov(doc)
    p["via"] = c.via + ("+final" if c.final == 2 else "+whole" if c.final == 1 else "")
    rec["provenance"][field] = p


def _rates_into(doc: Document, rec: dict, text: str) -> None:
    for field, label in (("execution_rate_pct", EXEC_RATE), ("arrival_rate_pct", ARRIVAL_RATE)):
        hits = [h for h in _rates(doc, label) if _not_in_indicator_text(doc, h)]
        c = rank([Cand(h, "label") for h in hits], set(), text)
        if c is not None:
            h = c.hit
            rec[field] = h.value
            rec["provenance"][field] = h.prov(doc) | {"via": "label"}
            rec["rounding"][field] = numbers.parse_rate(h.text)[1]
        for x in hits:
            rec["statements"].append({"quantity": field, "value": x.value, "text": x.text,
                                      "page": doc.page_at(x.start), "evidence": x.evidence(doc), "start": x.start})


def _fits_rate(rec: dict):
    """年初预算 50 vs 全年预算 60 with 执行数 58 and 执行率 96.67 %: the stated rate tells which budget the
    report divides by. A function saying whether an allocated amount is that base (None: no rate to tell)."""
    r, spent = rec.get("execution_rate_pct"), rec.get("spent_wan")
    if r is None or not spent:
        return None
    nd = rec["rounding"].get("execution_rate_pct", 0)
    return lambda v: bool(v) and numbers.agrees(r, spent / v * 100, nd) is not None


def extract(doc: Document, rec: dict) -> None:
    grams = _title_grams(rec, doc)
    text = find.masked(doc)
    fy = rec.get("fiscal_year")
    _rates_into(doc, rec, text)
    received = _amounts(doc, RECEIVED, gap=12) + _arrived(doc)
    received += _section_amounts(doc, vocab.RECEIVED_SECTION, vocab.RECEIVE_VERBS, before_only=False)
    spent = _amounts(doc, SPENT, gap=20)
    spent += _section_amounts(doc, vocab.SPENT_SECTION, vocab.SPEND_VERBS, before_only=True)
    for field, cands in (("received_wan", received), ("spent_wan", spent), ("carryover_wan", _amounts(doc, CARRY, gap=12))):
        c = rank([c for c in cands if _not_in_indicator_text(doc, c.hit)], grams, text, doc, fy)
        if c is not None:
            _note(rec, field, doc, c)
    allocated, by_source = _split_by_source(doc, _amounts(doc, ALLOCATED))
    allocated += _year_fund(doc, grams)
    if not [c for c in allocated if STRENGTH[c.via] >= 2]:     # 计划投资 only when no label says more
        allocated += _amounts(doc, INVESTMENT, gap=12, via="investment")
    c = rank([c for c in allocated if _not_in_indicator_text(doc, c.hit)], grams, text, doc, fy, _fits_rate(rec))
    if c is not None:
        _note(rec, "allocated_wan", doc, c)
    rec["statements"].extend(_statements_by_document(doc))
    rec["fund_sources"] = (funding_tables(doc) or by_source) + breakdowns(doc)
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
            is_total = bool(re.fullmatch(TOTAL_ROW, label))
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
        kind = "total" if re.fullmatch(TOTAL_ROW, label) else "source"
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
            if re.search(TOTAL_ROW, " ".join(row)):
                total = yuan
                continue
            items.append({"name": label[:60], "amount_yuan": yuan, "page": b.page,
                          "evidence": " | ".join(c for c in row if c)[:300]})
        if len(items) >= 2:
            return items, total
    return [], None
