"""People served and the counts a report gives with their parts:

- beneficiaries: the number of people the programme serves ("累计接收退休人员1,246名",
  "接收辖区退休人员超过417人"), the one stated most often in a clause about serving them;
- counts: a total and its parts ("共18,437人，其中：A 10,205人、B 1,164人、C 7,068人"), and
  planned-vs-actual pairs ("应发人数19,240人，实发人数19,232人") with the rate the report claims
  for them, for the count rules."""
from __future__ import annotations

import re
from collections import Counter

from extractors.model import Document

from . import find, numbers

# record keys this family reads and writes (checked against the family order in fields.py)
READS: tuple[str, ...] = ()
WRITES: tuple[str, ...] = ("beneficiaries", "counts", "provenance")

PEOPLE = r"(?:人|名|户|人次)"
SERVE = re.compile(r"接收|管理|服务|覆盖|受益|惠及|纳入|移交|帮扶|资助|补助|救助|慰问|享受|发放|培训|就业|参保|资助")
NOT_SERVED = re.compile(r"应发|实发|问卷|调查|参与.{0,4}调查|死亡|工作人员|干部|专家|评价组|人员经费|联系不上|有误|户籍人口|常住人口|总人口")
DIRECT = re.compile(r"(?:惠及|受益|服务|覆盖|帮扶|资助|救助|补助)[\u4e00-\u9fff]{0,8}$")
COUNT = re.compile(rf"(?P<q>超过|不少于|不低于|近|约|共计|共|累计|合计)?\s*(?P<v>\d[\d,]*|[一二两三四五六七八九十百千万]+)\s*(?P<u>{PEOPLE})(?![\u4e00-\u9fff]{{0,1}}[均次/])")


def _beneficiaries(doc: Document) -> tuple[int | None, dict | None]:
    votes: Counter[int] = Counter()
    where: dict[int, dict] = {}
    for m in COUNT.finditer(doc.text):
        clause = find.sentence(doc.text, m.start(), limit=80)
        if not SERVE.search(clause) or NOT_SERVED.search(clause[max(0, clause.find(m.group("v")) - 12):
                                                              clause.find(m.group("v")) + 12]):
            continue
        if not re.search(r"退休|人员|对象|群众|学生|农户|群体|居民|老人|儿童|残疾|困难|优抚|职工|人口", clause) \
                and not DIRECT.search(doc.text[max(0, m.start() - 12):m.start()]):
            continue
        v = numbers.parse_number(m.group("v"))
        if v is None or v < 1 or v != int(v):
            continue
        v = int(v)
        # "惠及4,215人", "服务对象183,500人": the verb right before the figure says what it counts
        votes[v] += 3 if DIRECT.search(doc.text[max(0, m.start() - 12):m.start()]) else 1
        if v not in where:
            h = find.Hit(v, m.group(0), m.start("v"), m.end(), m.start())
            where[v] = h.prov(doc)
            if m.group("q"):
                where[v]["qualifier"] = m.group("q")
    # a total the report breaks down ("共18,437人，其中：…") is the population it serves
    for m in PARTS.finditer(doc.text):
        v = numbers.parse_number(m.group("total"))
        if v and int(v) in votes:
            votes[int(v)] += 2
    if not votes:
        return None, None
    best = max(votes.values())
    v = max(k for k, n in votes.items() if n == best)
    return v, where[v]


PARTS = re.compile(rf"(?:共|共计|合计|累计|总计)[^。；\d，,]{{0,16}}?(?P<total>\d[\d,]*)\s*(?P<u>{PEOPLE}|份|个|项|户)[，,]?\s*其中[：:，,]?(?P<parts>[^。；]*)")
PAIR = re.compile(rf"(?:应|计划)(?P<what>[\u4e00-\u9fff]{{1,4}}?)[\u4e00-\u9fff]{{0,8}}?\s*(?P<a>\d[\d,]*)\s*(?P<u>{PEOPLE}|份|户|个)[，,、]\s*"
                  rf"(?:实际|实)(?P=what)[\u4e00-\u9fff]{{0,8}}?\s*(?P<b>\d[\d,]*)\s*(?P=u)")


def _counts(doc: Document) -> list[dict]:
    out = []
    for m in PARTS.finditer(doc.text):
        parts = []
        for pm in re.finditer(rf"([\u4e00-\u9fff]{{1,16}}?)\s*(\d[\d,]*)\s*{re.escape(m.group('u'))}", m.group("parts")):
            parts.append({"name": pm.group(1), "value": numbers.parse_number(pm.group(2))})
        if len(parts) >= 2:
            out.append({"name": find.sentence(doc.text, m.start())[:30], "total": numbers.parse_number(m.group("total")),
                        "parts": parts, "stated_rate_pct": None, "page": doc.page_at(m.start()),
                        "evidence": find.sentence(doc.text, m.start(), limit=300)})
    for m in PAIR.finditer(doc.text):
        # the rate claimed for the pair: a "…率 100%" in the same passage, or the target value
        # of the indicator row the pair explains
        # the claim closest after the pair (its own sentence), else in the passage around it
        after = doc.text[m.end():m.end() + 60]
        rm = re.search(rf"^[^。；]*?(?:率|比例)[^。；\d]{{0,6}}?(?:为|达到|达|均为)?\s*({find.NUM})\s*[%％]", after)
        if not rm:
            ctx = doc.text[max(0, m.start() - 200):m.end() + 200]
            rm = re.search(rf"(?:率|比例)[^。；\d]{{0,6}}?(?:为|达到|达|均为)?\s*({find.NUM})\s*[%％]", ctx)
        claim = numbers.parse_number(rm.group(1)) if rm else None
        out.append({"name": f"应{m.group('what')}/实{m.group('what')}", "total": numbers.parse_number(m.group("a")),
                    "parts": [{"name": f"实{m.group('what')}", "value": numbers.parse_number(m.group("b"))}],
                    "stated_rate_pct": claim, "page": doc.page_at(m.start()),
                    "evidence": doc.text[m.start():m.end() + 60]})
    return out


COVERAGE = re.compile(rf"(?:共计|累计|合计|共)[^。；\d]{{0,16}}?(?P<n>\d[\d,]*)\s*(?P<u>份|件|户|人|名)[^。；]{{0,30}}?"
                      rf"(?P<what>[\u4e00-\u9fff]{{2,12}}?(?:接收|接受|覆盖|建档|移交|发放|签约|参保)率)\s*(?:为|达到|达)?\s*(?P<r>{find.NUM})\s*[%％]")


def _coverage(doc: Document, population: int | None) -> list[dict]:
    """"共计管理…档案16,612份，…档案接受率100%": a coverage rate is that count over the population
    the report serves; a 100 % claim with fewer items than people is a contradiction to show."""
    if not population:
        return []
    out = []
    for m in COVERAGE.finditer(doc.text):
        n = numbers.parse_number(m.group("n"))
        if not n or n == population or n > population * 1.5:
            continue
        out.append({"name": m.group("what"), "total": n, "parts": [], "base": population,
                    "stated_rate_pct": numbers.parse_number(m.group("r")), "page": doc.page_at(m.start()),
                    "evidence": doc.text[m.start():m.end()]})
    return out


def extract(doc: Document, rec: dict) -> None:
    v, where = _beneficiaries(doc)
    rec["beneficiaries"] = v
    if where:
        rec["provenance"]["beneficiaries"] = where
    rec["counts"] = _counts(doc) + _coverage(doc, v)
