"""The indicator score tables at every level, whatever their shape:

- indicators in rows: 一级指标 | 分值 | 得分 | 得分率, or a three-level system
  一级 | 二级 | 三级 | 分值 | 指标内容 | 评价标准 | 得分 (merged cells repeat down the rows);
- indicators in columns: 指标 | 决策 | 过程 | 产出 | 效益 | 合计 with rows 分值 / 得分 / 得分率;
- indicator-system tables with weights only ("政策相关性 (3分)") and no scores;
- the narrative when a table is missing or lost a cell: "（2）项目立项（分值5分，得分4分）",
  "标准得分 3 分，评价得分 2.5 分".

Level-1 rows are mapped to the four dimensions of 财预〔2020〕10号 whatever the report calls them
(投入, 项目管理, 工作活动设置/管理/产出/效果, 项目绩效…)."""
from __future__ import annotations

import re

from extractors.model import Block, Document

from . import find, numbers

# record keys this family reads and writes (checked against the family order in fields.py)
READS: tuple[str, ...] = ("total_score", "statements")
WRITES: tuple[str, ...] = ("indicators", "total_score", "statements", "provenance")
# the indicator table's total row fills total_score only where the narrative (meta) stated none
OVERRIDES: tuple[str, ...] = ("total_score",)

# order matters: "工作活动产出" is 产出 although it also says 工作活动
DIMENSION_WORDS = [
    ("产出", r"产出"),
    ("效益", r"效益|效果|绩效(?!目标)|满意|影响"),
    ("过程", r"过程|管理|实施|执行"),
    ("决策", r"决策|投入|设置"),
]
ROLE_PATTERNS = [
    ("rate", r"得分率|完成率"),
    ("l1", r"^一级(指标)?"),
    ("l2", r"^二级(指标)?"),
    ("l3", r"^三级(指标)?"),
    ("weight", r"分值|权重|满分|标准分|指标分"),
    ("score", r"得分|评分|实得分|自评分|评定分"),
    ("name", r"^(评价)?指标(名称)?$|^指标$|^项目$|^内容$"),
]
TOTAL_ROW = re.compile(r"^(合\s*计|总\s*计|总\s*分|合计得分|总得分|得分合计)$")
PAREN_WEIGHT = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分?\s*[）)]\s*$")


LEVEL1_NAME = re.compile(r"^(?:(?:项目|评价)?(决策|投入|过程|管理|实施|执行|产出|效益|效果|绩效|成效)"
                         r"|工作活动(设置|管理|实施|产出|效果|效益))(?:类)?(?:指标)?(?:情况)?$")


def dimension_of(name: str | None) -> str | None:
    """The level-1 family a level-1 name stands for: '工作活动设置' → 决策, '项目效益' → 效益."""
    if not name:
        return None
    n = re.sub(r"[“”\"'（）()\d\s.、分]", "", name)
    m = LEVEL1_NAME.match(n)
    if not m:
        return None
    word = m.group(1) or m.group(2)
    for dim, pat in DIMENSION_WORDS:
        if re.search(pat, word):
            return dim
    return None


def _clean_name(cell: str) -> tuple[str, float | None]:
    """'“工作活动”设置 (15)' → ('工作活动设置', 15.0); '政策相关性 (3分)' → ('政策相关性', 3.0)."""
    c = re.sub(r"\s+", "", cell or "")
    w = None
    m = PAREN_WEIGHT.search(c)
    if m:
        w = float(m.group(1))
        c = c[:m.start()]
    c = re.sub(r"^[\d.、（）()]+(?=[\u4e00-\u9fff])", "", c).strip("“”\"")
    c = c.replace("“", "").replace("”", "")
    return c, w


def _roles(header_rows: list[list[str]]) -> dict[int, str]:
    roles: dict[int, str] = {}
    ncols = max(len(r) for r in header_rows)
    for j in range(ncols):
        label = "".join(re.sub(r"\s+", "", r[j]) for r in header_rows if j < len(r))
        for role, pat in ROLE_PATTERNS:
            if re.search(pat, label):
                if role not in roles.values() or role in ("l1", "l2", "l3"):
                    roles[j] = role
                break
    return roles


def _num(cell: str) -> float | None:
    c = (cell or "").strip()
    if not c or not re.fullmatch(r"[-+]?\d[\d,]*(\.\d+)?\s*(分|%|％)?", c):
        return None
    return numbers.parse_number(c)


