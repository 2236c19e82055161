"""CSV cells that a spreadsheet opens as text, never as a formula (CSV / formula injection).

Excel, WPS and LibreOffice evaluate a CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (and
after a leading tab or CR), so evidence quoted from a hostile report (``=HYPERLINK("http://…")``,
``=cmd|' /C calc'!A0``) would run when a reviewer opens the audit list. As OWASP recommends, such a
cell gets a leading single quote, which the spreadsheet shows as text. A number stays a number:
Python numbers are written as they are, and a text cell that is a plain number (``-12.5``,
``+3``, ``-1,234.50``, ``-5%``) is left alone, because a spreadsheet reads it as that number and
nothing else.
"""
from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?%?")
_HAS_DIGIT = re.compile(r"\d")


def is_plain_number(s: str) -> bool:
    """A number as a spreadsheet reads it (sign, digits with optional thousands commas, decimals,
    exponent, percent) and nothing more."""
    return bool(_PLAIN_NUMBER.fullmatch(s)) and bool(_HAS_DIGIT.search(s.split("e")[0].split("E")[0]))


def safe_cell(v):
    """The value to hand to ``csv.writer``: a text that would start a formula gets a leading ``'``."""
    if isinstance(v, str) and v.startswith(FORMULA_START) and not is_plain_number(v):
        return "'" + v
    return v


def safe_row(values) -> list:
    return [safe_cell(v) for v in values]
