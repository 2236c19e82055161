"""Who, where, when and the verdict: title, region, year, evaluation kind, evaluator,
commissioning body, subject, document number, report date, total score and grade."""
from __future__ import annotations

import re
from collections import Counter

from rapidfuzz import fuzz

from extractors.model import Document

from pipeline.vocab import GRADES, TOTAL_SCORE_LABEL, alternation

from . import find, prov, region, years

# record keys this family reads and writes (checked against the family order in fields.py)
READS: tuple[str, ...] = ()
WRITES: tuple[str, ...] = ("title", "province", "city", "county", "township", "fiscal_year", "evaluation_kind",
                           "evaluator", "commissioner", "subject", "doc_number", "report_date", "total_score",
                           "grade", "programme", "provenance", "rounding", "statements", "notes")

# a capturing group, longest word first; 一般 is read in a table cell (score rules) but not in running
# text, where it is mostly 一般公共预算
GRADE_WORD = "(" + alternation(tuple(w for w in GRADES if w != "一般"))[3:]
FIRM = re.compile(r"([\u4e00-\u9fff（）()]{4,40}?(?:有限责任公司|股份有限公司|有限公司|会计师事务所(?:（(?:特殊)?普通合伙）)?"
                  r"|事务所(?:（(?:特殊)?普通合伙）)?|研究院|研究中心|咨询中心))")
FIRM_LABEL = r"(?:评价机构(?:名称)?|第三方(?:评价)?机构(?:名称)?|评价单位|受托(?:方|单位|机构)|报告出具单位)"
DATE = r"(20\d\d|二[〇零○]\S{2})\s*年\s*(\d{1,2}|[一二三四五六七八九十]{1,2})\s*月\s*(\d{1,3}|[一二三四五六七八九十]{1,3})\s*日"


def _iso(y: str, m: str, d: str) -> str | None:
    """'二〇二四', '六', '二十八' → '2024-06-28'."""
    import cn2an
    try:
        if not y.isdigit():
            y = "".join(str("〇一二三四五六七八九".index(c.replace("零", "〇").replace("○", "〇"))) for c in y)
        mo = int(m) if m.isdigit() else int(cn2an.cn2an(m, "smart"))
        da = int(d) if d.isdigit() else int(cn2an.cn2an(d, "smart"))
    except (ValueError, KeyError):
        return None
    if not (1 <= mo <= 12 and 1 <= da <= 31):
        return None
    return "%s-%02d-%02d" % (y, mo, da)


def _title(doc: Document) -> tuple[str | None, int, int]:
    """The opening lines up to the one that names the document kind (…报告 / …结论表)."""
    lines: list[tuple[str, int, int]] = []
    for b in doc.blocks[:12]:
        if b.kind == "table":
            break
        t = b.text.strip()
        if not t:
            continue
        if len(t) > 200:          # a title is short; a long block ends the title area
            break
        lead = _latin_letterhead(t)
        start = b.start + len(b.text) - len(b.text.lstrip()) + lead if lead else b.start
        lines.append((t[lead:], start, b.end))
        if re.search(r"(报告|结论表|评价表)$", t) or len(lines) >= 5:
            break
    for k, (t, _, _) in enumerate(lines):
        if re.search(r"(绩效|评价|自评).*(报告|结论表)|报告$", t):
            first = k
            # a title broken over lines: take the short lines above it that carry no sentence mark
            while first > 0 and len(lines[first - 1][0]) <= 40 and not re.search(r"[。；：]", lines[first - 1][0]):
                first -= 1
            title = re.sub(r"\s+", "", "".join(x[0] for x in lines[first:k + 1]))
            if len(title) <= 120:
                return title, lines[first][1], lines[k][2]
    return None, 0, 0


# a firm's letterhead in Latin letters ("… CERTIFIED PUBLIC ACCOUNTANTS") that OCR ran into the title's
# first line: two or more Latin words, no CJK, before the Chinese words
LATIN_LEAD = re.compile(r"[A-Za-z][\w().,&'\-]*(?:\s+[A-Za-z(][\w().,&'\-]*)+\s+(?=[\u4e00-\u9fff\d])", re.ASCII)