def _pct(cell: str) -> float | None:
    c = (cell or "").strip()
    if not re.fullmatch(r"\d[\d,]*(\.\d+)?\s*[%％]?", c):
        return None
    return numbers.parse_percent(c)


def _item(level, name, parent, weight, score, rate, page, evidence, source="table") -> dict:
    return {"level": level, "dimension": None, "name": name, "parent": parent, "weight": weight,
            "score": score, "rate_pct": rate, "page": page, "evidence": evidence, "source": source}


def _rows_header(g: list[list[str]]) -> tuple[int, dict[int, str]] | None:
    """(header rows, column roles) of a table with indicators in rows, or None: a weight or score
    column and a name column in the first one or two rows. A header-less continuation of a score
    table (page break) is not read here."""
    for nh in (1, 2):
        roles = _roles(g[:nh])
        if ("weight" in roles.values() or "score" in roles.values()) and \
                any(r in roles.values() for r in ("l1", "l2", "l3", "name")):
            return nh, roles
    return None


def _repeats_header(row: list[str]) -> bool:
    """A row that is itself a header (a weight or score label and a name or level label, and no
    figure): the header repeated on a continuation page, which the page join keeps when OCR read it
    differently from the first page's ("“级指标" for "二级指标")."""
    roles = set(_roles([row]).values())
    return bool(roles & {"weight", "score"}) and bool(roles & {"l1", "l2", "l3", "name"}) \
        and not any(_num(c) is not None for c in row)


def _level_columns(roles: dict[int, str]) -> list[int]:
    """The name columns, level 1 first (a table without level columns: its one name column)."""
    cols = sorted((j for j, r in roles.items() if r in ("l1", "l2", "l3")), key=lambda j: roles[j])
    return cols or [j for j, r in roles.items() if r == "name"][:1]


def _realigned(row: list[str], hwidth: int, col: dict[str, int]) -> list[str]:
    """A pasted row with spurious leading empty cells, moved back under the header."""
    last = max(k for k, c in enumerate(row) if c.strip())
    if last >= hwidth:
        k = last - hwidth + 1
        if all(not c.strip() for c in row[:k]):
            row = row[k:] + [""] * k
    wc = col.get("weight", col.get("score"))
    if wc is not None and wc + 1 < len(row) and not row[0].strip() and row[wc].strip() \
            and _num(row[wc]) is None and _num(row[wc + 1]) is not None:
        row = row[1:] + [""]          # shifted right by one empty cell
    return row


def _placed_names(names: list, row: list[str], col: dict[str, int], above: list, prev_deepest: int) -> list:
    """The row's names at their levels, in a multi-level table whose merged cells were blanked or
    lost in a paste: blank ancestors are the ones above."""
    filled = [k for k, (n, _) in enumerate(names) if n]
    if filled and filled[0] > 0 and dimension_of(names[filled[0]][0]):
        # a level-1 name that slipped right (a lost leading cell)
        names = names[filled[0]:] + [("", None)] * filled[0]
        filled = [k for k, (n, _) in enumerate(names) if n]
    has_figure = any(_num(row[col[r]]) is not None for r in ("weight", "score") if r in col and col[r] < len(row))
    if len(names) == 3 and filled == [0, 2] and not dimension_of(names[0][0]) and above[0][0] \
            and dimension_of(above[0][0]):
        # "实施保障 | | 制度健全性": a level-2 name pasted into the level-1 column
        return [above[0], names[0], names[2]]
    if filled == [0] and prev_deepest > 0 and has_figure and not dimension_of(names[0][0]) and names[0][1] is None:
        # a row whose merged cells were lost in a paste: its name belongs at the level of the rows around it
        return above[:prev_deepest] + [names[0]] + [("", None)] * (len(names) - prev_deepest - 1)
    if filled and filled[0] > 0:
        return above[:filled[0]] + names[filled[0]:]
    return names


def _row_figures(row: list[str], col: dict[str, int]) -> tuple[float | None, float | None, float | None]:
    def cell(role):
        return row[col[role]] if role in col and col[role] < len(row) else None
    return (_num(cell("weight")) if cell("weight") is not None else None,
            _num(cell("score")) if cell("score") is not None else None,
            _pct(cell("rate")) if cell("rate") is not None else None)


