"""``python -m pipeline report``: one self-contained HTML page comparing counties.

Everything is inline (CSS, a little JS, SVG charts), so the file opens offline and can be mailed.
Data come from the comparison views (warehouse/migrations/002_views.sql), which count a report
stored in several formats once.
"""
from __future__ import annotations

import datetime as dt
import math
import sys
from html import escape
from pathlib import Path

GRADE_COLOR = {"优": "#2e7d32", "良": "#1565c0", "中": "#ef6c00", "差": "#c62828"}
SEV_COLOR = {"error": "#c62828", "warning": "#ef6c00", "info": "#607d8b"}
SEV_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
MAX_FINDINGS = 2000        # rows in the findings table; the page stays light, the audit export has all

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px auto;max-width:1100px;
color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:32px}
.note{color:#666;font-size:13px}.kpi{display:inline-block;margin:0 24px 8px 0}.kpi b{font-size:22px;display:block}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 6px;
vertical-align:top;text-align:left}th{background:#f4f4f4;cursor:pointer}td.num{text-align:right;white-space:nowrap}
.ev{color:#555;font-size:12px;max-width:380px}.sev{color:#fff;border-radius:3px;padding:0 4px;font-size:12px}
svg text{font-size:12px;font-family:inherit}input[type=search]{width:320px;padding:4px}
#js-errors{color:#c62828}
"""

JS = """
window.onerror=function(msg,src,line){var e=document.getElementById('js-errors');
 e.setAttribute('data-error','1');e.textContent+='JS error: '+msg+' (line '+line+')\\n';};
function sortTable(th){var t=th.closest('table'),i=Array.prototype.indexOf.call(th.parentNode.children,th),
 b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),asc=th.getAttribute('data-asc')!=='1';
 rows.sort(function(x,y){var a=x.cells[i].getAttribute('data-v')||x.cells[i].textContent,
 c=y.cells[i].getAttribute('data-v')||y.cells[i].textContent,na=parseFloat(a),nc=parseFloat(c);
 var r=(!isNaN(na)&&!isNaN(nc))?na-nc:a.localeCompare(c,'zh');return asc?r:-r;});
 rows.forEach(function(r){b.appendChild(r);});th.setAttribute('data-asc',asc?'1':'0');}
function filterTable(inp,id){var q=inp.value.toLowerCase(),t=document.getElementById(id),n=0;
 Array.prototype.forEach.call(t.tBodies[0].rows,function(r){var s=r.textContent.toLowerCase().indexOf(q)>=0;
 r.style.display=s?'':'none';if(s)n++;});document.getElementById(id+'-count').textContent=n;}
document.addEventListener('DOMContentLoaded',function(){
 Array.prototype.forEach.call(document.querySelectorAll('th'),function(th){th.addEventListener('click',
 function(){sortTable(th);});});
 document.body.setAttribute('data-ready','1');});
"""


def _q(con, sql: str, *params) -> list[dict]:
    cur = con.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _num(x, nd: int = 2) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:,.{nd}f}".rstrip("0").rstrip(".") if nd else f"{x:,.0f}"
    return f"{x:,}" if isinstance(x, int) else escape(str(x))


def _td(x, nd: int = 2) -> str:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return f'<td class="num" data-v="{x}">{_num(x, nd)}</td>'
    return f"<td>{'—' if x is None else escape(str(x))}</td>"


def _place(r: dict) -> str:
    name = r.get("county") or r.get("city") or r.get("province") or "（地区不详）"
    extra = " ".join(str(v) for v in (r.get("fiscal_year"), r.get("programme")) if v)
    return f"{name} {extra}".strip()


def _short(r: dict) -> str:
    """Chart label: county and year (the programme is in the tooltip and the tables)."""
    name = r.get("county") or r.get("city") or r.get("province") or "（地区不详）"
    return f"{name[:10]} {r.get('fiscal_year') or ''}".strip()


def hbar(items: list[tuple[str, float, str, str]], unit: str, log: bool = False, cls: str = "chart") -> str:
    """Horizontal bar chart as inline SVG. items: (label, value, colour, tooltip)."""
    items = [it for it in items if it[1] is not None]
    if not items:
        return '<p class="note">没有可比较的数据 / no data to compare</p>'
    width, label_w, row_h, pad = 900, 220, 22, 90
    vals = [v for _, v, _, _ in items]
    scale = (lambda v: math.log10(max(v, 1e-9)) - lo) if log else (lambda v: max(v, 0.0))
    lo = math.floor(math.log10(max(min(v for v in vals if v > 0) if any(v > 0 for v in vals) else 1, 1e-9))) - 1 if log else 0
    top = max(scale(v) for v in vals) or 1.0
    h = row_h * len(items) + 10
    out = [f'<svg class="{cls}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" '
           f'viewBox="0 0 {width} {h}" role="img">']
    for i, (label, v, color, tip) in enumerate(items):
        y = 5 + i * row_h
        w = max(1.0, (width - label_w - pad) * scale(v) / top)
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label[:16])}</text>'
                   f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{color}">'
                   f'<title>{escape(tip)}</title></rect>'
                   f'<text x="{label_w + w + 4:.1f}" y="{y + 15}">{_num(float(v))}{escape(unit)}</text>')
    out.append("</svg>")
    return "".join(out)


def scatter(points: list[tuple[str, float, float, str]], xlab: str, ylab: str) -> str:
    """Execution (y) against arrival (x), both 0–max(100, data) %. points: (label, x, y, colour)."""
    pts = [p for p in points if p[1] is not None and p[2] is not None]
    if not pts:
        return '<p class="note">没有同时给出执行率和到位率的报告 / no report states both rates</p>'
    W, H, m = 640, 420, 50
    top = max(100.0, *(p[1] for p in pts), *(p[2] for p in pts))
    sx = lambda v: m + (W - 2 * m) * v / top
    sy = lambda v: H - m - (H - 2 * m) * v / top
    out = [f'<svg class="chart scatter" xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}">',
           f'<rect x="{m}" y="{m}" width="{W - 2 * m}" height="{H - 2 * m}" fill="none" stroke="#999"/>',
           f'<line x1="{sx(0)}" y1="{sy(0)}" x2="{sx(top)}" y2="{sy(top)}" stroke="#ccc" stroke-dasharray="4"/>']
    for t in range(0, int(top) + 1, 20):
        out.append(f'<text x="{sx(t):.1f}" y="{H - m + 16}" text-anchor="middle">{t}</text>'
                   f'<text x="{m - 6}" y="{sy(t) + 4:.1f}" text-anchor="end">{t}</text>')
    out.append(f'<text x="{W / 2}" y="{H - 10}" text-anchor="middle">{escape(xlab)}</text>'
               f'<text x="14" y="{H / 2}" transform="rotate(-90 14 {H / 2})" text-anchor="middle">{escape(ylab)}</text>')
    for label, x, y, color in pts:
        out.append(f'<circle class="point" cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="5" fill="{color}" fill-opacity="0.8">'
                   f'<title>{escape(label)}：到位 {_num(x)}%，执行 {_num(y)}%</title></circle>'
                   f'<text x="{sx(x) + 7:.1f}" y="{sy(y) - 6:.1f}" font-size="11">{escape(label[:12])}</text>')
    out.append("</svg>")
    return "".join(out)


def _table(tid: str, head: list[str], body: list[str], filterable: bool = False) -> str:
    f = (f'<p><input type="search" placeholder="筛选 / filter…" oninput="filterTable(this,\'{tid}\')"> '
         f'<span class="note"><span id="{tid}-count">{len(body)}</span> 行</span></p>') if filterable else ""
    return (f'{f}<table id="{tid}"><thead><tr>{"".join(f"<th>{escape(h)}</th>" for h in head)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def build_html(con) -> str:
    """The whole page from an open warehouse connection (views must exist)."""
    cs = _q(con, "SELECT * FROM county_summary ORDER BY total_score DESC NULLS LAST, county")
    n_reports = _q(con, "SELECT count(*) AS n FROM reports")[0]["n"]
    n_groups = _q(con, "SELECT count(*) AS n FROM canonical_reports")[0]["n"]
    sev = {r["severity"]: r["n"] for r in _q(con, "SELECT severity, count(*) AS n FROM findings f WHERE doc_id IS NULL "
                                                 "OR doc_id IN (SELECT doc_id FROM canonical_reports) GROUP BY 1")}
    parts = [f"<h1>绩效评价报告横向比较 / Cross-county comparison</h1>"
             f'<p class="note">生成于 {dt.datetime.now():%Y-%m-%d %H:%M} · 同一报告的不同格式（PDF/DOCX/TXT）只计一次</p>',
             f'<div><span class="kpi"><b>{n_groups}</b>份报告（{n_reports} 个文件版本）</span>'
             f'<span class="kpi"><b>{len(cs)}</b>个县×年度×项目</span>'
             + "".join(f'<span class="kpi"><b style="color:{SEV_COLOR[s]}">{sev.get(s, 0)}</b>{SEV_ZH[s]}</span>'
                       for s in ("error", "warning", "info")) + "</div>"]

    parts.append("<h2 id='scores'>综合得分 / Total score by county</h2>")
    parts.append(hbar([(_short(r), r["total_score"], GRADE_COLOR.get(r["grade"] or "", "#90a4ae"),
                        f"{_place(r)}：{_num(r['total_score'])} 分 {r['grade'] or ''}") for r in cs], " 分",
                      cls="chart scores"))

    parts.append("<h2 id='execution'>预算执行率与资金到位率 / Execution vs arrival</h2>"
                 '<p class="note">执行率取报告所述，未述则按支出/到位重算；到位率同理按到位/下达重算。'
                 "对角线以上：执行率高于到位率（执行可能掩盖到位不足）。</p>")
    pts = []
    for r in cs:
        x = r["arrival_rate_pct"] if r["arrival_rate_pct"] is not None else r["arrival_rate_recomputed_pct"]
        y = r["execution_rate_pct"] if r["execution_rate_pct"] is not None else r["execution_vs_received_pct"]
        pts.append((_short(r), x, y, GRADE_COLOR.get(r["grade"] or "", "#546e7a")))
    parts.append(scatter(pts, "资金到位率 %", "预算执行率 %"))
    parts.append(_table("t-exec", ["地区", "年度", "项目", "下达(万元)", "到位(万元)", "支出(万元)", "执行率(述)",
                                   "支出/到位", "支出/下达", "到位率(述)", "到位/下达"],
                        ["<tr>" + "".join([_td(r["county"]), _td(str(r["fiscal_year"] or "—")), _td(r["programme"]),
                                           _td(r["allocated_wan"], 4), _td(r["received_wan"], 4), _td(r["spent_wan"], 4),
                                           _td(r["execution_rate_pct"]), _td(r["execution_vs_received_pct"]),
                                           _td(r["execution_vs_allocated_pct"]), _td(r["arrival_rate_pct"]),
                                           _td(r["arrival_rate_recomputed_pct"])]) + "</tr>" for r in cs]))

    out_docs = {r["doc_id"] for r in _q(con, "SELECT doc_id FROM outliers WHERE metric = 'cost_per_beneficiary_yuan'")}
    parts.append("<h2 id='cost'>人均成本 / Cost per person served</h2>"
                 '<p class="note">支出 ÷ 受益人数（元/人），对数刻度；红色为与同类报告相差悬殊者。</p>')
    cost_rows = sorted((r for r in cs if r["cost_per_beneficiary_yuan"] is not None),
                       key=lambda r: -r["cost_per_beneficiary_yuan"])
    parts.append(hbar([(_short(r), r["cost_per_beneficiary_yuan"],
                        "#c62828" if r["lead_doc_id"] in out_docs else "#5c6bc0",
                        f"{_place(r)}：支出 {_num(r['spent_wan'], 4)} 万元 ÷ {_num(r['beneficiaries'])} 人")
                       for r in cost_rows], " 元", log=True, cls="chart cost"))

    pf = _q(con, "SELECT * FROM problem_frequency ORDER BY n_reports DESC, n_problems DESC, category")
    parts.append("<h2 id='problems'>常见问题 / Problem frequency</h2>")
    parts.append(hbar([(r["category"], float(r["n_reports"]), "#8d6e63", f"{r['category']}：{r['n_reports']} 份报告")
                       for r in pf], " 份", cls="chart problems"))
    parts.append(_table("t-problems", ["问题类别", "报告数", "县数", "问题条数", "示例"],
                        ["<tr>" + _td(r["category"]) + _td(r["n_reports"]) + _td(r["n_counties"]) + _td(r["n_problems"])
                         + f'<td class="ev">{"<br>".join(escape(t[:120]) for t in (r["examples"] or []))}</td></tr>'
                         for r in pf]))

    ol = _q(con, "SELECT * FROM outliers ORDER BY metric, abs(coalesce(robust_z, 99)) DESC, doc_id")
    parts.append("<h2 id='outliers'>异常值 / Outliers</h2>")
    parts.append(_table("t-outliers", ["地区", "年度", "指标", "数值", "同类中位数", "稳健z", "来源", "说明", "doc_id"],
                        ["<tr>" + "".join([_td(_place(r)), _td(str(r["fiscal_year"] or "—")), _td(r["metric"]), _td(r["value"]),
                                           _td(r["peer_median"]), _td(r["robust_z"]), _td(r["source"]),
                                           _td(r["message"]), _td(r["doc_id"])]) + "</tr>" for r in ol])
                 if ol else '<p class="note">未发现异常值 / no outliers</p>')

    fd = _q(con, f"""SELECT f.*, c.county, c.fiscal_year, c.programme FROM findings f
                     LEFT JOIN canonical_reports c USING (doc_id)
                     WHERE f.doc_id IS NULL OR c.doc_id IS NOT NULL
                     ORDER BY CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, c.county, f.rule_id
                     LIMIT {MAX_FINDINGS + 1}""")
    parts.append("<h2 id='findings'>审核发现 / Findings</h2>")
    if len(fd) > MAX_FINDINGS:
        parts.append(f'<p class="note">只列前 {MAX_FINDINGS} 条；全部请用 python -m pipeline audit 导出。</p>')
    parts.append(_table("t-findings", ["级别", "地区", "规则", "说明", "应为", "实为", "依据原文", "页"],
                        [f'<tr><td data-v="{ {"error": 0, "warning": 1}.get(r["severity"], 2) }">'
                         f'<span class="sev" style="background:{SEV_COLOR.get(r["severity"], "#999")}">'
                         f'{SEV_ZH.get(r["severity"], escape(str(r["severity"])))}</span></td>'
                         + _td(_place(r) if r["doc_id"] else "（全库）") + _td(r["rule_id"]) + _td(r["message"])
                         + _td(r["expected"]) + _td(r["actual"])
                         + f'<td class="ev">{escape((r["evidence"] or "")[:300])}</td>' + _td(r["page"], 0) + "</tr>"
                         for r in fd[:MAX_FINDINGS]], filterable=True))
    return ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>绩效评价横向比较</title><style>{CSS}</style><script>{JS}</script></head>"
            f"<body><pre id='js-errors'></pre>{''.join(parts)}</body></html>")


def open_for_report(db: str | Path):
    """A read-only connection to a warehouse where the comparison views exist. ``report`` only
    reads: a warehouse from before the views (an older jixiao) is not upgraded here — ``ingest``
    does that — and anything that is not a jixiao warehouse is refused unchanged (store.connect)."""
    from warehouse.guard import NotAWarehouse
    from warehouse.store import connect
    con = connect(db, read_only=True)
    has = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'county_summary'").fetchone()[0]
    if has:
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