def _latin_letterhead(line: str) -> int:
    """Length of a Latin letterhead run opening ``line`` before its Chinese words (0 if none): a
    Chinese title never opens with two English words (a short "PPP项目" is kept)."""
    m = LATIN_LEAD.match(line)
    if not m or sum(c.isalpha() for c in m.group(0)) < 10:
        return 0
    return m.end()


TITLE_PHRASE = re.compile(r"([\u4e00-\u9fff“”（）]{6,60}?(?:资金|经费|项目|补助|专项))(?:的)?(?:整体)?(?:支出)?(?:绩效评价|绩效自评)")


def _title_from_text(doc: Document) -> tuple[str | None, int, int]:
    """No title block (a paste that starts with the abstract): the programme the report first
    names as evaluated ("…项目专用经费绩效评价得分…")."""
    text = doc.text[:20000]
    for m in re.finditer(r"[^，。；：\n]+", text):
        mm = TITLE_PHRASE.match(m.group(0))
        if mm:
            t = mm.group(0)
            return t, m.start(), m.start() + len(t)
    return None, 0, 0


def _kind(text: str) -> str:
    head = text[:5000]
    if re.search(r"自评|自我评价", head[:600]) or (re.search(r"自评", head) and not re.search(r"第三方|委托", head)):
        return "self"
    if re.search(r"第三方|委托.{0,30}(机构|公司|事务所)|评价机构|受托", head) or FIRM.search(head):
        return "third_party"
    return "unknown"


def _balanced(name: str) -> bool:
    t = name.replace("（", "(").replace("）", ")")
    return t.count("(") == t.count(")")


def _evaluator(doc: Document) -> tuple[str | None, int]:
    text = doc.text
    # a firm named right after its label wins ("评价机构（盖章）：…"), then the firm named most
    labelled = None
    for m in re.finditer(FIRM_LABEL + r"[^。\n]{0,12}?[：:\s]\s*", text):
        squeezed = re.sub(r"\s+", "", text[m.end():m.end() + 80])
        fm = FIRM.match(text, m.end())
        src = text
        if not fm:
            fm, src = FIRM.match(squeezed), squeezed
        if fm:
            name = _clean_firm(_firm_at(src, fm))
            if name:
                labelled = name, m.end()
                break
    if labelled and _balanced(labelled[0]):
        return labelled
    named = _most_named_firm(text)
    if labelled:
        # a misread label (OCR: "恒信河北)会计师事务所") gives way to the same firm spelt whole elsewhere
        if named and _balanced(named[0]) and fuzz.ratio(named[0], labelled[0]) >= 85:
            return named
        return labelled
    return named or (None, 0)


def _most_named_firm(text: str) -> tuple[str, int] | None:
    names = Counter()
    pos = {}
    for fm in FIRM.finditer(text):
        name = _clean_firm(_firm_at(text, fm))
        if name:
            names[name] += 1
            pos.setdefault(name, fm.start())
    if names:
        # the most named, but a spelling with balanced brackets first (OCR drops a bracket now and then)
        name = max(names, key=lambda n: (_balanced(n), names[n], -pos[n]))
        ctx = text[max(0, pos[name] - 40):pos[name]]
        after = text[pos[name] + len(name):pos[name] + len(name) + 20]
        if names[name] >= 2 or re.search(r"委托|第三方|评价机构|受托|聘请", ctx) or re.search(r"接受|受.{0,12}委托", after):
            return name, pos[name]
    return None


FIRM_TAIL = re.compile(r"有限责任公司|有限公司|（(?:特殊)?普通合伙）|\((?:特殊)?普通合伙\)")


def _firm_at(text: str, m: re.Match) -> str:
    """The matched firm name, with a legal-form tail the short match left off
    ("…会计师事务所" + "有限公司")."""
    name = m.group(1)
    t = FIRM_TAIL.match(text, m.end(1))
    return name + t.group(0) if t else name