def _add_row_items(names: list, figures: tuple, multi: bool, page: int | None, evidence: str,
                   seen: dict, out: list) -> None:
    """The row's deepest name is the scored indicator; names above it are ancestors named in merged
    cells (known from their "(15)" weight, scored from their children)."""
    weight, score, rate = figures
    deepest = max(k for k, (n, _) in enumerate(names) if n)
    parent = None
    for k, (n, w) in enumerate(names):
        if not n:
            continue
        level = k + 1 if multi else 1
        key = (level, n, parent)
        if k < deepest:
            if key not in seen:
                it = _item(level, n, parent, w, None, None, page, evidence)
                it["_derived"] = True
                seen[key] = it
                out.append(it)
            parent = n
            continue
        if key in seen and not seen[key].get("_derived"):
            continue
        it = _item(level, n, parent, weight if weight is not None else w, score, rate, page, evidence)
        if key in seen:
            seen[key].update({k2: v for k2, v in it.items() if v is not None})
            seen[key].pop("_derived", None)
        else:
            seen[key] = it
            out.append(it)


def rows_table(b: Block) -> list[dict] | None:
    """A table with indicators in rows, or None when it is not one."""
    g = b.grid()
    header = _rows_header(g) if len(g) >= 2 else None
    if header is None:
        return None
    nh, roles = header
    level_cols = _level_columns(roles)
    if not level_cols:
        return None
    col = {r: j for j, r in roles.items() if r in ("weight", "score", "rate")}
    multi = len(level_cols) > 1
    out: list[dict] = []
    seen: dict[tuple, dict] = {}
    above: list[tuple[str, float | None]] = [("", None)] * len(level_cols)
    prev_deepest = 0
    hwidth = max(k for r in g[:nh] for k, c in enumerate(r) if c.strip()) + 1
    for row in g[nh:]:
        if not any(c.strip() for c in row):
            continue
        if _repeats_header(row):
            continue              # the header again, on the next page, not word for word (a scan)
        row = _realigned(row, hwidth, col)
        names = [_clean_name(row[j] if j < len(row) else "") for j in level_cols]
        if TOTAL_ROW.match(next((n for n, _ in names if n), "")):
            continue
        if multi:
            names = _placed_names(names, row, col, above, prev_deepest)
            if any(n for n, _ in names):
                above = [(n, None) for n, _ in names]
                prev_deepest = max(k for k, (n, _) in enumerate(names) if n)
        figures = _row_figures(row, col)
        if not multi and figures[0] is None and figures[1] is None:
            continue              # a note row inside a level-1 table ("绩效评价得分：…")
        if not any(n for n, _ in names):
            continue
        _add_row_items(names, figures, multi, b.page, " | ".join(c for c in row if c)[:300], seen, out)
    return out or None


def columns_table(b: Block) -> list[dict] | None:
    """Indicators in columns: a header row of dimensions, rows 分值 / 得分 / 得分率."""
    g = b.grid()
    if len(g) < 2:
        return None
    head = g[0]
    dims = [(j, _clean_name(c)[0]) for j, c in enumerate(head) if dimension_of(_clean_name(c)[0])]
    if len(dims) < 3:
        return None
    vals: dict[str, list[str]] = {}
    for row in g[1:]:
        label = re.sub(r"\s+", "", row[0])
        for role, pat in ROLE_PATTERNS:
            if role in ("rate", "weight", "score") and re.search(pat, label):
                vals.setdefault(role, row)
                break
    if "score" not in vals and "weight" not in vals:
        return None
    out = []
    for j, name in dims:
        get = lambda role, f: f(vals[role][j]) if role in vals and j < len(vals[role]) else None  # noqa: E731
        out.append(_item(1, name, None, get("weight", _num), get("score", _num), get("rate", _pct), b.page,
                         " | ".join(f"{r[0]} {r[j]}" for r in g if j < len(r))[:300]))
    return out


def _table_totals(doc: Document, b: Block, rec: dict) -> None:
    """The 合计 row/column of a score table states the total score too."""
    g = b.grid()
    roles = _roles(g[:1])
    sc = next((j for j, r in roles.items() if r == "score"), None)
    for row in g[1:]:
        if row and TOTAL_ROW.match(re.sub(r"\s+", "", row[0])) and sc is not None and sc < len(row):
            v = _num(row[sc])
            if v is not None:
                rec["statements"].append({"quantity": "total_score", "value": v, "text": row[sc], "page": b.page,
                                          "evidence": " | ".join(c for c in row if c), "start": b.start, "where": "table"})
    head = [re.sub(r"\s+", "", c) for c in g[0]]
    for j, h in enumerate(head):
        if TOTAL_ROW.match(h) or h in ("合计", "总分"):
            for row in g[1:]:
                if re.search(r"得分|评分", row[0]) and not re.search("率", row[0]):
                    v = _num(row[j])
                    if v is not None:
                        rec["statements"].append({"quantity": "total_score", "value": v, "text": row[j], "page": b.page,
                                                  "evidence": " | ".join(row), "start": b.start, "where": "table"})


