"""Portal furniture: what a government portal wraps around a published report — 索引号 / 发布机构 /
发布日期 lines, 【字体：大 中 小】, 打印本页 / 关闭窗口, breadcrumbs (首页 > 政务公开 > …), site banners
("…人民政府门户网站"), share buttons, the page's metadata table.

None of it is the report: a 发布日期 year is not the fiscal year, a banner is not the title, the
publishing office is not the evaluator. ``set_aside(doc)`` is a pure stage (document → document):
it blanks those lines in the text the pipeline matches on (spaces of the same length, so every
offset still points into the original), keeps the original in ``meta["original_text"]`` (what is
stored) and lists what it set aside in ``meta["furniture"]`` ({start, end, text, match: the text as
matched, i.e. simplified}) — a banner is
still weak evidence of the region (``record/region.py``).
"""
from __future__ import annotations

import dataclasses
import re

from extractors.model import TABLE, Document

from .vocab import (FURNITURE_BANNERS, FURNITURE_LABELS, FURNITURE_ROW_LABELS, FURNITURE_SPECIFIC, FURNITURE_WIDGETS,
                    NAV_SEPARATORS, NAV_STARTS, PUBLISHED_DATE_LABELS, REPORT_WORDS, alternation)

MAX_LINE = 120          # furniture is short; a long line is the report's prose
# "索引号：…", "【发布时间:…】", "[ 发布机构 ]" (its value on the next line)
LABEL = re.compile(r"^[【\[（(]?" + alternation(FURNITURE_LABELS) + r"(?:[】\]）)]\s*(?:[:：|]|$)|\s*[:：|])")
ROW_LABEL = re.compile(r"(?<![\u4e00-\u9fff])" + alternation(FURNITURE_LABELS + FURNITURE_ROW_LABELS) +
                       r"[】\]）)]?\s*[:：]")      # "名称：" but not "项目名称："
# "时间：2022-12-20 11:27:21", "日期：2024-05-06": a timestamp, not a report date (which says 年月日);
# any "…日期/…时间" with a clock time, or a line that opens with a date and a clock time
STAMP = re.compile(r"^[【\[]?(?:(?:时间|日期|更新时间|更新日期)[:：]\s*20\d\d[-/.]\d{1,2}[-/.]\d{1,2}|"
                   r"[\u4e00-\u9fff]{0,6}(?:时间|日期)[:：]\s*20\d\d[-/.]\d{1,2}[-/.]\d{1,2}\s*\d{1,2}:\d\d|"
                   r"20\d\d[-/.]\d{1,2}[-/.]\d{1,2}\s*\d{1,2}:\d\d)")
# a breadcrumb without a lead-in: "部门>民政局>政务公开>预算/决算" — three or more short crumbs
CRUMBS = re.compile(r"^(?:[^>»＞›\s]{1,14}\s*[>»＞›]+\s*){3,}[^>»＞›]{0,30}$")
SPECIFIC_ROW = re.compile(r"^" + alternation(FURNITURE_SPECIFIC) + r".*" + alternation(FURNITURE_SPECIFIC))
PUBLISHED = re.compile(alternation(PUBLISHED_DATE_LABELS) + r"[:：]?\s*20\d\d[-/.年]")
# a line of labels alone ("主题词", "文号 浏览量"): one portal label, or two labels of any kind
ONLY_LABELS = re.compile(r"(?:" + alternation(FURNITURE_LABELS + FURNITURE_SPECIFIC) + r"[:：|]?)+|"
                         r"(?:" + alternation(FURNITURE_LABELS + FURNITURE_ROW_LABELS + FURNITURE_SPECIFIC) +
                         r"[:：|]?){2,}")
WIDGET = re.compile(alternation(FURNITURE_WIDGETS))
BANNER = re.compile(alternation(FURNITURE_BANNERS))
NAV = re.compile(r"^" + alternation(NAV_STARTS) + r"\s*[:：" + re.escape(NAV_SEPARATORS) + r"]")
# the report's own words: a short line carrying them is kept even when it names a website
OWN_WORDS = re.compile(alternation(REPORT_WORDS + ("报告",)))
ITEM_NUMBER = re.compile(r"^[（(]?[一二三四五六七八九十\d]{1,3}[）)、.．]")
SENTENCE = re.compile(r"[，。；、]")


