"""Numbers in the forms Chinese reports write them.

``parse_number("1,234.56")`` → 1234.56; full-width digits are already half-width after
normalization; Chinese numerals go through cn2an ("十六" → 16). ``parse_amount`` returns 万元
from 元/万元/亿元. ``parse_percent`` returns percent (46.37, not 0.4637). Qualifiers such as
超过/约/不足 are returned separately, never folded into the value. Empty and dash cells are None.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, ROUND_DOWN, Decimal

import cn2an

NUM = r"[-+]?\d[\d,，]*(?:\.\d+)?"
CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
NUM_RE = re.compile(NUM)
QUALIFIERS = ("超过", "不少于", "不低于", "不足", "不到", "低于", "高于", "大于", "小于", "约", "近", "达到", "达", "共计", "共", "合计", "累计")
EMPTY = {"", "-", "—", "--", "——", "/", "无", "N/A", "n/a", "－", "…"}
UNIT_TO_WAN = {"元": 1e-4, "万元": 1.0, "亿元": 1e4, "万": 1.0, "亿": 1e4, "千元": 1e-1}


def parse_number(s: str | None) -> float | None:
    """A plain number from a cell or a match: '1,234.56' → 1234.56, '十六' → 16, '-' → None."""
    if s is None:
        return None
    t = str(s).strip().replace("，", ",").replace(" ", "")
    if t in EMPTY:
        return None
    m = NUM_RE.search(t)
    if m:
        try:
            return float(m.group(0).replace(",", "").replace("，", ""))
        except ValueError:
            return None
    cn = re.search(f"[{CN_DIGITS}]+", t)
    if cn:
        try:
            return float(cn2an.cn2an(cn.group(0), "smart"))
        except (ValueError, KeyError):
            return None
    return None


def decimals(s: str) -> int:
    """Decimals a figure is stated with: '46.37%' → 2, '100%' → 0."""
    m = re.search(r"\.(\d+)", s or "")
    return len(m.group(1)) if m else 0


def parse_percent(s: str | None) -> float | None:
    """'46.37%' → 46.37; '0.4637' stays 0.4637 only if it has no % sign and is ≤ 1 (ambiguous: None)."""
    if s is None:
        return None
    t = str(s).strip()
    if "%" in t or "％" in t:
        return parse_number(t.split("%")[0].split("％")[0].split("=")[-1])
    v = parse_number(t)
    return v


def parse_amount(s: str | None, default_unit: str = "万元") -> float | None:
    """An amount in 万元 from '31.62万元', '80,000.00元', '1.5亿元', '五万元'."""
    if s is None:
        return None
    t = str(s).strip()
    m = re.search(rf"({NUM}|[{CN_DIGITS}]+)\s*(亿元|万元|千元|元|亿|万)?", t)
    if not m:
        return None
    v = parse_number(m.group(1))
    if v is None:
        return None
    unit = m.group(2) or default_unit
    return round(v * UNIT_TO_WAN[unit], 6)


def qualifier(before: str) -> str | None:
    """The qualifier right before a number ('超过417人' → '超过')."""
    tail = before[-4:]
    for q in QUALIFIERS:
        if tail.endswith(q):
            return q
    return None


def cn_to_arabic(text: str) -> str:
    """'十六个镇' → '16个镇' (only numerals followed by a measure word, to keep names intact)."""
    def repl(m):
        try:
            return str(int(cn2an.cn2an(m.group(1), "smart"))) + m.group(2)
        except (ValueError, KeyError):
            return m.group(0)
    return re.sub(rf"([{CN_DIGITS}]+)(个|名|人|户|份|项|家|次|场|镇|街道|社区|村)", repl, text)


def round_half_up(x: float, nd: int) -> float:
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-nd), rounding=ROUND_HALF_UP))


def truncate(x: float, nd: int) -> float:
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-nd), rounding=ROUND_DOWN))


def agrees(stated: float, computed: float, nd: int, slack: float = 0.0) -> str | None:
    """'round' or 'truncate' when the stated figure equals the computed one at its own decimals
    (the contract's rounding rule), else None. ``slack`` widens the match (in units of the last digit)."""
    unit = 10 ** -nd
    if abs(round_half_up(computed, nd) - stated) <= unit * (slack + 1e-6):
        return "round"
    if abs(truncate(computed, nd) - stated) <= unit * (slack + 1e-6):
        return "truncate"
    return None
