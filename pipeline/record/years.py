"""The fiscal year a report evaluates, by one ranking of evidence.

Evidence, strongest first:

1. ``label`` — a 年度 label: "(2023年度)" on a line of its own or under the title, "评价年度：2023年度",
   a form's "年度 | 2023"; and ``title_fy`` — a title line with "2023年度" (also "二〇二三年度").
2. ``title`` — a year in a title line without 年度 ("2023年异地造林补助资金…自评报告", "…中心2018绩效评价…").
3. ``body`` — statements in the opening ("2023年中央财政下达…资金", "我单位2023年…经费"), 年度 counting
   double; the year named most wins.

Never evidence: a date (2023-09-26, 2025年5月, 2022年12月8日 — publication, issue, signature dates
come after the year evaluated), a document number (〔2023〕10号), the name of a cited document
(《…2022年度…通知》), a date's label (发布时间, 填报时间…). A period (2020-2022年度) says the report is
about several years: NULL. Two strong statements that disagree (title 2023年… and "(2024年度)"): NULL —
a wrong year is worse than none. ``provenance["fiscal_year"]["via"]`` names the evidence that won.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from extractors.model import Document

from pipeline.vocab import DATE_LABELS, YEAR_LABELS, alternation

from . import ocr_fold

CN_YEAR_DIGITS = "〇零○一二三四五六七八九"
YEAR = rf"(?:(?:19|20)\d\d|二[{CN_YEAR_DIGITS}]{{3}})"
DASH = r"\s*[-－—―–~～至到]+\s*"
# a date: the year of a day or month, never a fiscal year
DATE = re.compile(rf"{YEAR}\s*(?:年\s*\d{{1,2}}\s*月|[-/.]\s*\d{{1,2}}(?:\s*[-/.]\s*\d{{1,2}})?(?!\d))"
                  rf"|{YEAR}\s*年\s*[一二三四五六七八九十]{{1,2}}\s*月")
DOC_NUMBER = re.compile(rf"[〔\[【(（]\s*{YEAR}\s*[〕\]】)）]?\s*(?:第\s*)?\d{{1,5}}\s*号|{YEAR}\s*[〕\]】]\s*\d{{1,5}}\s*号"
                        rf"|[〔\[【]\s*{YEAR}\s*[〕\]】]")
RANGE = re.compile(rf"({YEAR})\s*年?{DASH}({YEAR})\s*年(度)?")
ONE = re.compile(rf"({YEAR})\s*(年度|年|度)?")
DATE_LABEL = re.compile(alternation(DATE_LABELS) + r"\s*[：:]?\s*$")
FILE_NAME = re.compile(r"\.(?:docx?|pdf|xlsx?|wps|et)\W*(?:[(（][^)）]*[)）])?》$", re.I)
# a form's or report's own title inside a longer line: "…水务局2021年度整体支出绩效自评表主管部门…"
TITLE_PHRASE = re.compile(rf"({YEAR})\s*年度[\u4e00-\u9fff（）()]{{0,30}}?(?:自评表|评价表|评分表|自评报告|评价报告|绩效报告)")
TITLE_WORDS = re.compile(r"绩效|评价|自评|报告|结论表|评分表")
LABEL_LINE = re.compile(rf"^[\s|｜]*[（(]\s*({YEAR})\s*年度\s*[）)][\s|｜]*$")
YEAR_LABEL = re.compile(alternation(tuple(w for w in YEAR_LABELS if w != "年度")) +
                        rf"\s*[：:|｜\s]*\s*({YEAR})\s*(?:年度|年)?(?!\s*[-/.月\d])")
# a bare 年度 label only as a cell or line of its own, with one year: "年度 | 2023 |" (a by-year table's
# header "年度 | 2020 | 2021" lists years, it does not label one)
BARE_LABEL = re.compile(rf"(?:^|[|｜\n])\s*年度\s*[：:|｜]?\s*({YEAR})\s*(?:年度|年)?\s*(?=[|｜\n]|$)(?![^\n]{{0,12}}{YEAR})")
FIRST_SECTION = re.compile(r"^\s*(?:一、|第一[章部分]|[（(]一[）)]|1[、.．]\D)")


@dataclass
class YearEvidence:
    year: int | None          # None for a period of several years
    via: str                  # "label" | "title_fy" | "title" | "body" | "period"
    start: int
    end: int


def to_int(y: str) -> int | None:
    """'2023' → 2023, '二〇二三' → 2023."""
    if y.isdigit():
        return int(y)
    try:
        return int("".join(str("〇一二三四五六七八九".index("〇" if c in "零○" else c)) for c in y))
    except ValueError:
        return None


def _blocked(text: str) -> list[tuple[int, int]]:
    """Spans that are never a fiscal year: dates, document numbers, cited documents' names."""
    spans = [m.span() for m in DATE.finditer(text)] + [m.span() for m in DOC_NUMBER.finditer(text)]
    # a cited document's name is not the report; a file's own name on a sharing site ("《…自评表.docx》") is
    spans += [m.span() for m in re.finditer(r"《[^》\n]{0,120}》", text) if not FILE_NAME.search(m.group(0))]
    return spans


def _free(spans: list[tuple[int, int]], a: int, b: int) -> bool:
    return not any(s < b and a < e for s, e in spans)


def _lines(text: str, limit: int = 40) -> list[tuple[str, int]]:
    out, pos = [], 0
    for line in text.split("\n")[:limit]:
        out.append((line, pos))
        pos += len(line) + 1
    return out


