"""A row of a 自评表 budget part, read by the form's own arithmetic.

A form row states, under columns whose roles come from the header (年初预算数, 全年预算数, 全年执行数,
分值, 执行率, 得分), a few figures. Pasted copies lose the cell borders: ``560 560 540 10 9`` (an
empty 执行率 cell vanished), ``250.4187.821075%7.5`` (every cell run together). ``solve`` enumerates
every reading — each digit string cut into valid numbers, each number given to a column in header
order — and keeps the one the arithmetic accepts: 执行率 = 执行数 ÷ 预算数, 得分 = 分值 × 执行率, a
分值 the header states ("分值(10分)"). When the best readings disagree on a column, that column is
left unknown: a wrong value is worse than none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import combinations
from typing import Iterator

from . import numbers

AMOUNT_ROLES = ("initial", "adjusted", "budget", "executed")
BUDGET_ROLES = ("adjusted", "budget", "initial")
VALID = re.compile(r"(?:0|[1-9]\d{0,11})(?:\.\d{1,6})?")
MAX_CANDIDATES = 40000
MAX_STEPS = 20000        # search nodes per row
MAX_SPLITS = 3000        # ways to cut one digit string
MAX_JOINED = 28          # longer digit strings are not a form row run together (bounds the search)


@dataclass
class Token:
    text: str               # digits (and one point) of the figure, or "" for an explicit empty cell
    pct: bool = False       # written with %
    unit: str | None = None  # 万元 / 元 when the cell says so
    joined: bool = False    # more than one figure may be run together here


@dataclass
class Hints:
    weight: float | None = None       # "分值(10分)", "(20分*执行率)"
    score_is_weight_x_rate: bool = False
    unit: str | None = None           # "项目资金（元）": the amounts are in 元


@dataclass
class Reading:
    values: dict = field(default_factory=dict)    # role → float (None where unknown)
    texts: dict = field(default_factory=dict)     # role → the figure as stated
    score: float = 0.0
    base: str | None = None                       # the budget role the stated rate is computed on


CELL_SEP = re.compile(r"[|\t]")
TOKEN = re.compile(r"[\d.,]+(?:万元|元)?[%％]?|[—－\-/]{1,2}")


def tokens(run: str) -> list[Token]:
    """The figures of a run of cells: '512.3 | 470.6 | 92%' → 3 tokens; '| |' between two figures
    is an explicit empty cell; '50%5' is two figures ('%' and a unit close a figure). Only a run
    with no separator at all ('60054090%18') may hold figures run together."""
    out = _tokens(run)
    if re.search(r"[\d%％元][\s|:：]+[—－\-/\d.]", run):
        for t in out:
            t.joined = False              # the cells kept their separators: one figure per cell
    return out


def _tokens(run: str) -> list[Token]:
    out: list[Token] = []
    pos, seps_since = 0, 0
    for m in TOKEN.finditer(run):
        between = run[pos:m.start()]
        seps_since += len(CELL_SEP.findall(between))
        pos = m.end()
        t = m.group(0)
        if out and seps_since >= 2:
            out.extend(Token("") for _ in range(seps_since - 1))
        seps_since = 0
        if re.fullmatch(r"[—－\-/]{1,2}", t):
            out.append(Token(""))
            continue
        for part in re.findall(r"[\d.,]+(?:万元|元)?[%％]?", t):
            pct = part.endswith(("%", "％"))
            unit = "万元" if "万元" in part else ("元" if part.rstrip("%％").endswith("元") else None)
            digits = re.sub(r"[^\d.]", "", part.replace(",", ""))
            if digits:
                # a figure with its unit is one amount: the unit closed it
                out.append(Token(digits, pct, unit, joined=3 < len(digits) <= MAX_JOINED and unit is None))
    return out


@lru_cache(maxsize=512)
def _split_list(s: str, max_pieces: int) -> tuple[tuple[str, ...], ...]:
    out = []
    for p in splits(s, max_pieces):
        out.append(tuple(p))
        if len(out) >= MAX_SPLITS:
            break
    return tuple(out)


def splits(s: str, max_pieces: int) -> Iterator[list[str]]:
    """Every way to cut a digit string into at most ``max_pieces`` valid numbers (no leading zero,
    at most one point each): '187.8210' → ['187.8210'], ['187.821', '0'], ['187.82', '10'], …"""
    n = len(s)

    def rec(i: int, k: int) -> Iterator[list[str]]:
        if i == n:
            yield []
            return
        if k == 0:
            return
        for j in range(i + 1, n + 1):
            p = s[i:j]
            if p.count(".") > 1:
                break
            if not VALID.fullmatch(p):
                continue
            for rest in rec(j, k - 1):
                yield [p] + rest

    yield from rec(0, max_pieces)


def _valid(role: str, v: float, text: str) -> bool:
    nd = numbers.decimals(text)
    if role == "weight":
        return 0 < v <= 100 and nd <= 2
    if role == "score":
        return 0 <= v <= 100 and nd <= 2
    if role == "rate":
        return 0 <= v <= 1000 and nd <= 3
    return v >= 0


def _assignments(toks: list[Token], roles: list[str], allow_bare_rate: bool) -> Iterator[list[tuple[int, str, bool]]]:
    """Every (column, figure, had %) sequence in header order that uses all tokens."""
    ncol = len(roles)
    steps = [0]

    def rec(ti: int, ci: int) -> Iterator[list]:
        steps[0] += 1
        if steps[0] > MAX_STEPS:
            return                          # a pathological run: give up rather than search on
        if ti == len(toks):
            yield []
            return
        t = toks[ti]
        left = len(toks) - ti - 1
        if not t.text:                      # an explicit empty cell takes one column
            for c in range(ci, ncol - left):
                for rest in rec(ti + 1, c + 1):
                    yield [(c, "", False)] + rest
            return
        max_pieces = ncol - ci - left if t.joined else 1
        for pieces in _split_list(t.text, max(1, max_pieces)):
            k = len(pieces)
            for cols in combinations(range(ci, ncol), k):
                ok = True
                for idx, (c, p) in enumerate(zip(cols, pieces)):
                    is_pct = t.pct and idx == k - 1
                    if roles[c] == "method" or (is_pct and roles[c] != "rate") or \
                            (t.unit and roles[c] not in AMOUNT_ROLES) or \
                            (roles[c] == "rate" and not is_pct and not allow_bare_rate):
                        ok = False
                        break
                    if not _valid(roles[c], float(p), p):
                        ok = False
                        break
                if not ok:
                    continue
                for rest in rec(ti + 1, cols[-1] + 1):
                    yield [(c, p, t.pct and idx == k - 1) for idx, (c, p) in enumerate(zip(cols, pieces))] + rest

    yield from rec(0, 0)


def _rate_agrees(rate: float, rate_text: str, num: float, den: float) -> bool:
    if den <= 0:
        return False
    if rate == 0:
        return num == 0                    # 0 % is no spending at all, not a tiny ratio
    if rate == 100 and num >= den:
        return True                        # some forms cap the rate at 100 %
    return numbers.agrees(rate, num / den * 100, numbers.decimals(rate_text), slack=0.0) is not None


def _score(vals: dict, texts: dict, roles: list[str], used: list[int], hints: Hints, n_pieces: int,
           n_tokens: int) -> tuple[float, str | None]:
    s, base = 0.0, None
    r, e, w, sc = vals.get("rate"), vals.get("executed"), vals.get("weight"), vals.get("score")
    if w is None and "weight" not in roles and sc is not None and hints.weight is not None:
        w = hints.weight                  # "得分(20分*执行率)": the weight is in the header
        texts = {**texts, "weight": str(hints.weight)}
    budgets = [(k, vals[k]) for k in BUDGET_ROLES if vals.get(k) is not None]
    if r is not None and e is not None and budgets:
        agree = [k for k, b in budgets if _rate_agrees(r, texts["rate"], e, b)]
        if agree:
            s += 3
            base = agree[0]
        elif any(b > 0 for _, b in budgets) or (e > 0 and r > 0):
            s -= 3                         # a stated rate the amounts do not give (or a rate made from 0)
    if w is not None and sc is not None:
        if sc > w + 1e-9 and "weight" in vals:
            return -99, None
        if sc > w + 1e-9:
            s -= 3                         # over the weight the header states
        elif r is not None and numbers.agrees(sc, w * r / 100, numbers.decimals(texts["score"])) is not None:
            s += 2
        elif hints.score_is_weight_x_rate and r is not None:
            s -= 1
    if hints.weight is not None and vals.get("weight") is not None:
        s += 2 if abs(w - hints.weight) < 1e-9 else -2
    if e is not None and budgets and max(b for _, b in budgets) > 0 and e > 3 * max(b for _, b in budgets):
        s -= 1
    if vals.get("initial") and vals.get("adjusted"):
        ratio = vals["initial"] / vals["adjusted"] if vals["adjusted"] else 99
        if not 0.2 <= ratio <= 5:
            s -= 1
    # readings that skip columns inside the row, or cut a figure more than needed, are less likely
    if used:
        inner = set(range(used[0], used[-1] + 1)) - set(used)
        s -= 0.5 * len([c for c in inner if roles[c] != "method"]) + 0.5 * used[0]
    s -= 0.2 * max(0, n_pieces - n_tokens)
    for role, t in texts.items():
        nd = numbers.decimals(t)
        if role in AMOUNT_ROLES and nd > 2:
            s -= 0.1 * (nd - 2) + (0.8 if t.endswith("0") else 0)
    return s, base


def _rate_forms(vals: dict, texts: dict, bare: bool) -> list[tuple[dict, dict]]:
    """The reading as it is, and — for a bare rate ≤ 1 (a spreadsheet's 0.9 for 90 %) — the same
    reading with the rate as a percentage; the arithmetic decides which one the form meant."""
    r = vals.get("rate")
    if not bare or r is None or not 0 < r <= 1 or "." not in texts["rate"]:
        return [(vals, texts)]
    pct = (Decimal(texts["rate"]) * 100).normalize()
    t = format(pct, "f")
    return [(vals, texts), ({**vals, "rate": float(pct)}, {**texts, "rate": t})]


def solve(toks: list[Token], roles: list[str], hints: Hints, amounts_allowed: bool = True,
          bare_rate: bool = True) -> Reading | None:
    """The reading of one row the arithmetic accepts best; columns the best readings disagree on
    are None. ``amounts_allowed=False`` for a garbled run whose money figures are lost."""
    if not toks or not roles:
        return None
    use_roles = [r if amounts_allowed or r not in AMOUNT_ROLES else "method" for r in roles]
    allow_bare = bare_rate and not any(t.pct for t in toks) and "rate" in roles
    best: list[Reading] = []
    best_score = -1e9
    seen = 0
    for asg in _assignments(toks, use_roles, allow_bare):
        seen += 1
        if seen > MAX_CANDIDATES:
            break
        vals, texts = {}, {}
        for c, p, _pct in asg:
            if p:
                vals[use_roles[c]] = float(p)
                texts[use_roles[c]] = p
        if not vals:
            continue
        used = [c for c, p, _ in asg if p]
        n_pieces = sum(1 for _, p, _ in asg if p)
        for vals, texts in _rate_forms(vals, texts, allow_bare):
            s, base = _score(vals, texts, use_roles, used, hints, n_pieces, sum(1 for t in toks if t.text))
            if s > best_score + 1e-9:
                best, best_score = [Reading(vals, texts, s, base)], s
            elif abs(s - best_score) <= 1e-9:
                best.append(Reading(vals, texts, s, base))
    if not best or best_score <= -50:
        return None
    out = Reading(score=best_score)
    for role in set().union(*(b.values for b in best)):
        vs = {b.values.get(role) for b in best}
        if len(vs) == 1:
            out.values[role] = best[0].values[role]
            out.texts[role] = best[0].texts[role]
    bases = {b.base for b in best}
    out.base = bases.pop() if len(bases) == 1 else None
    unit = next((t.unit for t in toks if t.unit), None) or hints.unit
    if unit == "元":
        for role in AMOUNT_ROLES:
            if out.values.get(role) is not None:
                out.values[role] = round(out.values[role] * 1e-4, 6)
    return out


def salvage(run: str, roles: list[str], hints: Hints) -> Reading | None:
    """A garbled run ('.41.08.286.5108.65', 'O64%106.4'): the money figures are lost, but a rate,
    weight and score at its end can still be read when 得分 = 分值 × 执行率 confirms them."""
    clean = re.sub(r"[^\d.%％|\s]", " ", run)
    best = None
    # a rate, a weight and a score take at most ~20 characters: only the run's end is tried
    for i in range(max(0, len(clean) - 18), len(clean)):
        if not clean[i].isdigit():
            continue
        toks = tokens(clean[i:])
        if not toks or len(toks) > 4:
            continue
        rd = solve(toks, roles, hints, amounts_allowed=False)
        if rd is None or not {"rate", "weight", "score"} <= set(rd.values):
            continue
        w, s, r = rd.values["weight"], rd.values["score"], rd.values["rate"]
        if numbers.agrees(s, w * r / 100, numbers.decimals(rd.texts["score"])) is None:
            continue
        best = rd
        break                       # the longest suffix that the arithmetic confirms
    return best
