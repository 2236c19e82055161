"""The problems a report lists and the recommendations it makes, as items, whatever their
numbering (（一）, 1., （1）, 一是, —, ①) — from a section of the body or from a form table's
存在问题 / 相关建议 cell."""
from __future__ import annotations

import re

from extractors.model import Block, Document

from ..vocab import ADVICE_HEADINGS, ITEM_LABEL_WORDS, OTHER_HEADINGS, PROBLEM_HEADING, alternation

# record keys this family reads and writes (checked against the family order in fields.py)
READS: tuple[str, ...] = ()
WRITES: tuple[str, ...] = ("problems", "recommendations")

# heading words from pipeline/vocab.py: the same lists decide sections.py's outline parts
PROBLEM_HEAD = re.compile(PROBLEM_HEADING)
ADVICE_HEAD = re.compile(alternation(ADVICE_HEADINGS))
OTHER_HEAD = re.compile(alternation(OTHER_HEADINGS))
ITEM_LABEL = alternation(ITEM_LABEL_WORDS) + r"[一二三四五六七八九十\d]{1,2}[：:]"
ITEM_START = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}\s*[、.．](?!\d)|"
                        r"[①②③④⑤⑥⑦⑧⑨⑩]|[一二三四五六七八九十]是|[—–\-•·●■◆]\s*|" + ITEM_LABEL + ")")
STRIP_NUMBER = re.compile(r"^\s*(?:第[一二三四五六七八九十]+[，,、]?|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}[、.．]|"
                          r"\d{1,2}\s*[、.．]|[①②③④⑤⑥⑦⑧⑨⑩]|[一二三四五六七八九十]是|[—–\-•·●■◆]|" + ITEM_LABEL + r")\s*")


def _section(doc: Document, head_pat: re.Pattern, stop_pat: re.Pattern) -> list[Block] | None:
    """The blocks under the last heading that matches ``head_pat`` and has items under it."""
    blocks = doc.blocks
    best = None
    for i, b in enumerate(blocks):
        if b.kind == "table":
            continue
        is_head = (b.kind == "heading" and len(b.text) <= 40) or (b.kind == "paragraph" and len(b.text) <= 14)
        if not is_head or not head_pat.search(b.text):
            continue
        other = ADVICE_HEAD if head_pat is PROBLEM_HEAD else PROBLEM_HEAD
        combined = bool(other.search(b.text)) or bool(re.search(r"经验|做法", b.text))
        level = b.level if b.kind == "heading" else 99
        body = []
        for nb in blocks[i + 1:]:
            if nb.kind == "heading" and nb.level is not None and level != 99 and nb.level <= level:
                break
            if nb.kind == "heading" and not combined and stop_pat.search(nb.text) and len(nb.text) <= 40:
                break
            if nb.kind == "paragraph" and len(nb.text) <= 14 and stop_pat.search(nb.text):
                break
            if level == 99 and nb.kind == "heading" and nb.level is not None and nb.level <= 2:
                break
            body.append(nb)
            if len(body) > 80:
                break
        if _items(body):
            # prefer a heading about this alone ("存在的问题") over a combined one ("经验、问题和建议"),
            # and a body section over a short form cell
            # and then a chapter over a sub-section ("七、存在的问题" over "（三）发现问题" inside a
            # review of the self-evaluation)
            rank = (combined or bool(OTHER_HEAD.search(b.text) and head_pat is PROBLEM_HEAD and "问题" not in b.text[-4:]),
                    level == 99, level)
            if best is None or rank < best[0]:
                best = (rank, body)
    return best[1] if best else None


FAMILIES = [
    ("cn_paren", re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[）)]")),
    ("num_paren", re.compile(r"^\s*[（(]\d{1,2}[）)]")),
    ("cn", re.compile(r"^\s*[一二三四五六七八九十]{1,3}[、.．]")),
    ("num", re.compile(r"^\s*\d{1,2}\s*[、.．](?!\d)")),
    ("circle", re.compile(r"^\s*[①②③④⑤⑥⑦⑧⑨⑩]")),
    ("shi", re.compile(r"^\s*[一二三四五六七八九十]是")),
    ("dash", re.compile(r"^\s*[—–\-•·●■◆]")),
    ("label", re.compile(r"^\s*" + ITEM_LABEL)),
]