def _clean_firm(name: str) -> str | None:
    # drop what a sentence put in front of the name ("委托", "由", "聘请")
    name = re.sub(r"^.*(?:委托|聘请|由|经|通过|同意|确定|选定|采购|评价机构为|评价机构是|机构)", "", name)
    name = re.sub(r"^(?:名称|机构|单位)+", "", name.lstrip("（）()：: ").rstrip("：: "))
    if name.count("（") > name.count("）"):
        name += "）"
    if len(name) < 6 or re.search(r"财政|人民政府|管理局|委员会|人社局|本公司|我公司", name):
        return None
    return name


def _commissioner(text: str) -> tuple[str | None, int]:
    m = re.search(r"委托(?:评价)?单位[：:\s]*([\u4e00-\u9fff]{3,30}?(?:局|委|委员会|办公室|政府|中心))", text)
    if m:
        return m.group(1), m.start(1)
    m = re.search(r"([\u4e00-\u9fff]{2,20}?(?:财政局|财政厅|人民政府))(?:的)?(?:委托|聘请)", text[:20000])
    if not m:
        return None, 0
    name = re.sub(r"^.*(?:接受|受|由|经|公司)", "", m.group(1))
    return (name, m.end(1) - len(name)) if len(name) >= 3 else (None, 0)


def _subject(text: str) -> tuple[str | None, int]:
    m = re.search(r"(?:评价对象(?:主体|名称)?|项目(?:实施|主管)单位|预算单位|主管部门|实施主体)[：:\s]*"
                  r"([\u4e00-\u9fff（）]{3,30}?(?:局|委|委员会|办公室|中心|办事处|政府|街道|镇|乡|学校|医院|站|所|院))", text[:20000])
    return (m.group(1), m.start(1)) if m else (None, 0)


def _doc_number(text: str) -> tuple[str | None, int]:
    m = re.search(r"([\u4e00-\u9fff]{1,8}[〔\[【(（]20\d\d[〕\]】)）]\s*\d{1,4}\s*号)", text[:1500])
    return (m.group(1), m.start(1)) if m else (None, 0)


def _report_date(doc: Document) -> tuple[str | None, int]:
    text = doc.text
    m = re.search(r"(?:评价|报告|出具|完成|编制)(?:日期|时间)[：:\s]*" + DATE, text)
    if not m:
        # a date standing alone on its line (the signature block), in the second half
        for b in doc.blocks:
            if b.kind == "table" or b.start < len(text) * 0.4:
                continue
            mm = re.fullmatch(r"[^。，；\n]{0,40}?" + DATE, b.text.strip())
            if mm:
                return _iso(mm.group(1), mm.group(2), mm.group(3)), b.start
        return None, 0
    return _iso(m.group(1), m.group(2), m.group(3)), m.start(1)


TOTAL_LABEL = TOTAL_SCORE_LABEL


ROW_SEP = re.compile(r"\s*[|\t]\s*|\s{2,}")
CELL_FIGURE = re.compile(r"\d{1,3}(?:\.\d{1,2})?")


def _cells(line: str) -> list[str]:
    """A table row's cells; a leading/trailing pipe is the border, not an empty cell."""
    return ROW_SEP.split(line.strip().strip("|").strip())


def _score_column(text: str, line_start: int) -> tuple[int, int] | None:
    """(分值 column, 得分 column) of the nearest header row above a table row that names both."""
    above = text[max(0, line_start - 3000):line_start].split("\n")
    for line in reversed(above[-40:]):
        if not ROW_SEP.search(line.strip()):
            continue
        cells = [re.sub(r"\s+", "", c) for c in _cells(line)]
        w = next((i for i, c in enumerate(cells) if re.fullmatch(r"(?:分值|权重|标准分|满分)(?:[（(]分[)）])?", c)), None)
        s = next((i for i, c in enumerate(cells) if re.fullmatch(r"(?:自评)?得分(?:[（(]分[)）])?", c)), None)
        if w is not None and s is not None:
            return w, s
    return None


