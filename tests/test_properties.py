"""Property tests (hypothesis): numbers as reports write them parse back to their value, and the
normalizer's offset map is monotone, points back into the source, and normalizing is idempotent."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.normalize import _map_char, normalize, normalize_with_map
from pipeline.record.numbers import parse_amount, parse_number, parse_percent

FAST = settings(max_examples=150, deadline=None)

FULLWIDTH = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)}, ",": "，", ".": "．", "%": "％"})


@st.composite
def figures(draw, max_int: int = 10**9, max_dec: int = 4):
    """(value, decimals): a non-negative figure with a fixed number of decimals."""
    d = draw(st.integers(0, max_dec))
    units = draw(st.integers(0, max_int * 10**d))
    return Decimal(units).scaleb(-d), d


def fmt(v: Decimal, d: int, commas: bool) -> str:
    return f"{v:,.{d}f}" if commas else f"{v:.{d}f}"


def close(a: float | None, b: float, rel: float = 1e-12, abs_: float = 1e-9) -> bool:
    return a is not None and abs(a - b) <= max(abs_, rel * abs(b))


@FAST
@given(figures(), st.booleans(), st.booleans())
def test_parse_number_round_trips_formatted_numbers(fig, commas, negative):
    v, d = fig
    s = ("-" if negative else "") + fmt(v, d, commas)          # 1,234.56 / 1234.56 / -0.5
    want = float(s.replace(",", ""))
    assert parse_number(s) == want


@FAST
@given(figures(), st.booleans())
def test_full_width_numbers_parse_after_normalization(fig, commas):
    v, d = fig
    s = fmt(v, d, commas).translate(FULLWIDTH)                 # １，２３４．５６
    assert parse_number(normalize(s)) == float(fmt(v, d, False))


@FAST
@given(figures(max_dec=4), st.booleans(), st.sampled_from(["万元", "万"]))
def test_parse_amount_wan_is_kept(fig, commas, unit):
    v, d = fig
    assert close(parse_amount(fmt(v, d, commas) + unit), float(v))


@FAST
@given(figures(max_dec=2), st.booleans())
def test_parse_amount_yuan_becomes_wan(fig, commas):
    v, d = fig                                                  # 元 with fen: 80,000.00元 → 8.0
    assert close(parse_amount(fmt(v, d, commas) + "元"), float(v) / 1e4)


@FAST
@given(figures(max_int=10**5, max_dec=2), st.booleans(), st.sampled_from(["亿元", "亿"]))
def test_parse_amount_yi_becomes_wan(fig, commas, unit):
    v, d = fig
    assert close(parse_amount(fmt(v, d, commas) + unit), float(v) * 1e4)


@FAST
@given(figures(max_int=1000, max_dec=2))
def test_parse_amount_full_width_after_normalization(fig):
    v, d = fig
    s = (fmt(v, d, True) + "万元").translate(FULLWIDTH)
    assert close(parse_amount(normalize(s)), float(v))


@FAST
@given(figures(max_int=1000, max_dec=3), st.sampled_from(["%", "％"]))
def test_parse_percent_round_trips(fig, sign):
    v, d = fig
    assert parse_percent(fmt(v, d, False) + sign) == float(v)


# ---------------------------------------------------------------- normalize_with_map

ALPHABET = st.sampled_from(list(
    "绩效评价报告指标得分资金项目"          # CJK
    "0123456789" "０１２３４５６７８９"      # digits, both widths
    "abcXYZａｂＡＢ" "%％.．,，+＋"
    " \u3000\u00a0\u2002\u2009\t\n\r"          # spaces and line ends
    "\u200b\ufeff\u00ad\x00\x07"             # zero-width and control characters
    "（）。：；、《》“”"                     # CJK punctuation (kept)
    "\uf900\uf901\u2f00\u2f08\u2e9f"        # compatibility ideographs, Kangxi radicals
))
TEXTS = st.text(ALPHABET, max_size=80)


@FAST
@given(TEXTS)
def test_offset_map_is_monotone_and_in_range(raw):
    text, idx = normalize_with_map(raw)
    assert len(idx) == len(text)
    assert all(0 <= i < len(raw) for i in idx)
    assert all(a <= b for a, b in zip(idx, idx[1:]))


@FAST
@given(TEXTS)
def test_offset_map_points_back_to_the_source(raw):
    text, idx = normalize_with_map(raw)
    for ch, i in zip(text, idx):
        assert ch in _map_char(raw[i]), (ch, raw[i])


@FAST
@given(TEXTS)
def test_normalize_is_idempotent(raw):
    once = normalize(raw)
    assert normalize(once) == once


@FAST
@given(TEXTS)
def test_normalize_keeps_every_cjk_character(raw):
    cjk = lambda s: [c for c in s if "\u4e00" <= c <= "\u9fff"]
    # compatibility ideographs and radicals become unified ones, never vanish
    assert len(cjk(normalize(raw))) == len(cjk(raw)) + sum(1 for c in raw if c in "\uf900\uf901\u2f00\u2f08\u2e9f")