NARRATIVE = re.compile(
    r"(?P<name>[\u4e00-\u9fff“”]{2,16}?)(?:指标)?\s*[（(]\s*(?:指标)?(?:分值|满分|标准分|权重)\s*(?P<w>\d+(?:\.\d+)?)\s*分?\s*[，,、；;]\s*"
    r"(?:实际|评价|自评)?得分\s*(?P<s>\d+(?:\.\d+)?)\s*分?\s*[）)]")
COLON_SCORE = re.compile(
    r"^(?P<name>[\u4e00-\u9fff“”]{2,16}?)(?:指标)?\s*[：:]\s*(?:指标)?(?:分值|满分|标准分|权重)\s*(?P<w>\d+(?:\.\d+)?)\s*分?\s*[，,、；;]\s*"
    r"(?:实际|评价|自评)?得分\s*(?P<s>\d+(?:\.\d+)?)\s*分")
DIM_RATE = re.compile(r"(?P<name>[\u4e00-\u9fff“”]{2,8}?)(?:指标)?(?:得分|评分)\s*(?P<s>\d+(?:\.\d+)?)\s*分\s*[，,]\s*"
                      r"(?:得分率|完成率)\s*(?:为)?\s*(?P<r>\d+(?:\.\d+)?)\s*[%％]")
STD_SCORE = re.compile(r"(?:标准|指标)?(?:分值|标准得分|满分)\s*(?P<w>\d+(?:\.\d+)?)\s*分\s*[，,；;]\s*(?:评价|实际|自评)?得分\s*(?P<s>\d+(?:\.\d+)?)\s*分")


# level-1 scores in prose. Names: the dimension words of 财预〔2020〕10号 and their usual variants.
L1_WORD = r"(?:决策|过程|产出|效益|效果|投入|项目管理|满意度)"
_S = r"\d{1,3}(?:\.\d{1,2})?"
# "决策指标得分17分（满分20分）", "过程18.5分", "产出指标得分为28分"
L1_PAIR = re.compile(rf"(?P<name>{L1_WORD})(?:指标|方面)?(?:得分|评分)?(?:为|是)?\s*(?P<s>{_S})\s*分"
                     rf"(?:\s*[（(]\s*(?:满分|分值|权重|标准分)(?:为)?\s*(?P<w>{_S})\s*分\s*[)）])?")
# "…四项一级指标分别得分17分、16分、28分、23.5分": the scores as a list, the names said before them
L1_SCORE_LIST = re.compile(rf"(?:分别)?(?:得分|评分)(?:分别)?(?:为|是)?\s*(?P<v>{_S}\s*分?(?:\s*[、，,和及]\s*{_S}\s*分?){{1,6}})")
L1_NAME_LIST = re.compile(rf"(?P<v>{L1_WORD}(?:指标)?(?:\s*[、，,和及与]\s*{L1_WORD}(?:指标)?){{1,6}})")
L1_WEIGHT_LIST = re.compile(rf"(?:权重|分值|满分)(?:分别)?(?:为|是)?\s*(?P<v>{_S}\s*分?(?:\s*[、，,和及]\s*{_S}\s*分?){{1,6}})")


def _figures(s: str) -> list[float]:
    return [float(x) for x in re.findall(_S, s)]


