"""Is a page's text layer what the page shows? A judge run on every PDF page before it is read.

Exported PDFs often embed subset fonts with no /ToUnicode map, or a wrong one: the page renders
right, but its text decodes to control characters ("\\x01\\x02\\x03"), Latin punctuation garbage
("!\"#$%&'()*+") or random, mostly rare, Chinese characters. Read as text, such a report looks like
no report at all (logged ``not_a_report``). A page that fails here is read by OCR like a scan, and
the document says which pages and why (``meta["ocr_reasons"]``).

Measures, each a share of the page's non-space characters (all cheap, no dictionary unless needed):
- control / private-use / replacement characters (no real text has them);
- ASCII punctuation and symbols where the page has almost no Chinese (garbage from a shifted map);
- Chinese characters outside the common set (GB2312's 6,763): a wrong map lands all over Unicode;
- dictionary-word coverage (jieba): real Chinese is mostly words of two or more characters,
  random common characters are not. Run only on pages with enough Chinese to judge.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

MIN_CHARS = 20              # fewer non-space characters: too little to judge (a cover, a date)
MAX_CONTROL = 0.10          # real text layers have none; a page with one broken font among several still fails
MAX_SYMBOLS = 0.35          # ASCII punctuation/symbols, on a page with under MIN_CJK_SHARE Chinese
MIN_CJK_SHARE = 0.20
MAX_RARE_CJK = 0.25         # of the Chinese characters, outside GB2312 (real reports: well under 5 %)
MIN_WORD_COVERAGE = 0.40    # of the Chinese characters, inside jieba words of ≥ 2 characters
MIN_CJK_FOR_WORDS = 40      # fewer Chinese characters: word coverage is too noisy to judge

MIN_COMMON_SHARE = 0.35    # of the Chinese characters, among the 500 commonest: real text needs no dictionary
                            # (seed, real, holdout and bench pages: ≥ 0.40, median 0.76; a wrong map onto
                            # common characters: 0.10–0.16)

REASON = "text layer unreadable"

# the 500 commonest characters of modern written Chinese, most frequent first: a statistical prior
# (any real text is dense in them), not words that are matched
COMMON_CHARS = frozenset(
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里"
    "用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实"
    "日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政"
    "美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员"
    "解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件"
    "计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象"
    "完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改"
    "收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调"
    "深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企"
    "八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@dataclass
class Verdict:
    readable: bool
    why: str                 # "" when readable; else which measure failed, with its value
    measures: dict


@functools.lru_cache(maxsize=32768)
def _is_common_cjk(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


SAMPLE_CJK = 400            # word coverage is judged on about this many Chinese characters of a page


def _sample_runs(runs: list[str], limit: int = SAMPLE_CJK) -> list[str]:
    """Runs of Chinese taken evenly over the page until about ``limit`` characters: the coverage of
    a few hundred characters tells a real text layer from a wrong map as well as the whole page
    does, at a fraction of the dictionary look-ups (this judge runs on every PDF page)."""
    total = sum(len(r) for r in runs)
    if total <= limit:
        return runs
    step = total / limit
    out, seen, next_at = [], 0, 0.0
    for r in runs:
        if seen + len(r) > next_at:
            out.append(r)
            next_at = seen + len(r) + step * len(r)
        seen += len(r)
    return out


def word_coverage(cjk_text: str) -> float:
    """Share of the Chinese characters that jieba puts in words of two or more characters (on an
    even sample of the page's runs)."""
    import jieba
    runs = _sample_runs(_CJK_RUN.findall(cjk_text))
    total = sum(len(r) for r in runs)
    if not total:
        return 0.0
    # HMM off: it invents "new words" out of any two characters, random text included
    in_words = sum(len(w) for r in runs for w in jieba.lcut(r, HMM=False) if len(w) >= 2)
    return in_words / total


# counted by regular expressions, not character by character in Python: this runs on every page
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")
_SYMBOL = re.compile(r"[!-/:-@\[-`{-~]")
_LATIN = re.compile("[\u00c0-\u024f]")


def judge(text: str) -> Verdict:
    """Whether a page's extracted text can be trusted as the page's words."""
    dense = _SPACE.sub("", text)
    n = len(dense)
    if n < MIN_CHARS:
        return Verdict(True, "", {"chars": n})
    control = len(_CONTROL.findall(dense)) / n
    cjk = _CJK.findall(dense)
    cjk_share = len(cjk) / n
    symbols = len(_SYMBOL.findall(dense)) / n
    m = {"chars": n, "control": round(control, 3), "cjk": round(cjk_share, 3), "symbols": round(symbols, 3)}
    if control > MAX_CONTROL:
        return Verdict(False, f"{control:.0%} control characters", m)
    if cjk_share < MIN_CJK_SHARE and symbols > MAX_SYMBOLS:
        return Verdict(False, f"{symbols:.0%} punctuation and symbols, {cjk_share:.0%} Chinese", m)
    latin = len(_LATIN.findall(dense)) / n
    if cjk_share < MIN_CJK_SHARE and latin > MAX_SYMBOLS:
        return Verdict(False, f"{latin:.0%} accented Latin letters, {cjk_share:.0%} Chinese", m)
    if cjk:
        distinct = set(cjk)
        rare_chars = {c for c in distinct if not _is_common_cjk(c)}
        rare = (sum(1 for c in cjk if c in rare_chars) / len(cjk)) if rare_chars else 0.0
        m["rare_cjk"] = round(rare, 3)
        if rare > MAX_RARE_CJK:
            return Verdict(False, f"{rare:.0%} of the Chinese characters outside the common set", m)
        common = sum(1 for c in cjk if c in COMMON_CHARS) / len(cjk)
        m["common_cjk"] = round(common, 3)
        if len(cjk) >= MIN_CJK_FOR_WORDS and common < MIN_COMMON_SHARE:
            # only a page not plainly dense in common characters costs dictionary look-ups
            cov = word_coverage(text)
            m["word_coverage"] = round(cov, 3)
            if cov < MIN_WORD_COVERAGE:
                return Verdict(False, f"only {cov:.0%} of the Chinese in dictionary words", m)
    return Verdict(True, "", m)
