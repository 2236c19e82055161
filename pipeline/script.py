"""Traditional script: a document in 績效評價 / 預算執行率 is matched as simplified text, while the
stored text and every provenance span stay in the report's own characters.

A pure stage, document → document, run before anything matches words (``flow.process_file``):

- ``simplify(doc)`` returns ``doc`` itself when it is simplified already (one cheap scan of the
  opening for characters only traditional script writes). Otherwise it returns a copy whose text,
  blocks and cells are converted *character for character* by OpenCC (``t2s``), so every offset
  into the copy is an offset into the original; the original is kept in
  ``doc.meta["original_text"]``.
- ``restore(rec, findings, doc)`` puts the evidence and provenance texts of a record built on the
  copy back into the report's own characters. Values (title, county, problem texts) stay simplified:
  they are compared across reports.

Mirror sites that serve traditional pages often annotate characters with pinyin ("養(yǎng)護");
that annotation is not the report's text and splits words ("預(yù)算"), so it is dropped (from the
stored text too) before conversion.
"""
from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from functools import lru_cache

from extractors.model import Block, Document, assemble

from .vocab import TRADITIONAL_MARKERS

MARKERS = re.compile("[" + TRADITIONAL_MARKERS + "]")
MIN_MARKERS = 8            # a simplified report quoting one traditional name stays as it is
HEAD = 20000

TONE = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# "(yǎng)" right after a Chinese character, with at least one tone mark: mirror-site annotation
PINYIN = re.compile(r"(?<=[\u3400-\u9fff])\((?=[a-zü]*[" + TONE + r"])[a-zü" + TONE + r"]{1,7}\)")
HAS_TONE = re.compile("[" + TONE + "]")


def is_traditional(text: str) -> bool:
    """True when the opening writes enough characters that only traditional script has."""
    n = 0
    for _ in MARKERS.finditer(text, 0, HEAD):
        n += 1
        if n >= MIN_MARKERS:
            return True
    return False


def strip_pinyin(text: str) -> str:
    """Text without pinyin annotations after characters ("養(yǎng)護" → "養護")."""
    return PINYIN.sub("", text) if HAS_TONE.search(text) else text


@lru_cache(maxsize=1)
def _converter():
    import opencc       # the C++ wheel: ~40× the pure-Python reimplementation, same output here
    return opencc.OpenCC("t2s")


def t2s(text: str) -> str:
    """Simplified text of the same length, character for character. OpenCC converts phrases
    (乾燥 → 干燥, 於是 → 于是); a line whose phrase conversion changes its length is converted one
    character at a time instead, so offsets never move."""
    cc = _converter()
    out = cc.convert(text)
    if len(out) == len(text) and out.count("\n") == text.count("\n"):
        lines_in, lines_out = text.split("\n"), out.split("\n")
        if all(len(a) == len(b) for a, b in zip(lines_in, lines_out)):
            return out
    fixed = []
    for line in text.split("\n"):
        conv = cc.convert(line)
        if len(conv) != len(line):
            conv = "".join(c if len(c) == 1 else o for o, c in zip(line, map(cc.convert, line)))
        fixed.append(conv)
    return "\n".join(fixed)


def _map_blocks(blocks: list[Block], f) -> list[Block]:
    out = []
    for b in blocks:
        cells = [dataclasses.replace(c, text=f(c.text)) for c in b.cells]
        out.append(dataclasses.replace(b, text=f(b.text), cells=cells))
    return out


def simplify(doc: Document) -> Document:
    """``doc`` when it needs nothing; else a copy with pinyin annotations dropped and, for a
    traditional text, the text converted to simplified (original in ``meta["original_text"]``)."""
    trad = is_traditional(doc.text)
    debris = bool(HAS_TONE.search(doc.text)) and bool(PINYIN.search(doc.text))
    if not trad and not debris:
        return doc
    new = dataclasses.replace(doc, blocks=[], meta=dict(doc.meta), warnings=list(doc.warnings))
    # copies of the blocks (the input stays as it was), spans laid out again: an annotation is gone
    assemble(new, _map_blocks(doc.blocks, strip_pinyin))
    if debris:
        new.meta["pinyin_removed"] = True
    if not trad:
        return new
    try:
        simplified = t2s(new.text)
    except ImportError:
        new.warnings.append("traditional-script report read without conversion: install opencc==1.4.2 "
                            "/ 繁体报告未转换，请安装 opencc==1.4.2")
        return new
    original = new.text
    # block texts are slices of the converted whole (so they agree with it to the character);
    # cells, which have no span, are converted one by one
    new.blocks = [dataclasses.replace(b, text=simplified[b.start:b.end],
                                      cells=[dataclasses.replace(c, text=t2s(c.text)) for c in b.cells])
                  for b in new.blocks]
    new.text = simplified
    new.meta.update(original_text=original, script="traditional")
    return new


def original_text(doc: Document) -> str:
    """The text in the report's own characters (what is stored as doc_text)."""
    return doc.meta.get("original_text", doc.text)


class _Restorer:
    """Simplified strings of one document back to its own characters: a substring of the
    copy maps to the original at the same offset; any other string goes character by character
    through the pairs this document itself shows (发 → 發 where the report writes 發)."""

    def __init__(self, doc: Document):
        self.simp, self.orig = doc.text, original_text(doc)
        pairs: dict[str, Counter] = defaultdict(Counter)
        for s, o in zip(self.simp, self.orig):
            if s != o and not s.isspace():      # a blank is furniture set aside, not a character
                pairs[s][o] += 1
        self.table = {ord(s): c.most_common(1)[0][0] for s, c in pairs.items()}

    def __call__(self, s):
        if not isinstance(s, str) or not s:
            return s
        i = self.simp.find(s)
        if i >= 0:
            return self.orig[i:i + len(s)]
        return s.translate(self.table)


def restore(rec: dict, findings: list[dict], doc: Document) -> None:
    """Provenance texts, evidence of list items, narrative and findings' evidence of a record
    built on ``simplify(doc)``, back in the report's own characters (in place)."""
    if "original_text" not in doc.meta:
        return
    back = _Restorer(doc)
    for p in (rec.get("provenance") or {}).values():
        if isinstance(p, dict) and "text" in p:
            p["text"] = back(p["text"])
    for key in ("indicators", "fund_sources", "expense_details", "targets", "counts", "statements", "survey"):
        items = rec.get(key)
        for it in ([items] if isinstance(items, dict) else items or []):
            if isinstance(it, dict) and "evidence" in it:
                it["evidence"] = back(it["evidence"])
    for it in rec.get("narrative") or []:
        it["text"] = back(it["text"])
        it["section"] = back(it.get("section"))
    for f in findings:
        if "evidence" in f:
            f["evidence"] = back(f["evidence"])
