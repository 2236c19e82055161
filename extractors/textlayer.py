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

import re
import unicodedata
from dataclasses import dataclass

MIN_CHARS = 20              # fewer non-space characters: too little to judge (a cover, a date)
MAX_CONTROL = 0.10          # real text layers have none; a page with one broken font among several still fails
MAX_SYMBOLS = 0.35          # ASCII punctuation/symbols, on a page with under MIN_CJK_SHARE Chinese
MIN_CJK_SHARE = 0.20
MAX_RARE_CJK = 0.25         # of the Chinese characters, outside GB2312 (real reports: well under 5 %)
MIN_WORD_COVERAGE = 0.40    # of the Chinese characters, inside jieba words of ≥ 2 characters
MIN_CJK_FOR_WORDS = 40      # fewer Chinese characters: word coverage is too noisy to judge

REASON = "text layer unreadable"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@dataclass
class Verdict:
    readable: bool
    why: str                 # "" when readable; else which measure failed, with its value
    measures: dict


def _is_control(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return (cat in ("Cc", "Co", "Cs", "Cn") and ch not in "\t\n\r") or ch == "\ufffd"


def _is_common_cjk(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def word_coverage(cjk_text: str) -> float:
    """Share of the Chinese characters that jieba puts in words of two or more characters."""
    import jieba
    runs = _CJK_RUN.findall(cjk_text)
    total = sum(len(r) for r in runs)
    if not total:
        return 0.0
    # HMM off: it invents "new words" out of any two characters, random text included
    in_words = sum(len(w) for r in runs for w in jieba.lcut(r, HMM=False) if len(w) >= 2)
    return in_words / total


def judge(text: str) -> Verdict:
    """Whether a page's extracted text can be trusted as the page's words."""
    chars = [c for c in text if not c.isspace()]
    n = len(chars)
    if n < MIN_CHARS:
        return Verdict(True, "", {"chars": n})
    control = sum(1 for c in chars if _is_control(c)) / n
    cjk = [c for c in chars if _CJK.match(c)]
    cjk_share = len(cjk) / n
    symbols = sum(1 for c in chars if c.isascii() and not c.isalnum()) / n
    m = {"chars": n, "control": round(control, 3), "cjk": round(cjk_share, 3), "symbols": round(symbols, 3)}
    if control > MAX_CONTROL:
        return Verdict(False, f"{control:.0%} control characters", m)
    if cjk_share < MIN_CJK_SHARE and symbols > MAX_SYMBOLS:
        return Verdict(False, f"{symbols:.0%} punctuation and symbols, {cjk_share:.0%} Chinese", m)
    latin = sum(1 for c in chars if "\u00c0" <= c <= "\u024f") / n
    if cjk_share < MIN_CJK_SHARE and latin > MAX_SYMBOLS:
        return Verdict(False, f"{latin:.0%} accented Latin letters, {cjk_share:.0%} Chinese", m)
    if cjk:
        rare = sum(1 for c in cjk if not _is_common_cjk(c)) / len(cjk)
        m["rare_cjk"] = round(rare, 3)
        if rare > MAX_RARE_CJK:
            return Verdict(False, f"{rare:.0%} of the Chinese characters outside the common set", m)
        if len(cjk) >= MIN_CJK_FOR_WORDS:
            cov = word_coverage(text)
            m["word_coverage"] = round(cov, 3)
            if cov < MIN_WORD_COVERAGE:
                return Verdict(False, f"only {cov:.0%} of the Chinese in dictionary words", m)
    return Verdict(True, "", m)