def _row_score(doc: Document, h: find.Hit) -> find.Hit:
    """A total row of a table ("总分 | | | | | | 100 | 96.5") states the full mark under 分值 and
    the result under 得分: the result is the total. Empty padding cells shift nothing: the column
    comes from the header row when its cells line up, else the figure after the full mark."""
    text = doc.text
    ls = text.rfind("\n", 0, h.start) + 1
    le = text.find("\n", h.start)
    le = len(text) if le == -1 else le
    line = text[ls:le]
    if not ROW_SEP.search(line[h.start - ls:]):
        return h                                # running text, not a table row
    figs = [m for m in CELL_FIGURE.finditer(line) if ls + m.start() >= h.start
            and re.fullmatch(r"\d{1,3}(?:\.\d{1,2})?", _cell_at(line, m.start()))]
    if len(figs) < 2:
        return h
    pick = None
    cols = _score_column(text, ls)
    cells = _cells(line)
    if cols is not None and len(cells) > cols[1]:
        w, s = (re.sub(r"\s+", "", cells[i]) for i in cols)
        if CELL_FIGURE.fullmatch(w or "") and CELL_FIGURE.fullmatch(s or "") and float(s) <= float(w):
            pick = next((m for m in figs if m.group(0) == s and m is not figs[0]), None)
    if pick is None and float(figs[0].group(0)) == 100 and float(figs[1].group(0)) <= 100:
        pick = figs[1]                          # weight then score, padding cells lost or added
    if pick is None:
        return h
    return find.Hit(float(pick.group(0)), pick.group(0), ls + pick.start(), ls + pick.end(), h.label_start)


def _cell_at(line: str, pos: int) -> str:
    a = max(line.rfind("|", 0, pos), line.rfind("\t", 0, pos)) + 1
    bs = [i for i in (line.find("|", pos), line.find("\t", pos)) if i != -1]
    b = min(bs) if bs else len(line)
    return line[a:b].strip().removesuffix("分")


def _opens_its_cell(text: str, h: find.Hit) -> bool:
    """A figure read past a cell border ("总分\t88.5") must open its cell: "评价得分\t六Li和3" is a cell
    the recogniser garbled, whose stray last digit is no score."""
    cell_start = text.rfind("\t", h.label_start, h.start)
    return cell_start == -1 or not text[cell_start + 1:h.start].strip()


def totals(doc: Document) -> list[find.Hit]:
    """Every place the report states its total score in words."""
    hits = [_row_score(doc, h) for h in find.labelled(doc, TOTAL_LABEL, "score", gap=16)
            if 0 < h.value <= 100 and _opens_its_cell(doc.text, h)]
    # "得分为 X 分" inside a dimension paragraph is not the total: keep hits whose clause names
    # the project/overall or stands in the conclusion
    out = []
    for h in hits:
        clause = find.sentence(doc.text, h.start)
        # a clause that also states a weight is about one indicator, not the whole report
        w = re.search(r"(?:分值|满分|标准得分|标准分|权重|指标)\s*(\d+(?:\.\d+)?)\s*分", clause)
        if w and float(w.group(1)) != 100:
            continue
        out.append(h)
    return out


def grades(doc: Document) -> list[tuple[str, int, int]]:
    """(grade, start, end) for every place a grade is stated."""
    pat = re.compile(r"(?:等级|评级|评价结果|评定结果|自评结果|结果等级|绩效级别|档次)[^。；\n\d]{0,10}?"
                     r"(?:为|是|：|:|\s|“|\"|「)*" + GRADE_WORD + r"(?![\u4e00-\u9fff]{0,1}(?:以上|以下|≥|分))")
    # "评价结论为“良好”", "评定为良": the grade word quoted or closing the clause
    # "质量鉴定为合格", "验收评定为合格" judge the works, not the report
    strict = re.compile(r"(?:评价结论|结论|评为|(?<![鉴验收])评定为|认定为|定级为|(?<![鉴评])定为)(?:为|是)?[“\"「]?" + GRADE_WORD +
                        r"(?:[”\"」]|(?=[。，；,;]))(?!\s*[≥≤><])")
    out = []
    seen = set()
    for m in list(pat.finditer(doc.text)) + list(strict.finditer(doc.text)):
        if m.start(1) in seen:
            continue
        seen.add(m.start(1))
        g = GRADES[m.group(1)]
        tail = doc.text[m.end(1):m.end(1) + 10]
        if re.match(r"[，、/]\s*(良|中|差|优)", tail) or re.search(r"[≥≤><]|分以上|分以下|分（含）|分\(含\)", tail):
            continue              # a legend of the grade bands, not a verdict
        if re.search(r"分为[一二三四五六两\d]个?(?:等级|档次|档)[^。]{0,4}$", doc.text[max(0, m.start() - 30):m.start(1)]):
            continue              # "…分为四个等级：优（…）" opens a legend (on a scan its ≥ may be misread)
        out.append((g, m.start(1), m.end(1)))
    return out