def _title_lines(text: str, title_span: tuple[int, int] | None) -> list[tuple[str, int]]:
    """The title (where the title reader found it) and the short lines of the opening that name the
    document as an evaluation (a portal repeats the title in its furniture)."""
    out = []
    if title_span and title_span[1] > title_span[0]:
        out.append((text[title_span[0]:title_span[1]], title_span[0]))
    for line, pos in _lines(text, 30):
        if FIRST_SECTION.match(line):
            break         # the outline has begun: a heading with a year is not the title
        t = line.strip()
        if 6 <= len(t) <= 90 and TITLE_WORDS.search(t) and not re.search(r"[。；]", t):
            if not any(p <= pos < p + len(l) for l, p in out):
                out.append((line, pos))
    return out


def evidence(doc: Document, title_span: tuple[int, int] | None = None, head: int = 8000) -> list[YearEvidence]:
    # "2O22年度" in an OCR'd copy: years are matched on the same-length folded copy
    text = ocr_fold.fold(doc.text[:max(head, title_span[1] if title_span else 0)])
    blocked = _blocked(text)
    ev: list[YearEvidence] = []

    def add(m: re.Match, via: str, group: int = 1) -> None:
        if _free(blocked, m.start(group), m.end(group)) and not DATE_LABEL.search(text[max(0, m.start() - 12):m.start()]):
            y = to_int(m.group(group))
            if y and 1990 <= y <= 2100:
                ev.append(YearEvidence(y, via, m.start(group), m.end(group)))

    for line, pos in _lines(text):
        lm = LABEL_LINE.match(line)
        if lm:
            add(re.compile(YEAR).search(text, pos + lm.start(1)), "label", 0)
    for pat in (YEAR_LABEL, BARE_LABEL):
        for m in pat.finditer(text):
            add(m, "label")
    for line, pos in _title_lines(text, title_span):
        periods = [m.span() for m in RANGE.finditer(line)]
        for a, b in periods:
            if _free(blocked, pos + a, pos + b):
                ev.append(YearEvidence(None, "period_title", pos + a, pos + b))
        for m in ONE.finditer(line):
            a = pos + m.start(1)
            if any(e.start <= a < e.end for e in ev) or any(x <= m.start() < y for x, y in periods):
                continue
            # "2023年度" or the bare "2018" of "…中心2018绩效评价…"; not "2023年5月"
            if m.group(2) == "年度" or m.group(2) == "度":
                add(ONE.search(text, a), "title_fy")
            elif m.group(2) == "年" or re.match(r"\s*[\u4e00-\u9fff]", line[m.end():]):
                add(ONE.search(text, a), "title")
    for m in TITLE_PHRASE.finditer(text[:3000]):
        if not any(e.start == m.start(1) for e in ev):
            add(m, "title_fy")
    for m in RANGE.finditer(text[:3000]):
        # a period of several years: "(2022-2024年度)", "对…2015―2016年旅游发展资金…进行了绩效评价"
        if any(e.start == m.start() for e in ev) or not _free(blocked, m.start(), m.end()):
            continue
        if m.group(3) or re.match(r"[^。；，,\n]{0,16}?(?:资金|项目|经费|工程)", text[m.end():]):
            ev.append(YearEvidence(None, "period", m.start(), m.end()))
    for m in re.finditer(rf"(?:{alternation(DATE_LABELS)})\s*[：:]?\s*({YEAR})\s*(?:年|[-/.])\s*\d", text):
        y = to_int(m.group(1))       # a publication / filing date: no year evaluated comes after it
        if y:
            ev.append(YearEvidence(y, "published", m.start(1), m.end(1)))
    taken = {e.start for e in ev}
    spans = [(e.start, e.end) for e in ev if e.year is None]
    for m in re.finditer(rf"({YEAR})\s*年(度)?", text):
        if m.start(1) not in taken and _free(spans, m.start(1), m.end(1)):
            add(m, "body_fy" if m.group(2) else "body")
    return ev


STRONG = ("label", "title_fy")


def decide(ev: list[YearEvidence]) -> YearEvidence | None:
    """One ranking of evidence (module docstring); None when it is a period or sources conflict."""
    published = [e.year for e in ev if e.via == "published"]
    if published:
        ev = [e for e in ev if e.via != "published" and (e.year is None or e.year <= max(published))]
    if any(e.via == "period_title" for e in ev):
        return None
    strong = [e for e in ev if e.via in STRONG]
    titled = [e for e in ev if e.via == "title"]
    for tier in (strong, titled):
        years = {e.year for e in tier}
        if len(years) > 1:
            return None
        if years:
            y = years.pop()
            # a title year without 年度 that disagrees with a 年度 label: no winner
            if tier is strong and any(e.year != y for e in titled):
                return None
            return next(e for e in tier if e.year == y)
    if any(e.via == "period" for e in ev):
        return None
    body = [e for e in ev if e.via in ("body", "body_fy")]
    if not body:
        return None
    votes = Counter()
    for e in body:
        votes[e.year] += 2 if e.via == "body_fy" else 1
    y = votes.most_common(1)[0][0]
    return next(e for e in body if e.year == y)


def fiscal_year(doc: Document, title_span: tuple[int, int] | None = None) -> YearEvidence | None:
    return decide(evidence(doc, title_span))
