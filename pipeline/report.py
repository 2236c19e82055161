"""``python -m pipeline report``: the HTML page comparing counties, and a report card per report.

The page is self-contained (CSS, JS and the chart library inline; crops as data: URIs), so it opens
offline and can be mailed. Charts are drawn by Apache ECharts (vendored in templates/vendor/, chosen
by measurement: see README § Comparing counties); every chart has its data as a table beside it for
screen readers and printing. Data come from the comparison views (warehouse/views.py), which count a
report stored in several formats once. Templates are jinja2 (templates/*.j2, autoescaped: text from
reports is never markup); chart options are JSON read by templates/report.js, which escapes every
text it puts into a tooltip. This module computes what the page shows.

Report cards: ``--cards inline`` puts them into the one page (anchors ``#card-<doc_id>``),
``--cards pages`` writes one page per report into ``<out>.cards/`` next to the index (the weight of
800 reports' indicator tables and crops stays off the index), ``auto`` picks by the report count.
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import math
import statistics
import sys
from pathlib import Path

from markupsafe import Markup

from warehouse import views

TEMPLATES = Path(__file__).parent / "templates"
ECHARTS = TEMPLATES / "vendor" / "echarts.min.js"
ECHARTS_VERSION = "6.1.0"
ECHARTS_SHA256 = "b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0"

GRADE_COLOR = {"优": "#2e7d32", "良": "#1565c0", "中": "#ef6c00", "差": "#c62828"}
# the grade bands of a total score (as pipeline/rules/score.py checks them), drawn behind the score bars
GRADE_BANDS = (("差", 0.0, 60.0), ("中", 60.0, 80.0), ("良", 80.0, 90.0), ("优", 90.0, 100.0))
SEV_COLOR = {"error": "#c62828", "warning": "#ef6c00", "info": "#607d8b"}
SEV_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
MAX_FINDINGS = 2000        # rows in the findings table; the page stays light, the audit export has all
COST_METRIC = "cost_per_beneficiary_yuan"
CARDS_INLINE_MAX = 40      # more reports than this: one page per report (``--cards auto``)
ROWS_VISIBLE = 30          # rows a long bar chart or heat map shows at once; a slider moves through the rest
HEAT_COUNTIES = 30         # the heat table of problems shows the counties with most problems
OFF_DIAGONAL = 15.0        # execution vs arrival: a point this far from the diagonal is named even in a crowd
FIELD_CROPS_MAX = 200      # --crops auto: header-value crops up to this many reports, finding crops always
CROP_COLOURS = 16          # palette of the crops embedded in the page (see compact_png)
PEERS_MIN = 3              # a cost compares with its programme's median when that many peers have one


# ---------------------------------------------------------------- formatting

def _num(x, nd: int = 2) -> str:
    """A figure as the page shows it: thousands separated, trailing zeros dropped, — for none."""
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:,.{nd}f}".rstrip("0").rstrip(".") if nd else f"{x:,.0f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def _is_numeric(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _place(r: dict) -> str:
    name = r.get("county") or r.get("city") or r.get("province") or "（地区不详）"
    extra = " ".join(str(v) for v in (r.get("fiscal_year"), r.get("programme")) if v)
    return f"{name} {extra}".strip()


def _short(r: dict) -> str:
    """Chart label: county and year (the programme is in the tooltip and the tables)."""
    name = r.get("county") or r.get("city") or r.get("province") or "（地区不详）"
    return f"{name[:10]} {r.get('fiscal_year') or ''}".strip()


def _first(stated, recomputed):
    # the rate the report states; else the one recomputed from its amounts
    return stated if stated is not None else recomputed


def _pct(part, whole) -> float | None:
    return round(part / whole * 100, 2) if part is not None and whole else None


# ---------------------------------------------------------------- charts (ECharts options + tables)

def _chart(cid: str, title: str, option: dict, head: list[str], rows: list[list], height: int,
           note: str = "") -> dict:
    """One chart: its ECharts option (JSON), its height in px, and its data as a table (the fallback)."""
    return {"id": cid, "title": title, "note": note, "option": option, "height": height,
            "head": head, "rows": rows, "empty": not rows}


def _zoom(n: int, axis: str = "y") -> list[dict]:
    # long category axes: show ROWS_VISIBLE rows and a slider, so labels keep their size and never overlap
    if n <= ROWS_VISIBLE:
        return []
    key = "yAxisIndex" if axis == "y" else "xAxisIndex"
    return [{"type": "slider", key: 0, "startValue": 0, "endValue": ROWS_VISIBLE - 1, "width" if axis == "y" else "height": 14,
             "right" if axis == "y" else "bottom": 4, "showDetail": False, "brushSelect": False},
            {"type": "inside", key: 0, "zoomOnMouseWheel": False, "moveOnMouseWheel": True}]


def _rows_height(n: int, row: int = 22, extra: int = 90) -> int:
    return min(n, ROWS_VISIBLE) * row + extra


def score_chart(cs: list[dict], href) -> dict:
    """Total score per county × year × programme, best first, coloured by grade, over the grade bands."""
    items = [r for r in cs if r["total_score"] is not None]
    lo = min([60.0] + [r["total_score"] for r in items])
    lo = max(0.0, math.floor(lo / 10) * 10 - 10)
    bands = [[{"xAxis": max(a, lo), "name": g, "itemStyle": {"color": GRADE_COLOR[g], "opacity": 0.08},
               "label": {"color": GRADE_COLOR[g]}}, {"xAxis": b}] for g, a, b in GRADE_BANDS if b > lo]
    data = [{"value": r["total_score"], "name": _short(r), "href": href(r["lead_doc_id"]),
             "itemStyle": {"color": GRADE_COLOR.get(r["grade"] or "", "#90a4ae")},
             "tip": [_place(r), f"综合得分 {_num(r['total_score'])} 分 · 等级 {r['grade'] or '—'}",
                     f"报告 {r['lead_doc_id']}"]} for r in items]
    option = {"grid": {"left": 150, "right": 60, "top": 30, "bottom": 30},
              "xAxis": {"type": "value", "min": lo, "max": 100, "name": "分"},
              "yAxis": {"type": "category", "inverse": True, "data": [d["name"] for d in data],
                        "axisLabel": {"width": 140, "overflow": "truncate", "interval": 0}},
              "dataZoom": _zoom(len(data)),
              "series": [{"type": "bar", "data": data, "barMaxWidth": 16,
                          "label": {"show": True, "position": "right", "formatter": "{c}"},
                          "markArea": {"silent": True, "label": {"position": "top"}, "data": bands}}]}
    rows = [[_place(r), r["total_score"], r["grade"], r["lead_doc_id"]] for r in items]
    return _chart("c-scores", "综合得分 / Total score by county", option, ["地区", "综合得分", "等级", "报告"], rows,
                  _rows_height(len(data)), "背景色带为等级区间：优 ≥ 90，良 80–90，中 60–80，差 < 60。"
                  + _grade_counts(items))


def _grade_counts(items: list[dict]) -> str:
    # the distribution at a glance, when the chart shows only the first rows of many
    n = {g: sum(1 for r in items if r["grade"] == g) for g, _, _ in reversed(GRADE_BANDS)}
    return "共 " + " · ".join(f"{g} {k}" for g, k in n.items()) + f"（{len(items)} 个）。"


def _rates(r: dict) -> tuple[float | None, float | None]:
    return (_first(r["arrival_rate_pct"], r["arrival_rate_recomputed_pct"]),
            _first(r["execution_rate_pct"], r["execution_vs_received_pct"]))


def _rate_points(cs: list[dict]) -> dict[tuple, list[dict]]:
    """Reports at the same (arrival, execution) share one marker: the 100 % / 100 % pile-up becomes
    one large marker saying how many reports are there, instead of a stack of overprinted labels.
    Same means equal to 0.1 point; with many positions (a large corpus), within the same whole
    percent, so the crowd near 100 % is a few counted markers rather than hundreds of dots."""
    pairs = [(r, *_rates(r)) for r in cs]
    pairs = [(r, x, y) for r, x, y in pairs if x is not None and y is not None]
    for digits in (1, 0):
        points: dict[tuple, list[dict]] = {}
        for r, x, y in pairs:
            points.setdefault((round(x, digits), round(y, digits)), []).append(r)
        if len(points) <= ROWS_VISIBLE * 2:
            break
    return points


def _rate_point(x: float, y: float, rs: list[dict], biggest: int, near_edge: bool, href, named: bool = True) -> dict:
    # one report: its name beside the marker (to the left near the right edge, so it stays inside),
    # when ``named``; several: a larger marker (area ~ count, at most 34 px) with the count inside it
    single = len(rs) == 1
    label = ({"position": "left" if near_edge else "right", "formatter": "{b}", "show": named} if single else
             {"position": "inside", "formatter": str(len(rs)), "color": "#fff", "fontWeight": "bold"})
    return {"value": [x, y], "name": _short(rs[0]) if single else f"{len(rs)} 份报告",
            "href": href(rs[0]["lead_doc_id"]) if single else None,
            "symbolSize": 9 if single else round(14 + 20 * math.sqrt((len(rs) - 1) / max(biggest - 1, 1)), 1),
            "itemStyle": {"color": GRADE_COLOR.get(rs[0]["grade"] or "", "#546e7a") if single else "#37474f",
                          "opacity": 0.8},
            "label": label,
            "tip": [f"资金到位率 {_num(x)}% · 预算执行率 {_num(y)}%"]
                   + [f"{_place(r)}：{_num(_rates(r)[0])}% / {_num(_rates(r)[1])}%（{r['lead_doc_id']}）" for r in rs[:12]]
                   + ([f"…共 {len(rs)} 份"] if len(rs) > 12 else [])}


def _label_room(x: float, y: float, left: bool, points: dict, span: float) -> bool:
    """Whether a name written beside (x, y) — to its left or right, about 12 % of the plot wide and
    one line high — stays clear of the other markers (ECharts keeps names apart from each other,
    not from markers)."""
    for (px, py) in points:
        dx = (x - px) if left else (px - x)
        if (px, py) != (x, y) and 0 <= dx <= span * 0.12 and abs(py - y) <= span * 0.03:
            return False
    return True


def rate_chart(cs: list[dict], href) -> dict:
    """Execution (y) against arrival (x). One marker per position, sized by the reports there; labels
    that would overlap are hidden (ECharts labelLayout) and turn left near the right edge."""
    points = _rate_points(cs)
    xs = [x for x, _ in points] + [y for _, y in points]
    lo = max(0.0, math.floor(min(xs + [100.0]) / 10) * 10 - 10) if xs else 0.0
    hi = math.ceil(max(xs + [100.0]) / 10) * 10
    pad = round((hi - lo) * 0.04, 1)
    biggest = max((len(rs) for rs in points.values()), default=1)
    # many points: only those off the diagonal (execution and arrival apart by more than
    # OFF_DIAGONAL points) carry their name; the dense cluster is read from the counts and tooltips
    crowded = len(points) > ROWS_VISIBLE * 2
    span = (hi + pad - lo) or 1.0
    data = []
    for (x, y), rs in sorted(points.items()):
        left = x > hi - (hi - lo) * 0.25
        named = (not crowded or abs(x - y) > OFF_DIAGONAL) and _label_room(x, y, left, points, span)
        data.append(_rate_point(x, y, rs, biggest, left, href, named))
    option = {"grid": {"left": 60, "right": 30, "top": 44, "bottom": 50},
              # a little room past the top value, so markers at 100 % are drawn whole inside the plot
              "xAxis": {"type": "value", "min": lo, "max": hi + pad, "name": "资金到位率 %", "nameLocation": "middle",
                        "nameGap": 28, "axisLabel": {"showMaxLabel": False}},
              "yAxis": {"type": "value", "min": lo, "max": hi + pad, "name": "预算执行率 %", "nameLocation": "middle",
                        "nameGap": 40, "axisLabel": {"showMaxLabel": False}},
              "dataZoom": [{"type": "inside", "xAxisIndex": 0, "filterMode": "none"},
                           {"type": "inside", "yAxisIndex": 0, "filterMode": "none"}],
              "toolbox": {"right": 10, "top": 0, "feature": {"dataZoom": {"title": {"zoom": "框选放大", "back": "还原"}},
                                                            "restore": {"title": "复原"}}},
              "series": [{"type": "scatter", "data": data, "label": {"show": True, "fontSize": 11},
                          "labelLayout": {"hideOverlap": True}, "emphasis": {"focus": "self"},
                          "markLine": {"silent": True, "symbol": "none", "lineStyle": {"type": "dashed", "color": "#bbb"},
                                       "label": {"formatter": "执行率 = 到位率", "position": "insideStartTop", "color": "#999"},
                                       "data": [[{"coord": [lo, lo]}, {"coord": [hi + pad, hi + pad]}]]}}]}
    rows = [[_place(r), *_rates(r), r["lead_doc_id"]] for _, rs in sorted(points.items()) for r in rs]
    return _chart("c-rates", "预算执行率与资金到位率 / Execution vs arrival", option,
                  ["地区", "资金到位率 %", "预算执行率 %", "报告"], rows, 460,
                  "同一位置的报告合为一个点，点越大报告越多，点内数字为报告数（悬停可见名单）；重叠的标签自动隐藏；"
                  "滚轮或右上角工具可放大。"
                  "对角线以上：执行率高于到位率。")


def _peer_medians(items: list[dict]) -> dict[str, tuple[float, str]]:
    # each report's peers: the other reports of its programme when PEERS_MIN of them have a cost,
    # else all other reports; the median of their cost per person
    by_prog: dict[str, list[dict]] = {}
    for r in items:
        by_prog.setdefault(r["programme"] or "", []).append(r)
    out = {}
    for r in items:
        same = [p[COST_METRIC] for p in by_prog[r["programme"] or ""] if p is not r]
        if r["programme"] and len(same) >= PEERS_MIN:
            out[id(r)] = (statistics.median(same), f"同项目 {len(same)} 份")
        else:
            others = [p[COST_METRIC] for p in items if p is not r]
            out[id(r)] = (statistics.median(others), f"全部 {len(others)} 份") if others else (None, "")
    return out


def cost_chart(cs: list[dict], out_docs: set[str], href) -> dict:
    """Cost per person served on a log axis, dearest first; a diamond marks each report's peers'
    median, red bars are the outliers the corpus rule flagged."""
    items = sorted((r for r in cs if r[COST_METRIC]), key=lambda r: -r[COST_METRIC])
    med = _peer_medians(items)
    bars, marks = [], []
    for r in items:
        m, peers = med[id(r)]
        tip = [_place(r), f"人均成本 {_num(r[COST_METRIC])} 元（支出 {_num(r['spent_wan'], 4)} 万元 ÷ {_num(r['beneficiaries'])} 人）",
               f"同类中位数 {_num(m)} 元（{peers}）", f"报告 {r['lead_doc_id']}"]
        bars.append({"value": r[COST_METRIC], "name": _short(r), "href": href(r["lead_doc_id"]), "tip": tip,
                     "itemStyle": {"color": "#c62828" if r["lead_doc_id"] in out_docs else "#5c6bc0"}})
        marks.append({"value": [m, _short(r)] if m else None, "tip": tip})
    option = {"grid": {"left": 150, "right": 40, "top": 30, "bottom": 45},
              "legend": {"data": ["人均成本", "同类中位数"], "top": 0},
              "xAxis": {"type": "log", "name": "元/人（对数刻度）", "logBase": 10, "nameLocation": "middle", "nameGap": 24},
              "yAxis": {"type": "category", "inverse": True, "data": [b["name"] for b in bars],
                        "axisLabel": {"width": 140, "overflow": "truncate", "interval": 0}},
              "dataZoom": _zoom(len(bars)),
              "series": [{"name": "人均成本", "type": "bar", "data": bars, "barMaxWidth": 16},
                         {"name": "同类中位数", "type": "scatter", "symbol": "diamond", "symbolSize": 11,
                          "itemStyle": {"color": "#ffb300", "borderColor": "#5d4037"}, "z": 5,
                          "data": [{"value": [m["value"][0], i], "tip": m["tip"]} for i, m in enumerate(marks) if m["value"]]}]}
    rows = [[_place(r), r["spent_wan"], r["beneficiaries"], r[COST_METRIC], med[id(r)][0],
             "是" if r["lead_doc_id"] in out_docs else "", r["lead_doc_id"]] for r in items]
    return _chart("c-cost", "人均成本 / Cost per person served", option,
                  ["地区", "支出(万元)", "受益人数", "人均成本(元)", "同类中位数(元)", "异常", "报告"], rows,
                  _rows_height(len(bars)), "支出 ÷ 受益人数（元/人），对数刻度；◆ 为同类报告的中位数（同一项目有 "
                  f"{PEERS_MIN} 份以上时比同项目，否则比全部）；红色为语料规则标出的异常值。")


def heat_chart(pbc: list[dict]) -> dict:
    """Problems per category × county (the counties with most problems), as a heat map whose
    fallback table is itself a heat table (cells shaded by count)."""
    totals: dict[str, int] = {}
    for r in pbc:
        totals[r["county"]] = totals.get(r["county"], 0) + r["n"]
    counties = sorted(totals, key=lambda c: (-totals[c], c))[:HEAT_COUNTIES]
    cats = sorted({r["category"] for r in pbc if r["county"] in counties})
    cell = {(r["county"], r["category"]): r for r in pbc}
    top = max([r["n"] for r in pbc] + [1])
    data = [{"value": [i, j, cell[(c, k)]["n"]], "tip": [c, f"{k}：{cell[(c, k)]['n']} 条（{cell[(c, k)]['n_reports']} 份报告）"]}
            for i, c in enumerate(counties) for j, k in enumerate(cats) if (c, k) in cell]
    option = {"grid": {"left": 190, "right": 20, "top": 10, "bottom": 110},
              "xAxis": {"type": "category", "data": counties, "axisLabel": {"rotate": 45, "interval": 0, "width": 80,
                                                                            "overflow": "truncate"}},
              "yAxis": {"type": "category", "data": cats, "axisLabel": {"width": 180, "overflow": "truncate", "interval": 0}},
              "visualMap": {"min": 0, "max": top, "calculable": False, "orient": "horizontal", "left": "center",
                            "text": [f"{top} 条", "0"],
                            "bottom": 0, "itemHeight": 120, "inRange": {"color": ["#fff8e1", "#ff8f00", "#b71c1c"]}},
              "series": [{"type": "heatmap", "data": data, "label": {"show": True, "fontSize": 11},
                          "itemStyle": {"borderColor": "#fff", "borderWidth": 1}}]}
    rows = [[c] + [cell[(c, k)]["n"] if (c, k) in cell else None for k in cats] for c in counties]
    chart = _chart("c-heat", "问题类别 × 县区 / Problems by category and county", option, ["县区"] + cats, rows,
                   max(260, 36 * len(cats) + 130), f"问题最多的 {HEAT_COUNTIES} 个县区；格中为问题条数。")
    chart["heat_max"] = top
    return chart


def dims_chart(dr: list[dict], href) -> dict:
    """Indicator dimension rates (决策/过程/产出/效益 …: points scored over points available) per report."""
    dims = sorted({r["dimension"] for r in dr}, key=lambda d: (_dim_rank(d), d))
    reports: dict[str, dict] = {}
    for r in dr:
        reports.setdefault(r["doc_id"], {"r": r, "rates": {}})["rates"][r["dimension"]] = r
    order = sorted(reports.values(), key=lambda e: (_short(e["r"]), e["r"]["doc_id"]))
    data = [{"value": [j, i, e["rates"][d]["rate"]], "href": href(e["r"]["doc_id"]),
             "tip": [_place(e["r"]), f"{d}：{_num(e['rates'][d]['score'])} / {_num(e['rates'][d]['weight'])} 分 = "
                                      f"{_num(e['rates'][d]['rate'])}%", f"报告 {e['r']['doc_id']}"]}
            for i, e in enumerate(order) for j, d in enumerate(dims) if d in e["rates"]]
    option = {"grid": {"left": 150, "right": 40, "top": 10, "bottom": 60},
              "xAxis": {"type": "category", "data": dims, "position": "top"},
              "yAxis": {"type": "category", "inverse": True, "data": [_short(e["r"]) for e in order],
                        "axisLabel": {"width": 140, "overflow": "truncate", "interval": 0}},
              "dataZoom": _zoom(len(order)),
              "visualMap": {"min": 50, "max": 100, "orient": "horizontal", "left": "center", "bottom": 0,
                            "itemHeight": 160, "text": ["100%", "≤50%"], "inRange": {"color": ["#c62828", "#fff59d", "#2e7d32"]}},
              "series": [{"type": "heatmap", "data": data, "label": {"show": True, "fontSize": 11},
                          "itemStyle": {"borderColor": "#fff", "borderWidth": 1}}]}
    rows = [[_place(e["r"])] + [e["rates"][d]["rate"] if d in e["rates"] else None for d in dims] + [e["r"]["doc_id"]]
            for e in order]
    return _chart("c-dims", "指标维度得分率 / Indicator dimension rates", option, ["地区"] + dims + ["报告"], rows,
                  _rows_height(len(order), 24, 110), "一级指标得分 ÷ 分值（%），按报告。")


def _dim_rank(d: str) -> int:
    from .vocab import INDICATOR_DIMENSION_ORDER
    return INDICATOR_DIMENSION_ORDER.index(d) if d in INDICATOR_DIMENSION_ORDER else len(INDICATOR_DIMENSION_ORDER)


def chart_json(charts: list[dict]) -> Markup:
    """The charts' options as JSON for a <script type="application/json"> block: ``<`` is escaped so
    no text from a report can close the script element."""
    payload = {c["id"]: c["option"] for c in charts if not c["empty"]}
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def echarts_source() -> Markup:
    """The vendored ECharts build, inlined into the page (no network at page load)."""
    return Markup(ECHARTS.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- report cards

# the header fields of a card, in reading order, with the label a reader knows them by
CARD_FIELDS = [("title", "标题"), ("province", "省"), ("city", "市"), ("county", "县区"), ("fiscal_year", "年度"),
               ("programme", "项目"), ("subject", "被评价单位"), ("evaluation_kind", "评价方式"),
               ("evaluator", "评价机构"), ("commissioner", "委托单位"), ("doc_number", "文号"),
               ("report_date", "报告日期"), ("total_score", "综合得分"), ("grade", "等级"),
               ("allocated_wan", "下达资金(万元)"), ("received_wan", "到位资金(万元)"), ("spent_wan", "实际支出(万元)"),
               ("carryover_wan", "结转结余(万元)"), ("execution_rate_pct", "预算执行率(%)"),
               ("arrival_rate_pct", "资金到位率(%)"), ("beneficiaries", "受益人数"),
               ("survey_respondents", "调查人数"), ("satisfaction_pct", "满意度(%)")]
BOX_COLUMNS = ("x0", "y0", "x1", "y1")
PLAIN_FIELDS = {"fiscal_year", "report_date"}     # shown as written, not as a figure (2024, not 2,024)
EVALUATION_KIND_ZH = {"self": "自评", "third_party": "第三方评价", "unknown": "不详"}


def _evidence_module():
    """pipeline/evidence.py (crops of the page around a value's box) when this checkout has it."""
    try:
        from . import evidence
    except ImportError:          # boxes and crops not built yet: cards show the evidence text only
        return None
    return evidence


def compact_png(png: bytes) -> bytes:
    """The crop with a 16-colour palette: a page of text and a red outline read the same, and the
    PNG is about four times smaller, which keeps a page of many cards light. The original when
    that is not smaller (or not a PNG Pillow reads)."""
    import io
    from PIL import Image
    try:
        img = Image.open(io.BytesIO(png))
        buf = io.BytesIO()
        # fast octree: ~4 ms a crop (median cut with optimize: ~20 ms) for the same size
        img.convert("RGB").quantize(colors=CROP_COLOURS, method=Image.Quantize.FASTOCTREE).save(buf, format="PNG")
    except (OSError, ValueError):
        return png
    return buf.getvalue() if buf.tell() < len(png) else png


def data_uri(png: bytes | None) -> str | None:
    return "data:image/png;base64," + base64.b64encode(compact_png(png)).decode("ascii") if png else None


class Crops:
    """Where a card's crops come from: pipeline/evidence.py on the open warehouse (tests give their
    own). Each method returns PNG bytes or None; a failure costs the crop, never the page."""

    def __init__(self, cache_dir=None, fields: bool = True, findings: bool = True):
        self.ev, self.cache_dir, self.fields, self.findings = _evidence_module(), cache_dir, fields, findings

    @classmethod
    def for_option(cls, which: str, n_reports: int, cache_dir=None) -> "Crops":
        """``--crops``: all (findings and header values), findings, none; auto: all up to
        FIELD_CROPS_MAX reports, else findings only (a header crop costs ~50 ms to draw: 800 reports'
        would take minutes; --crop-cache makes the next run quick)."""
        if which == "auto":
            which = "all" if n_reports <= FIELD_CROPS_MAX else "findings"
        return cls(cache_dir, fields=which == "all", findings=which in ("all", "findings"))

    def finding(self, con, row: dict) -> bytes | None:
        return self.ev.row_crop(row, self.cache_dir, db=con) if self.ev and self.findings else None

    def field(self, con, doc_id: str, field: str) -> bytes | None:
        return self.ev.field_crop(con, doc_id, field, self.cache_dir) if self.ev and self.fields else None


def _safely(fn, *args) -> str | None:
    try:
        return data_uri(fn(*args))
    except Exception as e:       # a moved or damaged PDF must not cost the whole page: the text stays
        print(f"note: no crop ({e})", file=sys.stderr)
        return None


def _header(r: dict, prov: list[dict], crop, pdf_crop=None) -> list[dict]:
    """The card's header values with their evidence: page, text, locator (DOCX), and the crop of the
    PDF page — the report's own box, or (``pdf_crop``) the same field's box in a PDF rendition of it
    when the card shows a DOCX/TXT primary."""
    by_field: dict[str, dict] = {}
    for p in prov:
        by_field.setdefault(p["field"], p)
    out = []
    for field, label in CARD_FIELDS:
        if r.get(field) is None:
            continue
        p = by_field.get(field) or {}
        value = r[field] if _is_numeric(r[field]) and field not in PLAIN_FIELDS else str(r[field])
        own = p and all(p.get(k) is not None for k in BOX_COLUMNS)
        shot = crop(field) if own else (pdf_crop(field) if pdf_crop else None)
        out.append({"field": field, "label": label, "page": p.get("page"), "text": p.get("text"),
                    "value": EVALUATION_KIND_ZH.get(value, value) if field == "evaluation_kind" else value,
                    "locator": p.get("locator"), "crop": shot, "crop_from_rendition": bool(shot) and not own})
    return out


def _indicator_rows(rows: list[dict]) -> list[dict]:
    return [dict(r, rate=_pct(r["score"], r["weight"]) if r["weight"] else None) for r in rows]


def _fund_rows(rows: list[dict], r: dict) -> dict:
    """The fund table with each row's rates, and the recomputation: the sources added up against the
    total row and against the amounts the report states in its text."""
    lines = [dict(f, exec_pct=_pct(f["spent_wan"], f["received_wan"]), arrival_pct=_pct(f["received_wan"], f["allocated_wan"]))
             for f in rows]
    parts = [f for f in lines if f["kind"] != "total"]
    total = next((f for f in lines if f["kind"] == "total"), None)
    checks = []
    for col, label in (("allocated_wan", "下达"), ("received_wan", "到位"), ("spent_wan", "支出")):
        vals = [f[col] for f in parts if f[col] is not None]
        summed = round(sum(vals), 4) if vals else None
        stated = total[col] if total and total[col] is not None else r.get(col)
        ok = None if summed is None or stated is None or len(parts) < 2 else abs(summed - stated) <= max(0.01, abs(stated) * 1e-3)
        checks.append({"label": label, "sum": summed, "stated": stated, "ok": ok})
    return {"lines": lines, "checks": checks,
            "exec_recomputed": _pct(r.get("spent_wan"), r.get("received_wan")),
            "arrival_recomputed": _pct(r.get("received_wan"), r.get("allocated_wan"))}


def _target_met(t: dict) -> bool | None:
    # what the figures say (the report's own status is shown beside it): actual against target
    a, v, d = t.get("actual_value"), t.get("target_value"), (t.get("direction") or "").strip()
    if a is None or v is None:
        return None
    if d in ("<=", "<", "≤"):
        return a <= v
    if d in ("=", "=="):
        return abs(a - v) <= 1e-9
    return a >= v


def _card(con, r: dict, details: dict, findings: list[dict], crops: Crops, pdf_doc: str | None = None) -> dict:
    doc = r["doc_id"]
    pdf_crop = (lambda f: _safely(crops.field, con, pdf_doc, f)) if pdf_doc else None
    return {"r": r, "doc_id": doc, "place": _place(r),
            "header": _header(r, details["provenance"].get(doc, []), lambda f: _safely(crops.field, con, doc, f), pdf_crop),
            "indicators": _indicator_rows(details["indicators"].get(doc, [])),
            "funds": _fund_rows(details["fund_sources"].get(doc, []), r),
            "targets": [dict(t, met=_target_met(t)) for t in details["targets"].get(doc, [])],
            "findings": [dict(f, crop=_safely(crops.finding, con, f)) for f in findings],
            "problems": details["problems"].get(doc, [])}


def _findings_by_doc(con, docs: set[str]) -> dict[str, list[dict]]:
    from . import audit
    out: dict[str, list[dict]] = {}
    for f in audit.load_findings(con):
        if f["doc_id"] in docs:
            out.setdefault(f["doc_id"], []).append(f)
    return out

# ---------------------------------------------------------------- the page

def card_file(doc_id: str) -> str:
    """A report card's file name: the doc_id (a content hash) when it is a safe name, else its hash."""
    safe = doc_id.replace("-", "").replace("_", "").isalnum() and doc_id.isascii() and len(doc_id) <= 64
    return f"{doc_id if safe else hashlib.sha1(doc_id.encode('utf-8')).hexdigest()[:16]}.html"


def cards_mode(mode: str, n_reports: int) -> str:
    return mode if mode != "auto" else ("inline" if n_reports <= CARDS_INLINE_MAX else "pages")


def _linker(mode: str, folder: str):
    if mode == "inline":
        return lambda doc: f"#card-{doc}" if doc else None
    if mode == "pages":
        return lambda doc: f"{folder}/{card_file(doc)}" if doc else None
    return lambda doc: None


def page_data(con, mode: str = "inline", folder: str = "report.cards", crops: Crops | None = None) -> dict:
    """Everything the page and the cards show, read from an open warehouse connection (views must
    exist); the cards' crops are drawn while it is open (``crops``; default pipeline/evidence.py)."""
    cs = views.county_summaries(con)
    n_reports, n_groups = views.report_counts(con)
    mode = cards_mode(mode, n_groups)
    href = _linker(mode, folder)
    out_docs = views.outlier_doc_ids(con, COST_METRIC)
    fd = views.canonical_findings(con, MAX_FINDINGS + 1)
    charts = [score_chart(cs, href), rate_chart(cs, href), cost_chart(cs, out_docs, href),
              heat_chart(views.problems_by_county(con)), dims_chart(views.dimension_rates(con), href)]
    data = {"summaries": cs, "n_reports": n_reports, "n_groups": n_groups, "severity_counts": views.severity_counts(con),
            "charts": charts, "problems": views.problem_frequencies(con), "outliers": views.outlier_rows(con),
            "findings": fd[:MAX_FINDINGS], "findings_cut": len(fd) > MAX_FINDINGS, "cards_mode": mode,
            "href": href, "cards": []}
    if mode != "none":
        data["cards"] = _cards(con, crops or Crops.for_option("auto", n_groups))
    return data


def _cards(con, crops: Crops) -> list[dict]:
    reports = views.card_reports(con)
    details = {t: views.card_details(con, t) for t in ("indicators", "fund_sources", "targets", "problems", "provenance")}
    findings = _findings_by_doc(con, {r["doc_id"] for r in reports})
    pdfs = views.pdf_renditions(con) if crops.fields else {}
    return [_card(con, r, details, findings.get(r["doc_id"], []), crops,
                  pdfs.get(r["doc_id"]) if (r.get("source_format") or "").lower() != "pdf" else None) for r in reports]


@functools.lru_cache(maxsize=1)
def _environment():
    # one environment: it caches the compiled templates (800 card pages compile them once)
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["num"] = _num
    env.filters["place"] = _place
    env.tests["numeric"] = _is_numeric
    return env


def _globals(now: dt.datetime | None) -> dict:
    return {"generated": f"{now or dt.datetime.now():%Y-%m-%d %H:%M}", "sev_color": SEV_COLOR, "sev_zh": SEV_ZH,
            "max_findings": MAX_FINDINGS, "grade_color": GRADE_COLOR}


def render_html(data: dict, now: dt.datetime | None = None) -> str:
    """The index page from ``page_data``'s rows (pure: no database). Inline cards are part of it."""
    return _environment().get_template("report.html.j2").render(
        data, chart_json=chart_json(data["charts"]), echarts=echarts_source(), **_globals(now))


def render_card(card: dict, index: str, now: dt.datetime | None = None) -> str:
    """One report card as a page of its own (``--cards pages``), linking back to the index."""
    return _environment().get_template("card.html.j2").render(card=card, index=index, **_globals(now))


def build_html(con, now: dt.datetime | None = None) -> str:
    """The whole page (cards inline, no crops) from an open warehouse connection."""
    return render_html(page_data(con), now)


def open_for_report(db: str | Path):
    """A read-only connection to a warehouse where the comparison views exist. ``report`` only
    reads: a warehouse from before the views (an older jixiao) is not upgraded here — ``ingest``
    does that — and anything that is not a jixiao warehouse is refused unchanged (store.connect)."""
    from warehouse.guard import NotAWarehouse
    from warehouse.store import connect
    con = connect(db, read_only=True)
    if views.has_comparison_views(con):
        return con
    con.close()
    raise NotAWarehouse(f"{db} was written by an older jixiao and has no comparison views yet; upgrade it by "
                        f"running ingest once (unchanged files are skipped): python -m pipeline ingest <folder> "
                        f"--db {db} / 数据库版本较旧，请先运行一次 ingest 升级")


def _clear_cards(folder: Path, keep: set[str]) -> None:
    # the cards of reports no longer stored go; other files a user put there stay
    folder.mkdir(exist_ok=True)
    for f in folder.glob("*.html"):
        if f.name not in keep and f.stem.isalnum():
            f.unlink()


def write_report(db: str | Path, out: str | Path, cards: str = "auto", crops: Crops | str | None = None,
                 now: dt.datetime | None = None, cache_dir=None) -> dict:
    """Write the index page (and the card pages when there are many reports). Returns what was
    written: {"index": bytes, "cards": number of card pages, "cards_bytes": their bytes, "mode": …}."""
    out = Path(out)
    folder = f"{out.stem}.cards"
    con = open_for_report(db)
    try:
        if not isinstance(crops, Crops):
            crops = Crops.for_option(crops or "auto", views.report_counts(con)[1], cache_dir)
        data = page_data(con, cards, folder, crops)
    finally:
        con.close()
    html = render_html(data, now)
    out.write_text(html, encoding="utf-8")
    written = {"index": len(html.encode("utf-8")), "cards": 0, "cards_bytes": 0, "mode": data["cards_mode"]}
    if data["cards_mode"] == "pages":
        _clear_cards(out.parent / folder, {card_file(c["doc_id"]) for c in data["cards"]})
        for card in data["cards"]:
            page = render_card(card, f"../{out.name}", now)
            (out.parent / folder / card_file(card["doc_id"])).write_text(page, encoding="utf-8")
            written["cards"] += 1
            written["cards_bytes"] += len(page.encode("utf-8"))
    return written


def main(a) -> int:
    try:
        got = write_report(a.db, a.out, getattr(a, "cards", "auto"), getattr(a, "crops", "auto"),
                           cache_dir=getattr(a, "crop_cache", None))
    except OSError as e:        # disk full, read-only, no permission: say which file (cli turns it into a message)
        e.filename = e.filename or a.out
        raise
    from .display import printable
    extra = (f"; {got['cards']} report cards in {printable(str(Path(a.out).parent / (Path(a.out).stem + '.cards')))}/ "
             f"({got['cards_bytes'] // 1024} KB)" if got["mode"] == "pages" else "")
    print(f"wrote {printable(str(a.out))} ({got['index'] // 1024} KB){extra} — open it in any browser, no network needed",
          file=sys.stderr)
    return 0
