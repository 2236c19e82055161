"""Numbers in the forms Chinese reports write them.

``parse_number("1,234.56")`` → 1234.56; full-width digits are already half-width after
normalization; Chinese numerals go through cn2an ("十六" → 16, "壹佰贰拾" → 120). ``parse_amount``
returns 万元 from 元/万元/亿元, also for amounts written in words ("玖拾万元", "叁仟肆佰元伍角",
read by jionlp's money parser). ``parse_percent`` returns percent (46.37, not 0.4637) and reads
"百分之七十" (cn2an). ``parse_rate`` also reads a rate written as a ratio ("0.95" → 95).
Qualifiers such as 超过/约/不足 are returned separately, never folded into the value. Empty and dash
cells are None.

Which code does what (measured on tests/test_numbers_forms.py): digits with a unit are read by the
regex here — exact, and jionlp misreads mixed forms ("1亿2千万元" → 2.2亿); amounts in words go to
jionlp (capital numerals, 角/分, 亿/万 nesting), plain numerals and percentages in words to cn2an.
"""
from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import lru_cache

import cn2an

from pipeline.vocab import AMOUNT_UNITS, CN_NUMERALS, NUM

CN_DIGITS = CN_NUMERALS
NUM_RE = re.compile(NUM)
CN_RE = re.compile(f"[{CN_NUMERALS}]+")
QUALIFIERS = ("超过", "不少于", "不低于", "不足", "不到", "低于", "高于", "大于", "小于", "约", "近", "达到", "达", "共计", "共", "合计", "累计")
EMPTY = {"", "-", "—", "--", "——", "/", "无", "N/A", "n/a", "－", "…"}
UNIT_TO_WAN = AMOUNT_UNITS
UNIT_RE = "|".join(sorted(AMOUNT_UNITS, key=len, reverse=True))
# capital numerals → everyday ones, so cn2an reads "壹佰贰拾" as it reads "一百二十"
CAPITAL = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟萬億○", "一二三四五六七八九十百千万亿〇")


def _cn_value(s: str) -> float | None:
    """'十六' → 16, '壹佰贰拾' → 120, '二点五' → 2.5 (cn2an), None when it is not a numeral."""
    try:
        return float(cn2an.cn2an(s.translate(CAPITAL), "smart"))
    except (ValueError, KeyError, IndexError):
        return None


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
            return float(m.group(0).replace(",", ""))
        except ValueError:
            return None
    cn = CN_RE.search(t)
    return _cn_value(cn.group(0)) if cn else None


def decimals(s: str) -> int:
    """Decimals a figure is stated with: '46.37%' → 2, '100%' → 0."""
    m = re.search(r"\.(\d+)", s or "")
    return len(m.group(1)) if m else 0


PERCENT_WORDS = re.compile(rf"百分之([{CN_NUMERALS}]+)")


def parse_percent(s: str | None) -> float | None:
    """'46.37%' → 46.37, '百分之七十' → 70; a bare number is returned as it stands."""
    if s is None:
        return None
    t = str(s).strip()
    if "%" in t or "％" in t:
        return parse_number(t.split("%")[0].split("％")[0].split("=")[-1])
    w = PERCENT_WORDS.search(t)
    if w:
        return _cn_value(w.group(1))
    return parse_number(t)


def parse_rate(s: str | None) -> tuple[float | None, int]:
    """A rate cell or figure → (percent, decimals as a percent). '95.5%' → (95.5, 1); '百分之八十' →
    (80, 0); a ratio with a decimal point and no % sign, ≤ 1, is a share: '0.955' → (95.5, 1),
    '1.00' → (100, 0). A bare '1' or '0' stays ambiguous: (None, 0) and (0, 0)."""
    if s is None:
        return None, 0
    t = str(s).strip()
    w = PERCENT_WORDS.search(t)
    if w and "%" not in t and "％" not in t:
        tail = w.group(1).split("点")
        return _cn_value(w.group(1)), len(tail[1]) if len(tail) > 1 else 0
    if "%" in t or "％" in t:
        m = NUM_RE.search(t)
        return parse_percent(t), decimals(m.group(0)) if m else 0
    m = NUM_RE.search(t.replace("，", ","))
    if not m:
        return None, 0
    raw = m.group(0)
    v = float(raw.replace(",", ""))
    if "." in raw and 0 <= v <= 1:
        return round(v * 100, 10), max(decimals(raw) - 2, 0)
    if v == 0:
        return 0.0, 0
    return (None, 0) if v == 1 else (v, decimals(raw))


@lru_cache(maxsize=1)
def _jionlp():
    import contextlib
    import io
    import warnings
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):   # it prints a banner
        warnings.simplefilter("ignore")
        import jionlp
    return jionlp


def _words_amount(t: str) -> float | None:
    """An amount in words → 万元: '玖拾万元' → 90, '叁仟肆佰元伍角' → 0.34005 (jionlp's money parser)."""
    try:
        r = _jionlp().parse_money(t)
    except Exception:      # jionlp raises ValueError (and worse) on what it cannot read
        return None
    if not isinstance(r, dict) or r.get("case") not in ("元", None) or r.get("num") in (None, ""):
        return None
    try:
        return float(r["num"]) * 1e-4
    except (TypeError, ValueError):
        return None


AMOUNT_RE = re.compile(rf"({NUM}|[{CN_NUMERALS}]+)\s*({UNIT_RE})?")
WORDS_AMOUNT_RE = re.compile(rf"[{CN_NUMERALS}]+(?:{UNIT_RE})(?:[{CN_NUMERALS}]+[角分])*")


def parse_amount(s: str | None, default_unit: str = "万元") -> float | None:
    """An amount in 万元 from '31.62万元', '80,000.00元', '1.5亿元', '五万元', '玖拾万元'."""
    if s is None:
        return None
    t = str(s).strip().replace(" ", "")
    m = AMOUNT_RE.search(t)
    if not m:
        return None
    if not m.group(1)[0].isdigit() and m.group(1)[0] not in "+-":
        w = WORDS_AMOUNT_RE.match(t, m.start())
        if w:
            v = _words_amount(w.group(0))
            if v is not None:
                return round(v, 6)
        # what jionlp does not take ("零点五万元"): the numeral before the unit, by cn2an
        lazy = re.match(rf"([{CN_NUMERALS}]+?)({UNIT_RE})", t[m.start():])
        if lazy:
            v = _cn_value(lazy.group(1))
            if v is not None:
                return round(v * UNIT_TO_WAN[lazy.group(2)], 6)
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
        v = _cn_value(m.group(1))
        return m.group(0) if v is None else str(int(v)) + m.group(2)
    return re.sub(rf"([{CN_NUMERALS}]+)(个|名|人|户|份|项|家|次|场|镇|街道|社区|村)", repl, text)


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
