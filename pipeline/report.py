"""``python -m pipeline report``: one self-contained HTML page comparing counties.

Everything is inline (CSS, a little JS, SVG charts), so the file opens offline and can be mailed.
Data come from the comparison views (warehouse/views.py over migrations/002_views.sql), which count a
report stored in several formats once. The page is the jinja2 template templates/report.html.j2
(autoescaped: text from reports is never markup); this module computes what it shows.
"""
from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

from warehouse import views

TEMPLATES = Path(__file__).parent / "templates"

GRADE_COLOR = {"优": "#2e7d32", "良": "#1565c0", "中": "#ef6c00", "差": "#c62828"}
SEV_COLOR = {"error": "#c62828", "warning": "#ef6c00", "info": "#607d8b"}
SEV_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
MAX_FINDINGS = 2000        # rows in the findings table; the page stays light, the audit export has all
COST_METRIC = "cost_per_beneficiary_yuan"


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


def hbar(items: list[tuple[str, float, str, str]], unit: str, log: bool = False, cls: str = "chart") -> dict:
    """A horizontal bar chart's layout (for the ``hbar`` macro). items: (label, value, colour,
    tooltip); items without a value are left out. ``log``: widths on a log scale."""
    items = [it for it in items if it[1] is not None]
    width, label_w, row_h, pad = 900, 220, 22, 90
    chart = {"cls": cls, "width": width, "label_w": label_w, "row_h": row_h, "unit": unit, "bars": [],
             "height": row_h * len(items) + 10}
    if not items:
        return chart
    vals = [v for _, v, _, _ in items]
    lo = math.floor(math.log10(max(min(v for v in vals if v > 0) if any(v > 0 for v in vals) else 1, 1e-9))) - 1 if log else 0
    scale = (lambda v: math.log10(max(v, 1e-9)) - lo) if log else (lambda v: max(v, 0.0))
    top = max(scale(v) for v in vals) or 1.0
    chart["bars"] = [{"label": label, "value": float(v), "color": color, "tip": tip, "y": 5 + i * row_h,
                      "w": max(1.0, (width - label_w - pad) * scale(v) / top)}
                     for i, (label, v, color, tip) in enumerate(items)]
    return chart


def scatter(points: list[tuple[str, float, float, str]], xlab: str, ylab: str) -> dict:
    """Execution (y) against arrival (x), both 0–max(100, data) %, laid out for the ``scatter``
    macro. points: (label, x, y, colour); points missing either rate are left out."""
    pts = [p for p in points if p[1] is not None and p[2] is not None]
    W, H, m = 640, 420, 50
    chart = {"W": W, "H": H, "m": m, "xlab": xlab, "ylab": ylab, "points": []}
    if not pts:
        return chart
    top = max(100.0, *(p[1] for p in pts), *(p[2] for p in pts))
    sx = lambda v: m + (W - 2 * m) * v / top
    sy = lambda v: H - m - (H - 2 * m) * v / top
    chart.update(diagonal=(sx(0), sy(0), sx(top), sy(top)),
                 ticks=[{"t": t, "x": sx(t), "y": sy(t)} for t in range(0, int(top) + 1, 20)],
                 points=[{"label": label, "x": x, "y": y, "color": color, "cx": sx(x), "cy": sy(y)}
                         for label, x, y, color in pts])
    return chart


def page_data(con) -> dict:
    """Everything the page shows, read from an open warehouse connection (views must exist)."""
    cs = views.county_summaries(con)
    n_reports, n_groups = views.report_counts(con)
    out_docs = views.outlier_doc_ids(con, COST_METRIC)
    pf = views.problem_frequencies(con)
    fd = views.canonical_findings(con, MAX_FINDINGS + 1)
    cost_rows = sorted((r for r in cs if r[COST_METRIC] is not None), key=lambda r: -r[COST_METRIC])
    return {
        "summaries": cs, "n_reports": n_reports, "n_groups": n_groups, "severity_counts": views.severity_counts(con),
        "score_chart": hbar([(_short(r), r["total_score"], GRADE_COLOR.get(r["grade"] or "", "#90a4ae"),
                              f"{_place(r)}：{_num(r['total_score'])} 分 {r['grade'] or ''}") for r in cs], " 分",
                            cls="chart scores"),
        "rate_chart": scatter([(_short(r), _first(r["arrival_rate_pct"], r["arrival_rate_recomputed_pct"]),
                                _first(r["execution_rate_pct"], r["execution_vs_received_pct"]),
                                GRADE_COLOR.get(r["grade"] or "", "#546e7a")) for r in cs],
                              "资金到位率 %", "预算执行率 %"),
        "cost_chart": hbar([(_short(r), r[COST_METRIC], "#c62828" if r["lead_doc_id"] in out_docs else "#5c6bc0",
                             f"{_place(r)}：支出 {_num(r['spent_wan'], 4)} 万元 ÷ {_num(r['beneficiaries'])} 人")
                            for r in cost_rows], " 元", log=True, cls="chart cost"),
        "problems": pf,
        "problem_chart": hbar([(r["category"], float(r["n_reports"]), "#8d6e63", f"{r['category']}：{r['n_reports']} 份报告")
                               for r in pf], " 份", cls="chart problems"),
        "outliers": views.outlier_rows(con),
        "findings": fd[:MAX_FINDINGS], "findings_cut": len(fd) > MAX_FINDINGS,
    }


def _first(stated, recomputed):
    # the rate the report states; else the one recomputed from its amounts
    return stated if stated is not None else recomputed


def _environment():
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["num"] = _num
    env.filters["place"] = _place
    env.tests["numeric"] = _is_numeric
    return env


def render_html(data: dict, now: dt.datetime | None = None) -> str:
    """The page from ``page_data``'s rows (pure: no database)."""
    return _environment().get_template("report.html.j2").render(
        data, generated=f"{now or dt.datetime.now():%Y-%m-%d %H:%M}", sev_color=SEV_COLOR, sev_zh=SEV_ZH,
        max_findings=MAX_FINDINGS)


def build_html(con, now: dt.datetime | None = None) -> str:
    """The whole page from an open warehouse connection (views must exist)."""
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


def main(a) -> int:
    con = open_for_report(a.db)
    try:
        html = build_html(con)
    finally:
        con.close()
    try:
        Path(a.out).write_text(html, encoding="utf-8")
    except OSError as e:        # disk full, read-only, no permission: say which file (cli turns it into a message)
        e.filename = e.filename or a.out
        raise
    from .display import printable
    print(f"wrote {printable(str(a.out))} ({len(html) // 1024} KB) — open it in any browser, no network needed",
          file=sys.stderr)
    return 0