def _family(text: str) -> str | None:
    for name, pat in FAMILIES:
        if pat.match(text):
            return name
    return None


def _items(body: list[Block]) -> list[tuple[str, int | None]]:
    """Item texts: the blocks numbered like the first numbered block of the section (headings
    or paragraphs alike — a short item is read as a heading, a long one as a paragraph), else the
    headings of the section's top level (structure: style, outline level), else the clauses of a
    paragraph numbered inline ("1.…；2.…；3.…"), else the paragraphs."""
    numbered = [(b, _family(b.text)) for b in body if b.kind != "table"]
    first = next((f for _, f in numbered if f), None)
    if first:
        items = [(_clean(b.text), b.page) for b, f in numbered if f == first]
        items = [(t, p) for t, p in items if len(t) >= 4]
        if len(items) >= 2:
            return items
    # structure without a typed number: items set as headings (a heading style, an outline level,
    # Word's numbering drawn as a bullet or not at all) are the headings of the body's top level
    heads = [b for b in body if b.kind == "heading" and b.level is not None]
    if len(heads) >= 2:
        top = min(b.level for b in heads)
        items = [(_clean(b.text), b.page) for b in heads if b.level == top and len(_clean(b.text)) >= 4]
        if len(items) >= 2:
            return items
    for b in body:
        parts = re.split(r"(?:(?<=[；;。])|^)\s*(?=\d{1,2}\s*[、.．]|[（(]\d{1,2}[）)]|[①②③④⑤⑥⑦⑧⑨⑩])", b.text)
        parts = [p for p in parts if p.strip() and ITEM_START.match(p)]
        if len(parts) >= 2:
            return [(_clean(p), b.page) for p in parts]
    if first:
        items = [(_clean(b.text), b.page) for b, f in numbered if f == first and len(_clean(b.text)) >= 4]
        if items:
            return items
    if len(body) >= 2 and all(b.kind == "paragraph" for b in body[:2]):
        return [(_clean(b.text), b.page) for b in body if len(b.text) >= 8][:10]
    return []


def _clean(t: str) -> str:
    t = STRIP_NUMBER.sub("", STRIP_NUMBER.sub("", t.strip()))
    return t.strip("；;。 ")[:400]


def _from_tables(doc: Document, pat: re.Pattern) -> list[tuple[str, int | None]]:
    """A form table's 存在问题 cell: the items are in the cell next to the label."""
    for b in doc.tables():
        g = b.grid()
        for r, row in enumerate(g):
            for j, c in enumerate(row):
                if len(c) <= 10 and pat.search(c):
                    nxt = next((x for x in row[j + 1:] if x and x != c), None)
                    if not nxt and r + 1 < len(g):
                        nxt = g[r + 1][j]
                    if nxt:
                        parts = re.split(r"(?<=[；;。])\s*|\n", nxt)
                        parts = [_clean(p) for p in parts if len(_clean(p)) >= 4]
                        if parts:
                            return [(p, b.page) for p in parts]
    return []


def extract(doc: Document, rec: dict) -> None:
    # imported here, not at the top: taxonomy loads jieba, which only this family needs; a broken
    # install must fail loudly rather than leave every problem without its category
    from pipeline.taxonomy import categorize
    for field, head, stop in (("problems", PROBLEM_HEAD, ADVICE_HEAD), ("recommendations", ADVICE_HEAD, OTHER_HEAD)):
        body = _section(doc, head, stop)
        items = _items(body) if body else []
        if not items:
            items = _from_tables(doc, head)
        out = []
        for k, (text, page) in enumerate(items, 1):
            it = {"seq": k, "text": text, "page": page}
            if field == "problems":
                it["category"] = categorize(text)
            out.append(it)
        rec[field] = out
