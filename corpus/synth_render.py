"""Turn a spec (synth_spec.make_spec) into layout blocks and the ground-truth JSON.

Blocks: ("h", level, text) | ("p", text) | ("t", rows, merge_cols) — rows are lists of cell strings;
merge_cols names the columns whose repeated values are merged (docx) or blanked (txt).
"""
from __future__ import annotations

import math
import random
from decimal import Decimal

from . import synth_vocab as V
from .synth_spec import ALWAYS_POSSIBLE, PLANTABLE, SIDE_EFFECTS, rate

CN = "零一二三四五六七八九十"


def cn_num(n: int) -> str:
    if n <= 10:
        return CN[n]
    if n < 20:
        return "十" + (CN[n - 10] if n > 10 else "")
    return CN[n // 10] + "十" + (CN[n % 10] if n % 10 else "")


def heading_label(style: str, level: int, n: int) -> str:
    marks = {"cn": ["{c}、", "（{c}）", "{n}.", "（{n}）"],
             "part": ["第{c}部分 ", "{c}、", "（{c}）", "{n}."],
             "arabic": ["{c}、", "{n}.", "（{n}）", "{n})"]}[style]
    return marks[min(level, 4) - 1].format(c=cn_num(n), n=n)


def hund(h: int, fmt: str = "fixed") -> str:
    """A value kept in hundredths, as text."""
    neg = "-" if h < 0 else ""
    h = abs(h)
    if fmt == "fixed":
        return f"{neg}{h // 100}.{h % 100:02d}"
    return neg + format((Decimal(h) / 100).normalize(), "f")


def money(u: int, unit: str) -> str:
    """u hundredths of 万元, as 万元 or 元 text."""
    if unit == "yuan":
        return f"{u * 100:,}.00元"
    return f"{hund(u)}万元"


def wan(u: int) -> float:
    return u / 100


def _dimname(s: dict, i: int) -> str:
    return s["l1_names"][i]


def build_blocks(s: dict) -> list:
    rng = random.Random(f"jixiao-render:{s['seed']}:{s['idx']}")
    prog, style = s["prog"], s["numbering"]
    ctx = dict(county=s["county"], dept=s["dept"], prog=prog["name"], year=s["year"], ben=prog["ben"],
               work=prog["work"], ind=prog["work"])
    sc = lambda h: hund(h, s["score_fmt"])
    unit = s["unit"]
    B: list = []
    counters = [0, 0, 0, 0]

    def H(level: int, text: str) -> None:
        counters[level - 1] += 1
        for j in range(level, 4):
            counters[j] = 0
        B.append(("h", level, heading_label(style, level, counters[level - 1]) + text))

    def P(text: str) -> None:
        B.append(("p", text))

    def PAD(**kw) -> None:
        B.append(("pad", dict(ctx, **kw)))

    title_forms = [f"{s['county']}{s['year']}年度{prog['name']}绩效评价报告",
                   f"{s['dept']}{s['year']}年{prog['name']}项目支出绩效评价报告",
                   f"关于{s['county']}{s['year']}年度{prog['name']}的绩效评价报告"]
    B.append(("p", rng.choice(title_forms)))
    if s["evaluator"]:
        B.append(("p", f"评价机构：{s['evaluator']}"))
    else:
        B.append(("p", f"评价方式：部门自评　　评价单位：{s['dept']}"))

    total_txt = sc(s["total"])
    if s["summary"]:
        B.append(("h", 1, "摘　要"))
        P(f"受{s['county']}财政局委托，" if s["evaluator"] else f"按照{s['county']}财政局工作安排，")
        B[-1] = ("p", B[-1][1] + f"对{s['year']}年度{prog['name']}开展了绩效评价。经综合评定，"
                 f"该项目绩效评价综合得分为{sc(s['summary_total'])}分，评价等级为“{s['grade']}”。")

    # ---- 基本情况
    H(1, "项目基本情况")
    H(2, "项目概况")
    # the full place name once: county names repeat across provinces (鼓楼区, 通州区 …)
    place = s["province"] + (s["city"] if s["city"] != s["province"] else "") + s["county"]
    P(f"{prog['name']}是{place}围绕{prog['work']}设立的财政专项资金，由{s['dept']}负责组织实施，"
      f"项目资金主要用于{prog['work']}相关支出，服务对象为辖区{prog['ben']}。")
    if s.get("offtopic"):
        P(s["offtopic"])
    PAD()
    H(2, "项目资金安排及使用情况")
    alloc, rec, spent = s["alloc"], s["received"], s["spent"]
    para = (f"{s['year']}年度上级和本级财政共下达资金{money(alloc, unit)}，实际到位资金{money(rec, unit)}，"
            f"资金到位率{s['arrival_rate']}%；截至{s['year']}年12月31日，实际支出{money(spent, unit)}，"
            f"预算执行率{s['exec_rate']}%（实际支出÷到位资金）。")
    if rng.random() < 0.5:
        para = (f"本项目{s['year']}年预算安排{money(alloc, unit)}，到位{money(rec, unit)}，到位率为{s['arrival_rate']}%。"
                f"全年实际使用资金{money(spent, unit)}，按到位资金计算的预算执行率为{s['exec_rate']}%。")
    P(para)
    if s["text_not_in_place"]:
        P(rng.choice(V.FUNDS_NOT_IN_PLACE))
    u_head = "（元）" if unit == "yuan" else "（万元）"
    val = (lambda x: f"{x * 100:,}.00") if unit == "yuan" else hund
    rows = [["资金来源", "预算安排" + u_head, "实际到位" + u_head, "实际支出" + u_head]]
    for name, a, r, p in s["sources"]:
        rows.append([name + "资金", val(a), val(r), val(p)])
    rows.append(["合计", val(alloc), val(rec), val(spent)])
    P("项目资金来源及使用情况如下表：")
    B.append(("t", rows, []))
    H(2, "服务对象情况")
    parts = "、".join(f"{lab}{n:,}人" if rng.random() < 0.3 else f"{lab}{n}人" for lab, n in s["ben_parts"])
    P(f"{s['year']}年项目共服务{prog['ben']}{s['ben']}人，其中{parts}。")
    P(f"按照年度计划，{prog['plan_verb']}{prog['ben']}{s['planned']}人，{prog['done_verb']}{s['served']}人，"
      f"{prog['rate_name']}{s['coverage']}%。")
    H(2, "项目绩效目标")
    P(f"根据项目实施方案，{s['year']}年度绩效目标及完成情况如下：")
    sym = {">=": "≥", "<=": "≤", "=": "="}
    trows = [["绩效指标", "指标值", "实际完成值", "完成情况"]]
    for t in s["targets"]:
        trows.append([t["name"], sym[t["direction"]] + t["fmt"](t["target"]), t["fmt"](t["actual"]), t["status"]])
    B.append(("t", trows, []))

    # ---- 评价工作情况
    H(1, "绩效评价工作开展情况")
    H(2, "评价目的、对象和范围")
    P(f"本次评价对象为{s['year']}年度{prog['name']}，评价范围涵盖资金{('下达' if rng.random() < .5 else '安排')}、"
      f"管理、使用及产出效益等方面。")
    PAD()
    H(2, "评价方法和评价过程")
    sv = s["survey"]
    P(f"评价采用资料核查、现场勘查、座谈访谈和问卷调查相结合的方法。本次共发放调查问卷{sv['issued']}份，"
      f"收回有效问卷{sv['valid']}份。")
    PAD()

    # ---- 评价结论
    H(1, "综合评价情况及评价结论")
    P(f"经评价组综合评定，{prog['name']}绩效评价综合得分{total_txt}分，评价等级为“{s['grade']}”。"
      f"各一级指标得分情况见下表。")
    tree = s["tree"]
    if s["l1_layout"] == "rows":
        head = ["一级指标", "分值", "得分"] + (["得分率"] if s["show_rate"] else [])
        rows = [head]
        for i, d in enumerate(tree):
            rows.append([_dimname(s, i), str(d["weight"]), sc(d["score"])] + ([f"{d['rate']}%"] if s["show_rate"] else []))
        wsum = sum(d["weight"] for d in tree)
        rows.append(["合计", str(wsum), total_txt] + ([f"{rate(s['total'], wsum * 100)}%"] if s["show_rate"] else []))
    else:
        rows = [["指标"] + list(s["l1_names"]) + ["合计"],
                ["分值"] + [str(d["weight"]) for d in tree] + [str(sum(d["weight"] for d in tree))],
                ["得分"] + [sc(d["score"]) for d in tree] + [total_txt]]
        if s["show_rate"]:
            rows.append(["得分率（%）"] + [str(d["rate"]) for d in tree] + [""])
    B.append(("t", rows, []))
    P(f"根据评分标准，综合得分90分（含）以上为“优”，80（含）～90分为“良”，60（含）～80分为“中”，60分以下为“差”。")

    # ---- 指标分析
    H(1, "绩效评价指标分析")
    P("评价指标体系及评分结果见下表。")
    show3 = rng.random() < 0.5
    head = ["一级指标", "二级指标", "三级指标", "分值", "得分"] + (["得分率"] if show3 else [])
    rows = [head]
    for i, d in enumerate(tree):
        for c in d["children"]:
            for g in c["children"]:
                rows.append([f"{_dimname(s, i)}（{d['weight']}）", f"{c['name']}（{c['weight']}）", g["name"],
                             str(g["weight"]), sc(g["score"])]
                            + ([str(_rate(g["score"], g["weight"]))] if show3 else []))
    B.append(("t", rows, [0, 1] if s["merged_l3"] else []))
    s["_show3"] = show3
    for i, d in enumerate(tree):
        H(2, f"{_dimname(s, i)}指标分析")
        P(f"{_dimname(s, i)}类指标分值{d['weight']}分，评价得分{sc(d['score'])}分。")
        for c in d["children"]:
            H(3, f"{c['name']}（{c['weight']}分）")
            for g in c["children"]:
                lost = g["weight"] * 100 - g["score"]
                tail = "指标完成情况较好，得满分。" if lost == 0 else f"扣{sc(lost)}分。" if lost > 0 else "。"
                P(f"“{g['name']}”指标分值{g['weight']}分，得{sc(g['score'])}分，{tail}")
                PAD(ind=g["name"])
            if c["name"] == "产出数量" and s["text_unfinished"]:
                P(rng.choice(V.UNFINISHED))
        if d["dimension"] == "产出" and s["text_unfinished"] and not any(c["name"] == "产出数量" for c in d["children"]):
            P(rng.choice(V.UNFINISHED))
        if d["dimension"] == "效益":
            H(3, "满意度调查情况")
            opts = sv["options"]
            P(f"本次满意度调查共发放问卷{sv['issued']}份，回收有效问卷{sv['valid']}份。调查结果如下：")
            B.append(("t", [["选项", "人数", "占比"]] + [[lab, str(n), f"{rate(n, sv['valid'])}%"] for lab, n in opts]
                      + [["合计", str(sv["valid"]), "100.00%"]], []))
            P(f"满意度按（非常满意＋满意）人数÷有效问卷数计算，综合满意度为{s['satisfaction']}%。")

    # ---- 问题与建议
    if s["missing_section"] != "存在问题":
        H(1, "存在的主要问题")
        for k, (title, _area, expl, _u) in enumerate(s["problems"], 1):
            P(f"{heading_label(style, 2, k)}{title}。{expl}")
    if s["missing_section"] != "建议":
        H(1, "相关建议")
        for k, (title, expl) in enumerate(s["recommendations"], 1):
            P(f"{heading_label(style, 2, k)}{title}。{expl}")
    H(1, "其他需要说明的问题")
    P("本报告仅对评价范围内的项目资金使用及绩效情况负责，评价结论基于项目单位提供资料的真实性和完整性。")
    PAD()
    y, m, d_ = s["report_date"].split("-")
    B.append(("p", s["evaluator"] or s["dept"]))
    B.append(("p", f"{y}年{int(m)}月{int(d_)}日"))
    return _fill_pads(B, s, rng)


def _rate(score_hund: int, weight_points: int) -> Decimal:
    """得分率 of a score (hundredths) against its weight (points)."""
    return rate(score_hund, weight_points * 100)


def _fill_pads(B: list, s: dict, rng: random.Random) -> list:
    base = sum(len(b[1]) if b[0] == "p" else len(b[2]) if b[0] == "h" else 0 for b in B)
    budget = s["pages_target"] * 650
    pads = [b for b in B if b[0] == "pad"]
    need = max(0, budget - base)
    per = math.ceil(need / 140 / max(1, len(pads))) if need else 0
    out = []
    for b in B:
        if b[0] != "pad":
            out.append(b)
            continue
        for _ in range(per):
            sents = rng.sample(V.PAD_SENTENCES, rng.randint(3, 5))
            out.append(("p", "".join(x.format(**b[1]) for x in sents)))
    return out


def truth(s: dict, file_name: str, fmt: str) -> dict:
    rule = s["planted"]
    must = [rule] if rule else []
    skip = ALWAYS_POSSIBLE | set(must) | SIDE_EFFECTS.get(rule, set())
    must_not = [r for r in PLANTABLE if r not in skip]
    tree = s["tree"]
    l1, l2, l3 = [], [], []
    for i, d in enumerate(tree):
        l1.append(dict(dimension=d["dimension"], name=s["l1_names"][i], weight=d["weight"], score=d["score"] / 100,
                       rate_pct=float(d["rate"]) if s["show_rate"] else None))
        for c in d["children"]:
            l2.append(dict(dimension=d["dimension"], name=c["name"], parent=s["l1_names"][i], weight=c["weight"],
                           score=c["score"] / 100))
            for g in c["children"]:
                l3.append(dict(dimension=d["dimension"], name=g["name"], parent=c["name"], weight=g["weight"],
                               score=g["score"] / 100,
                               rate_pct=float(_rate(g["score"], g["weight"])) if s.get("_show3") else None))
    tg = s["targets"]
    missing = s["missing_section"]
    return {
        "file": file_name, "format": fmt, "generator": "corpus.generate", "seed": s["seed"], "index": s["idx"],
        "title_contains": s["prog"]["name"], "programme": s["prog"]["name"],
        "province": s["province"], "city": s["city"], "county": [s["county"]],
        "fiscal_year": s["year"],
        "evaluation_kind": ["third_party"] if s["evaluator"] else ["self", "unknown"],
        "evaluator": s["evaluator"], "subject": s["dept"], "report_date": s["report_date"],
        "total_score": s["total"] / 100, "grade": s["grade"],
        "allocated_wan": wan(s["alloc"]), "received_wan": wan(s["received"]), "spent_wan": wan(s["spent"]),
        "execution_rate_pct": float(s["exec_rate"]), "arrival_rate_pct": float(s["arrival_rate"]),
        "beneficiaries": s["ben"],
        "survey": {"issued": s["survey"]["issued"], "respondents": s["survey"]["valid"],
                   "satisfaction_pct": float(s["satisfaction"])},
        "level1": l1, "level2": l2, "level3": l3,
        "problems_min": 0 if missing == "存在问题" else len(s["problems"]),
        "problems_prefixes": [] if missing == "存在问题" else [p[0] for p in s["problems"]],
        "recommendations_min": 0 if missing == "建议" else len(s["recommendations"]),
        "targets": {"count": len(tg), "completed": sum(t["status"] == "已完成" for t in tg),
                    "partial": sum(t["status"] == "部分完成" for t in tg),
                    "failed": sum(t["status"] == "未完成" for t in tg)},
        "funding_table": {"columns": ["资金来源", "预算安排", "实际到位", "实际支出"],
                          "rows": [[n + "资金", wan(a), wan(r), wan(p)] for n, a, r, p in s["sources"]]
                          + [["合计", wan(s["alloc"]), wan(s["received"]), wan(s["spent"])]]},
        "layout": {"l1_layout": s["l1_layout"], "numbering": s["numbering"], "unit": s["unit"],
                   "show_rate": s["show_rate"], "merged_l3": s["merged_l3"], "summary": s["summary"],
                   "pages_target": s["pages_target"]},
        "planted": rule,
        "findings": {"must": must, "must_not": must_not},
    }