def level1_prose(text: str) -> list[tuple[str, float | None, float, int]]:
    """(name, weight, score, position) of level-1 scores a paragraph states in words, only when it
    states three or more of them (one alone may be any indicator's): "其中决策18.5分、过程17.7分、
    产出28分、效益24分"; "决策、过程、产出、效益四项一级指标分别得分17分、16分、28分、23.5分"."""
    out: list[tuple[str, float | None, float, int]] = []
    for m in L1_SCORE_LIST.finditer(text):
        scores = _figures(m.group("v"))
        before = text[max(0, m.start() - 300):m.start()]
        names = list(L1_NAME_LIST.finditer(before))
        if not names:
            continue
        ns = re.findall(L1_WORD, names[-1].group("v"))
        if len(ns) != len(scores) or len(ns) < 3 or len(set(ns)) != len(ns):
            continue
        ws = L1_WEIGHT_LIST.search(text, max(0, m.start() - 300), min(len(text), m.end() + 200))
        weights = _figures(ws.group("v")) if ws else []
        if len(weights) != len(ns):
            if len(ns) < 4:
                continue                  # three named, no weights: a fourth may be stated apart
            weights = [None] * len(ns)
        return [(n, w, sc, m.start()) for n, w, sc in zip(ns, weights, scores)]
    pairs = [p for p in L1_PAIR.finditer(text)]
    if len({p.group("name") for p in pairs}) >= 3 and len({p.group("name") for p in pairs}) == len(pairs):
        ws = L1_WEIGHT_LIST.search(text)
        weights = _figures(ws.group("v")) if ws else []
        for i, p in enumerate(pairs):
            w = float(p.group("w")) if p.group("w") else (weights[i] if len(weights) == len(pairs) else None)
            out.append((p.group("name"), w, float(p.group("s")), p.start()))
        if len(out) < 4 and any(w is None for _, w, _, _ in out):
            return []                     # (as above: without weights only a whole set of four)
    return out


def narrative(doc: Document) -> list[dict]:
    """Scores stated in running text, with the level from the heading they sit in."""
    out = []
    current_l1 = None
    last_heading = None
    for b in doc.blocks:
        if b.kind == "table":
            continue
        t = b.text
        m = NARRATIVE.search(t)
        if not m:
            m = COLON_SCORE.match(re.sub(r"^[（(]?[\d一二三四五六七八九十]+[）)、.．]?\s*", "", t))
        if m and (b.kind == "heading" or m.start() < 8):
            name = _clean_name(m.group("name"))[0].strip("“”")
            w, s = float(m.group("w")), float(m.group("s"))
            dim = dimension_of(name)
            if dim and len(name) <= 6:
                current_l1 = name
                out.append(_item(1, name, None, w, s, None, b.page, t[:200], "narrative"))
            else:
                out.append(_item(2, name, current_l1, w, s, None, b.page, t[:200], "narrative"))
            continue
        prose = level1_prose(t) if b.kind != "heading" else []
        for name, w, sc, pos in prose:
            it = _item(1, name, None, w, sc, None, b.page, find.sentence(t, pos), "narrative")
            it["_listed"] = True          # one of ≥3 level-1 scores stated together
            out.append(it)
        for dm in DIM_RATE.finditer(t):
            name = re.sub(r"^(其中|分别为|其中，)", "", dm.group("name"))
            if dimension_of(name):
                out.append(_item(1, name, None, None, float(dm.group("s")), float(dm.group("r")), b.page,
                                 find.sentence(t, dm.start()), "narrative"))
        if b.kind == "heading":
            last_heading = _clean_name(re.sub(r"^[（(]?[\d一二三四五六七八九十]+[）)、.．]?", "", t))[0]
            continue
        m = STD_SCORE.search(t)
        if m and last_heading and len(last_heading) <= 16:
            out.append(_item(3, last_heading, None, float(m.group("w")), float(m.group("s")), None, b.page,
                             find.sentence(t, m.start()), "narrative"))
            last_heading = None
    return out


def _same_indicator(it: dict, items: list[dict]) -> dict | None:
    """The table row a narrative statement is about (names differ slightly between the two)."""
    from rapidfuzz import fuzz
    best, best_score = None, 0.0
    for x in items:
        if (x["level"] == 1) != (it["level"] == 1):
            continue
        if it["level"] == 1:
            if dimension_of(x["name"]) and dimension_of(x["name"]) == dimension_of(it["name"]):
                return x
            continue
        sc = fuzz.ratio(x["name"], it["name"])
        if x["name"] in it["name"] or it["name"] in x["name"]:
            sc = max(sc, 90)
        if sc > best_score:
            best, best_score = x, sc
    return best if best_score >= 80 else None


def _merge(items: list[dict]) -> list[dict]:
    """One row per (level, name): later tables fill what earlier ones lacked (a weights-only
    system table followed by the scored one)."""
    out: list[dict] = []
    index: dict[tuple, dict] = {}
    for it in items:
        key = (it["level"], it["name"])
        if key in index:
            cur = index[key]
            for k in ("weight", "score", "rate_pct", "parent"):
                if cur.get(k) is None and it.get(k) is not None:
                    cur[k] = it[k]
            if cur.get("_derived") and not it.get("_derived"):
                cur.pop("_derived", None)
                cur["evidence"], cur["page"] = it["evidence"], it["page"]
            continue
        index[key] = it
        out.append(it)
    return out


