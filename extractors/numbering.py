"""Word's own list numbering (w:numPr → numbering.xml), rendered as the reader sees it.

Firm-written reports number headings and items with Word's automatic numbering, so "一、",
"（一）", "1." are not in the paragraph text at all. ``Numbering.label(p)`` returns the label Word
would draw before paragraph ``p`` ("三、", "（二）", "2.") — counters kept per list (numId) and
level, deeper levels restarting when a shallower one advances — so the text downstream carries
the same prefixes a typed report has. The numbering may sit on the paragraph or on its style
(a heading style linked to a multilevel list), through the style's basedOn chain.

Level formats (w:numFmt): decimal, chineseCounting(Thousand), japaneseCounting,
taiwaneseCounting, chineseLegalSimplified (壹贰叁), ideographTraditional (甲乙丙), ideographZodiac,
decimalEnclosedCircle(Chinese) (①), upper/lowerLetter, upper/lowerRoman, decimalZero, bullet, none;
w:lvlText places them ("%1、", "（%1）", "第%1章", "%1.%2").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_LEVELS = 9
MAX_COUNT = 10_000          # a hostile w:start cannot make a label of a million characters

CN = "零一二三四五六七八九"
LEGAL = "零壹贰叁肆伍陆柒捌玖"
TIANGAN = "甲乙丙丁戊己庚辛壬癸"
DIZHI = "子丑寅卯辰巳午未申酉戌亥"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
         (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
BULLET = "●"                 # the bullet glyph itself is often a Symbol-font private-use character
CLOSING = tuple("、.．)）:：,，]】") + ("章", "节", "条", "部分")


def _chinese(n: int, digits: str = CN, ten: str = "十") -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (Word's chineseCounting)."""
    if n <= 0:
        return digits[0]
    if n < 10:
        return digits[n]
    if n < 20:
        return ten + (digits[n - 10] if n > 10 else "")
    if n < 100:
        t, u = divmod(n, 10)
        return digits[t] + ten + (digits[u] if u else "")
    if n < 1000:
        h, r = divmod(n, 100)
        hundred = "百" if digits is CN else "佰"
        tail = "" if r == 0 else (digits[0] + _chinese(r, digits, ten) if r < 10 else
                                  (digits[1] + ten + (digits[r - 10] if r > 10 else "") if r < 20 else _chinese(r, digits, ten)))
        return digits[h] + hundred + tail
    return str(n)


def _roman(n: int) -> str:
    out = []
    for v, s in ROMAN:
        while n >= v:
            out.append(s)
            n -= v
    return "".join(out) or str(n)


