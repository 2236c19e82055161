"""Shared by the line-based extractors (PDF text, pasted text): headings, page furniture,
and joining lines that a PDF broke mid-sentence back into paragraphs."""
from __future__ import annotations

import re
from collections import Counter

from .model import HEADING, PARAGRAPH, Block

CN_NUM = "一二三四五六七八九十"
HEADING_PATTERNS = [
    (1, re.compile(rf"^\s*(第[{CN_NUM}]+(部分|章|节)|[{CN_NUM}]+\s*[、.．])")),
    (2, re.compile(rf"^\s*[（(][{CN_NUM}]+[）)]")),
    (3, re.compile(r"^\s*\d{1,2}\s*[、.．](?!\d)")),
    (4, re.compile(r"^\s*[（(]\d{1,2}[）)]")),
]
PAGE_NUMBER = re.compile(r"^\s*([-—–－~]\s*\d{1,4}\s*[-—–－~]|第\s*\d+\s*页(\s*[，,/]?\s*共\s*\d+\s*页)?|\d{1,4}\s*/\s*\d{1,4}|\d{1,4})\s*$")
SENTENCE_END = "。！？；：!?;:…”"


def heading_level(line: str) -> int | None:
    """Level of a numbered heading (一、 （一） 1. （1）), or None for body text.
    A heading is short and does not run on as a sentence."""
    s = line.strip()
    if not s or len(s) > 60:
        return None
    for level, pat in HEADING_PATTERNS:
        if pat.match(s):
            body = s[pat.match(s).end():]
            if level >= 3 and (len(s) > 40 or body.count("，") > 1):
                return None
            if s.endswith("。") and len(s) > 30:
                return None
            return level
    return None


def is_page_number(line: str) -> bool:
    return bool(PAGE_NUMBER.match(line))


def repeated_furniture(pages: list[list[str]], min_share: float = 0.5) -> set[str]:
    """Lines that open or close at least half of the pages (letterheads, running titles)."""
    if len(pages) < 3:
        return set()
    edge = Counter()
    for lines in pages:
        seen = set()
        for ln in lines[:2] + lines[-2:]:
            key = re.sub(r"\d+", "#", ln.strip())
            if key and key not in seen:
                seen.add(key)
                edge[key] += 1
    return {k for k, n in edge.items() if n >= max(3, min_share * len(pages))}


def strip_furniture(pages: list[list[str]]) -> tuple[list[list[str]], int]:
    rep = repeated_furniture(pages)
    out, removed = [], 0
    for lines in pages:
        kept = []
        for i, ln in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            key = re.sub(r"\d+", "#", ln.strip())
            if at_edge and (is_page_number(ln) or key in rep):
                removed += 1
                continue
            kept.append(ln)
        out.append(kept)
    return out, removed


# "项目名称：…", "评价方式:…": a field of a cover page or form, label then value
FIELD_LINE = re.compile(r"^[\u4e00-\u9fff（）()]{2,10}\s*[:：]\s*\S")
# a date with a clock time ("2023-04-07 15:25"): a web page's publication stamp, never prose
STAMP_LINE = re.compile(r"20\d\d[-/.]\d{1,2}[-/.]\d{1,2}\s*\d{1,2}:\d{2}")


def _field_runs(lines: list) -> set[int]:
    """Indexes of lines that are paragraphs of their own: field lines next to another field line
    (a cover page's 项目名称 / 主管部门 / 评价机构 …) and publication stamps — never run into a
    title. A single "主要做法：…" line is prose and joins as before."""
    is_field = [not isinstance(x, Block) and bool(FIELD_LINE.match(x[0].strip())) and len(x[0].strip()) <= 60
                for x in lines]
    runs = {i for i, f in enumerate(is_field)
            if f and ((i > 0 and is_field[i - 1]) or (i + 1 < len(is_field) and is_field[i + 1]))}
    # a publication stamp line stands alone too, so the title above it is not run into it
    return runs | {i for i, x in enumerate(lines)
                   if not isinstance(x, Block) and len(x[0].strip()) <= 120 and STAMP_LINE.search(x[0])}


def lines_to_blocks(lines: list, wrap_width: int | None = None) -> list[Block]:
    """Join wrapped lines into paragraphs; numbered short lines become headings.
    ``lines`` holds (text, page) pairs and, in place, table Blocks.

    ``wrap_width``: the typical full line length; a line shorter than ~80 % of it ends a paragraph
    even without a full stop (a PDF breaks lines at the margin, not at sentence ends)."""
    if wrap_width is None:
        lens = sorted(len(x[0].strip()) for x in lines if not isinstance(x, Block) and len(x[0].strip()) > 8)
        wrap_width = lens[int(len(lens) * 0.8)] if lens else 40
    blocks: list[Block] = []
    cur: list[str] = []
    cur_page = None
    fields = _field_runs(lines)

    def flush():
        nonlocal cur
        if cur:
            blocks.append(Block(PARAGRAPH, "".join(cur), page=cur_page))
            cur = []

    for k, item in enumerate(lines):
        if isinstance(item, Block):      # a table found by the extractor, kept in place
            flush()
            blocks.append(item)
            continue
        text, page = item
        s = text.strip()
        if not s:
            flush()
            continue
        if k in fields:                  # "项目名称：…" among other fields: a line of its own
            flush()
            blocks.append(Block(PARAGRAPH, s, page=page))
            continue
        lvl = heading_level(s)
        if lvl is not None and len(s) >= 0.85 * wrap_width and s[-1] not in SENTENCE_END and \
                (lvl >= 3 or re.search(r"[。；;]", s)):
            # a numbered paragraph whose first line runs to the margin, not a heading: for 一、/（一）
            # only when a sentence already ended on that line ("一、资金拨付偏慢。部分资金……")
            lvl = None
        if lvl is not None:
            flush()
            blocks.append(Block(HEADING, s, page=page, level=lvl))
            continue
        if not cur:
            cur_page = page
        if cur and re.search(r"[A-Za-z0-9]$", cur[-1]) and re.match(r"[A-Za-z0-9]", s):
            cur.append(" ")
        cur.append(s)
        if s[-1] in SENTENCE_END or len(s) < 0.8 * wrap_width:
            flush()
    flush()
    return blocks