def tables_to_items(doc: Document, rec: dict) -> tuple[list[dict], list[dict]]:
    """(level-1 table rows, multi-level table rows) of every score table; each table's stated
    totals go to the record's statements on the way."""
    level1_tables: list[dict] = []
    multi: list[dict] = []
    for b in doc.tables():
        found = columns_table(b) or rows_table(b)
        if not found:
            continue
        _table_totals(doc, b, rec)
        if all(it["level"] == 1 for it in found):
            if sum(1 for it in found if dimension_of(it["name"])) >= 2:
                level1_tables.extend(found)
        else:
            multi.extend(found)
    return level1_tables, multi


def _renamed_level1(level1_tables: list[dict], multi: list[dict]) -> list[dict]:
    """The level-1 rows of a multi-level table are the level-1 table's rows under another name:
    they go, their children take the level-1 table's names, and missing weights are shared."""
    rename = {}
    for it in multi:
        if it["level"] == 1:
            twin = next((x for x in level1_tables if dimension_of(x["name"]) and
                         dimension_of(x["name"]) == dimension_of(it["name"])), None)
            if twin is not None:
                rename[it["name"]] = twin["name"]
                if twin["weight"] is None:
                    twin["weight"] = it["weight"]
    multi = [it for it in multi if not (it["level"] == 1 and it["name"] in rename)]
    for it in multi:
        if it["parent"] in rename:
            it["parent"] = rename[it["parent"]]
    return multi


def _with_narrative(doc: Document, items: list[dict], has_system: bool) -> list[dict]:
    """The narrative fills indicators no table gave (and cells a table lost)."""
    have_dims = {dimension_of(it["name"]) for it in items if it["level"] == 1}
    for it in narrative(doc):
        twin = _same_indicator(it, items)
        if twin is not None:
            for k in ("weight", "score", "rate_pct"):
                if twin[k] is None:
                    twin[k] = it[k]
            continue
        listed = it.pop("_listed", False)
        if it["level"] == 1 and (dimension_of(it["name"]) in have_dims or (it["weight"] is None and not listed)):
            continue
        if it["level"] > 1 and has_system:
            continue              # the table is the system; the narrative only fills its gaps
        items.append(it)
    return items


def _score_derived(items: list[dict]) -> None:
    """Ancestors named only in merged cells are scored (and weighted) from their children, deepest first."""
    for lvl in (2, 1):
        for it in items:
            if it["level"] != lvl or not it.get("_derived"):
                continue
            it.pop("_derived", None)
            kids = [k for k in items if k["parent"] == it["name"] and k["level"] == lvl + 1]
            if it["score"] is None and kids and all(k["score"] is not None for k in kids):
                it["score"] = round(sum(k["score"] for k in kids), 4)
                it["source"] = "derived"
            if it["weight"] is None and kids and all(k["weight"] is not None for k in kids):
                it["weight"] = round(sum(k["weight"] for k in kids), 4)
    for it in items:
        it.pop("_derived", None)


def _set_dimensions(items: list[dict]) -> None:
    """Level-1 rows carry their dimension; deeper rows inherit it from their ancestors."""
    by_name = {}
    for it in items:
        if it["level"] == 1:
            it["dimension"] = dimension_of(it["name"])
        by_name.setdefault(it["name"], it)
    for it in items:
        p, seen = it.get("parent"), 0
        while it["dimension"] is None and p and seen < 4:
            anc = by_name.get(p)
            if anc is None:
                break
            it["dimension"] = anc.get("dimension")
            p, seen = anc.get("parent"), seen + 1


def extract(doc: Document, rec: dict) -> None:
    level1_tables, multi = tables_to_items(doc, rec)
    multi = _renamed_level1(level1_tables, multi)
    items = _with_narrative(doc, _merge(level1_tables + multi), bool(multi))
    _score_derived(items)
    _set_dimensions(items)
    rec["indicators"] = items
    l1 = [it for it in items if it["level"] == 1]
    if rec.get("total_score") is None:
        t = [s for s in rec["statements"] if s["quantity"] == "total_score"]
        if t:
            rec["total_score"] = t[0]["value"]
            rec["provenance"]["total_score"] = {"page": t[0]["page"], "text": t[0]["evidence"]}
    if l1:
        rec["provenance"]["indicators"] = {"page": l1[0]["page"], "text": l1[0]["evidence"]}