def _letters(n: int) -> str:
    # Word repeats the letter: 27 → AA
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def format_number(n: int, fmt: str) -> str:
    """One counter in a level's format."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "koreanCounting", "ideographDigital"):
        return _chinese(n)
    if fmt == "chineseLegalSimplified":
        return _chinese(n, LEGAL, "拾")
    if fmt == "ideographTraditional":
        return TIANGAN[(n - 1) % 10] if n > 0 else str(n)
    if fmt == "ideographZodiac":
        return DIZHI[(n - 1) % 12] if n > 0 else str(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return CIRCLED[n - 1] if 0 < n <= len(CIRCLED) else str(n)
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "decimalZero":
        return "%02d" % n
    if fmt == "none":
        return ""
    return str(n)                # decimal, decimalHalfWidth, decimalFullWidth, and what is unknown


def _val(el, tag: str, default: str | None = None) -> str | None:
    x = el.find(W + tag) if el is not None else None
    return x.get(W + "val", default) if x is not None else default


def _int(s: str | None, default: int) -> int:
    try:
        return max(0, min(int(s), MAX_COUNT))
    except (TypeError, ValueError):
        return default


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None     # w:lvlRestart: restart after this (1-based) level; 0 = never
    legal: bool = False            # w:isLgl: every %n in decimal
    suffix: str = "tab"


@dataclass
class Numbering:
    levels: dict[str, dict[int, Level]] = field(default_factory=dict)    # abstractNumId → ilvl → Level
    nums: dict[str, tuple[str, dict[int, int]]] = field(default_factory=dict)  # numId → (abstract, start overrides)
    style_num: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)  # styleId → (numId, ilvl)
    style_base: dict[str, str] = field(default_factory=dict)
    style_outline: dict[str, int] = field(default_factory=dict)    # styleId → heading level (outlineLvl + 1)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, d) -> "Numbering":
        """The numbering of a python-docx Document (empty when it has no numbering part)."""
        nb = cls()
        # only a numbering part the file has: python-docx's numbering_part would make up a default one
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        try:
            root = d.part.part_related_by(RT.NUMBERING).element
        except (KeyError, AttributeError, ValueError, NotImplementedError):
            root = None
        if root is not None:
            for an in root.findall(W + "abstractNum"):
                lv = {}
                for el in an.findall(W + "lvl"):
                    i = _int(el.get(W + "ilvl"), -1)
                    if not 0 <= i < MAX_LEVELS:
                        continue
                    rs = _val(el, "lvlRestart")
                    lv[i] = Level(start=_int(_val(el, "start"), 1), fmt=_val(el, "numFmt", "decimal") or "decimal",
                                  text=_val(el, "lvlText", "") or "", restart=_int(rs, 0) if rs is not None else None,
                                  legal=el.find(W + "isLgl") is not None and _val(el, "isLgl", "1") not in ("0", "false"),
                                  suffix=_val(el, "suff", "tab") or "tab")
                nb.levels[an.get(W + "abstractNumId")] = lv
            for num in root.findall(W + "num"):
                over = {}
                for o in num.findall(W + "lvlOverride"):
                    so = _val(o, "startOverride")
                    if so is not None:
                        over[_int(o.get(W + "ilvl"), 0)] = _int(so, 1)
                nb.nums[num.get(W + "numId")] = (_val(num, "abstractNumId"), over)
        try:
            styles = d.styles.element
        except (AttributeError, KeyError, ValueError):
            styles = None
        if styles is not None:
            for st in styles.findall(W + "style"):
                sid = st.get(W + "styleId")
                based = _val(st, "basedOn")
                if based:
                    nb.style_base[sid] = based
                ol = _int(_val(st.find(W + "pPr"), "outlineLvl"), 9)
                if ol < 9:
                    nb.style_outline[sid] = ol + 1
                npr = st.find(f"{W}pPr/{W}numPr")
                if npr is not None:
                    il = _val(npr, "ilvl")
                    nb.style_num[sid] = (_val(npr, "numId"), _int(il, 0) if il is not None else None)
        return nb

    def outline_level(self, p) -> int | None:
        """The heading level a paragraph's style gives through its outline level (a firm's own
        "标题一" style, or one based on it), when the style's name does not say "heading"."""
        sid = _val(p.find(W + "pPr"), "pStyle")
        seen = set()
        while sid and sid not in seen:
            seen.add(sid)
            if sid in self.style_outline:
                return self.style_outline[sid]
            sid = self.style_base.get(sid)
        return None

    def _from_style(self, sid: str | None) -> tuple[str | None, int | None]:
        seen = set()
        while sid and sid not in seen:
            seen.add(sid)
            if sid in self.style_num:
                return self.style_num[sid]
            sid = self.style_base.get(sid)
        return None, None

    def label(self, p) -> str:
        """The label Word draws before paragraph ``p`` ("" when it is not numbered); advances the
        counters, so call it once per paragraph in body order (empty paragraphs included)."""
        if not self.nums:
            return ""
        ppr = p.find(W + "pPr")
        npr = ppr.find(W + "numPr") if ppr is not None else None
        num_id = _val(npr, "numId")
        il = _val(npr, "ilvl")
        ilvl = _int(il, 0) if il is not None else None
        if num_id is None:
            s_num, s_ilvl = self._from_style(_val(ppr, "pStyle"))
            num_id = s_num
            ilvl = ilvl if ilvl is not None else s_ilvl
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        ilvl = min(ilvl or 0, MAX_LEVELS - 1)
        abstract, over = self.nums[num_id]
        levels = self.levels.get(abstract) or {}
        lvl = levels.get(ilvl)
        if lvl is None:
            return ""
        c = self.counters.setdefault(num_id, {})
        c[ilvl] = c[ilvl] + 1 if ilvl in c else over.get(ilvl, lvl.start)
        for k in [k for k in c if k > ilvl]:
            deeper = levels.get(k)
            # a deeper level restarts when this one advances, unless it says otherwise
            if deeper is None or deeper.restart is None or (deeper.restart != 0 and deeper.restart > ilvl):
                del c[k]
        if lvl.fmt == "bullet":
            text = BULLET
        else:
            def one(m: re.Match) -> str:
                k = int(m.group(1)) - 1
                ref = levels.get(k)
                if ref is None:
                    return ""
                n = c.get(k, over.get(k, ref.start))
                return format_number(n, "decimal" if lvl.legal else ref.fmt)
            text = re.sub(r"%([1-9])", one, lvl.text)
        text = text.strip()
        if not text:
            return ""
        if lvl.suffix == "nothing" or text.endswith(CLOSING):
            return text
        return text + " "