def extract(doc: Document, rec: dict) -> None:
    title, ts, te = _title(doc)
    if not title:
        title, ts, te = _title_from_text(doc)
    rec["title"] = title
    if title:
        prov.note(rec, "title", doc, ts, te)
    place, town, ambiguous = region.resolve(title or "", doc.text[:20000], region.furniture_text(doc))
    if place:
        rec.update(province=place.province, city=place.city, county=place.county)
    rec["township"] = town
    if ambiguous:
        rec.setdefault("notes", []).append("county name shared by several provinces; not resolved")
    fy = years.fiscal_year(doc, (ts, te) if title else None)
    rec["fiscal_year"] = fy.year if fy else None
    if fy:
        prov.note(rec, "fiscal_year", doc, fy.start, fy.end)
        rec["provenance"]["fiscal_year"]["via"] = fy.via
    rec["evaluation_kind"] = _kind(doc.text)
    ev, epos = _evaluator(doc)
    if rec["evaluation_kind"] == "self":
        ev = None
    elif ev and rec["evaluation_kind"] == "unknown":
        rec["evaluation_kind"] = "third_party"
    rec["evaluator"] = ev
    if ev:
        prov.note(rec, "evaluator", doc, epos, epos + len(ev))
    for field, (val, pos) in (("commissioner", _commissioner(doc.text)), ("subject", _subject(doc.text)),
                              ("doc_number", _doc_number(doc.text)), ("report_date", _report_date(doc))):
        rec[field] = val
        if val:
            prov.note(rec, field, doc, pos, pos + len(str(val)))
    for h in totals(doc):
        rec["statements"].append({"quantity": "total_score", "value": h.value, "text": h.text,
                                  "page": doc.page_at(h.start), "evidence": h.evidence(doc), "start": h.start})
    for g, a, b in grades(doc):
        rec["statements"].append({"quantity": "grade", "value": g, "text": g, "page": doc.page_at(a),
                                  "evidence": find.sentence(doc.text, a), "start": a})
    stated = [s for s in rec["statements"] if s["quantity"] == "total_score"]
    if stated:
        rec["total_score"] = stated[0]["value"]
        rec["provenance"]["total_score"] = prov.span(doc, stated[0]["start"], stated[0]["start"] + len(stated[0]["text"]))
        rec["rounding"]["total_score"] = _decimals(stated[0]["text"])
    gs = [s for s in rec["statements"] if s["quantity"] == "grade"]
    if gs:
        rec["grade"] = Counter(s["value"] for s in gs).most_common(1)[0][0]
        first = next(s for s in gs if s["value"] == rec["grade"])
        rec["provenance"]["grade"] = prov.span(doc, first["start"], first["start"] + 1)
    rec["programme"] = _programme(title)


def _decimals(t: str) -> int:
    m = re.search(r"\.(\d+)", t)
    return len(m.group(1)) if m else 0


def _programme(title: str | None) -> str | None:
    """The programme a title is about, without region, year, unit and document kind."""
    if not title:
        return None
    t = re.sub(r"20\d\d\s*(年度|年)?", "", title)
    t = re.sub(r"(项目)?(支出)?(绩效)?(评价|自评)?(报告|结论表)$", "", t)
    t = re.sub(r"^.*?(?:县|区|市|旗|局|委|中心|办事处|街道)(?=[\u4e00-\u9fff]{4,})", "", t, count=1)
    return t.strip("的 ") or None