def is_furniture(line: str) -> bool:
    """A line of portal furniture (see the module note)."""
    # a row pasted from an HTML table ("| 索引号 | … |"), a list item ("• 发布机构：…")
    s = re.sub(r"\s+", "", line).lstrip("|•·●▪-")
    if not s or len(s) > MAX_LINE:
        return False
    if NAV.match(s) or LABEL.match(s) or STAMP.match(s) or CRUMBS.match(s):
        return True
    if len(ROW_LABEL.findall(s)) >= 2 or SPECIFIC_ROW.match(s) or ONLY_LABELS.fullmatch(s):
        return True
    if len(s) <= 60 and PUBLISHED.search(s):
        return True
    if ITEM_NUMBER.match(s) or OWN_WORDS.search(s):
        return False                 # "（三）未在门户网站公开…", "无障碍设施改造项目": the report's own
    if WIDGET.search(s):
        return True
    return bool(BANNER.search(s)) and len(s) <= 60 and not SENTENCE.search(s)


def _bare_label(line: str) -> bool:
    """"索引号 |" / "发布机构：" with its value on the next line (a table pasted one cell a line)."""
    s = re.sub(r"\s+", "", line)
    m = LABEL.match(s)
    return bool(m) and not s[m.end():].strip("|:：")


def _table_is_furniture(cells: list[str]) -> bool:
    """The page's metadata table (索引号 | … | 发布机构 | …): two or more furniture labels."""
    labels = sum(1 for c in cells if c and LABEL.match(re.sub(r"\s+", "", c) + "："))
    return labels >= 2 and labels * 4 >= len([c for c in cells if c])


def spans(doc: Document) -> list[tuple[int, int]]:
    """(start, end) in ``doc.text`` of every furniture line or table."""
    out: list[tuple[int, int]] = []
    value_next = False
    for b in doc.blocks:
        if b.kind == TABLE:
            value_next = False
            if _table_is_furniture([c.text for c in b.cells]):
                out.append((b.start, b.end))
            continue
        pos = b.start
        for line in doc.text[b.start:b.end].split("\n"):      # the text everything matches on
            end = pos + len(line)
            s = line.strip()
            if s and len(s) <= MAX_LINE:
                if is_furniture(s):
                    out.append((pos, end))
                    value_next = _bare_label(s)
                elif value_next and len(s) <= 40 and not SENTENCE.search(s):
                    out.append((pos, end))      # the value under a bare label
                    value_next = False
                else:
                    value_next = False
            pos = end + 1
    return out


def _blank(text: str, sp: list[tuple[int, int]]) -> str:
    parts, last = [], 0
    for a, b in sp:
        parts.append(text[last:a])
        parts.append(re.sub(r"[^\n\t]", " ", text[a:b]))
        last = b
    parts.append(text[last:])
    return "".join(parts)


def set_aside(doc: Document) -> Document:
    """``doc`` itself when it has no furniture; else a copy whose text (and blocks) have the
    furniture blanked, same length, original kept (see the module note)."""
    sp = spans(doc)
    if not sp:
        return doc
    original = doc.meta.get("original_text", doc.text)
    text = _blank(doc.text, sp)
    blocks = []
    blank_tables = {a for a, _ in sp}
    for b in doc.blocks:
        if b.kind == TABLE and b.start in blank_tables:
            cells = [dataclasses.replace(c, text="") for c in b.cells]
            blocks.append(dataclasses.replace(b, text=text[b.start:b.end], cells=cells))
        elif b.kind == TABLE:
            blocks.append(b)
        else:
            blocks.append(dataclasses.replace(b, text=text[b.start:b.end]))
    meta = dict(doc.meta, original_text=original,
                furniture=[{"start": a, "end": b, "text": original[a:b].strip(), "match": doc.text[a:b].strip()}
                           for a, b in sp])
    return dataclasses.replace(doc, text=text, blocks=blocks, meta=meta)


def furniture_text(doc: Document) -> str:
    """The furniture lines, one a line: weak evidence (a banner names the site's county)."""
    return "\n".join(f["match"] for f in doc.meta.get("furniture") or [])
