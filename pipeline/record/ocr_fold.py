"""A same-length copy of a text with common OCR confusions undone, for matching only.

An OCR'd form writes 年初预箅数 for 年初预算数, 执彳亍数 for 执行数, 2O22 for 2022, l00 for 100. The
readers match labels and figures on ``fold(text)``; every span found there is a span of the original
text (the copy has the same length), and stored text is never changed. Letters become digits only
inside a figure: a run of digits and look-alike letters with at least one real digit, not part of a
word ("ISO9001" and "PM2.5" stay as they are). The confusion table is ``vocab.OCR_*``."""
from __future__ import annotations

import re

from pipeline import vocab

_LABELS = sorted(vocab.OCR_LABEL_CONFUSIONS.items(), key=lambda kv: -len(kv[0]))
_LABEL_RE = re.compile("|".join(re.escape(k) for k, _ in _LABELS))
_LOOK = re.escape(vocab.OCR_DIGIT_LETTERS_SAFE)
# a figure with look-alike letters: digits, points and look-alikes, at least one digit and one
# look-alike, not touching another Latin letter
_FIGURE = re.compile(rf"(?<![A-Za-z])(?=[\d.{_LOOK}]*\d)(?=[\d.{_LOOK}]*[{_LOOK}])[\d{_LOOK}][\d.{_LOOK}]*(?![A-Za-z])")
# a lone 一 standing as a cell between figures' separators is OCR's dash (an empty cell)
_DASH_CELL = re.compile(r"(?<=[ \t|])一(?=[ \t|]*(?:$|\n|[ \t|]))")
_TRIGGERS = re.compile(_LABEL_RE.pattern + rf"|\d[{_LOOK}]|[{_LOOK}]\d|[ \t|]一[ \t|]")


def _digits(m: re.Match) -> str:
    t = m.group(0)
    if not re.match(r"[\d]", t) and len(t) > 1 and t[1] in vocab.OCR_DIGIT_LETTERS_SAFE:
        return t                      # "Oo5": two letters first is a word, not a figure
    out = "".join(vocab.OCR_DIGIT_CONFUSIONS.get(c, c) for c in t)
    # "O64%": a leading zero before a digit is no figure — the letter is noise for lost cells
    return t if re.match(r"0\d", out) else out


def needs_fold(text: str) -> bool:
    """Whether the text holds anything the fold would change (cheap: most texts hold nothing)."""
    return _TRIGGERS.search(text) is not None


def fold(text: str) -> str:
    """The text with OCR confusions undone, same length: '全年执彳亍数 1O' → '全年执行 数 10'."""
    if not needs_fold(text):
        return text
    out = _LABEL_RE.sub(lambda m: vocab.OCR_LABEL_CONFUSIONS[m.group(0)], text)
    out = _FIGURE.sub(_digits, out)
    lines = []
    for line in out.split("\n"):
        # only in a row of figures: elsewhere 一 is a numeral or a word
        if re.search(r"\d\s{2,}|\d\s*[|\t]", line):
            line = _DASH_CELL.sub("—", line)
        lines.append(line)
    out = "\n".join(lines)
    assert len(out) == len(text)
    return out
