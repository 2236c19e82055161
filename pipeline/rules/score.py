"""Score-table rules: totals, children vs parents, 得分率, weights, grade band, restated figures, and full
marks despite a problem the report itself names."""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterator

from .base import Rule
from pipeline.record.numbers import decimals
from pipeline.vocab import GRADES

from .common import truncation_finding, as_stated, fmt, half_ulp, num, prov, stated_decimals, value_decimals, verdict


def table_indicators(rec: dict) -> list[dict]:
    """The indicators of the score table; narrative mentions only when no table was read.
    Duplicates (same level and name, e.g. a table repeated over a page break) keep the first."""
    inds = [i for i in rec.get("indicators") or [] if isinstance(i, dict)]
    table = [i for i in inds if i.get("source") != "narrative"]
    seen, out = set(), []
    for i in table or inds:
        key = (i.get("level"), i.get("name"))
        if key in seen:
            continue
        seen.add(key)
        out.append(i)
    return out


def level1(rec: dict) -> list[dict]:
    return [i for i in table_indicators(rec) if i.get("level") == 1]


def sum_tolerance(values: list[float], floor: float) -> float:
    """Rounded parts and a rounded total may differ by the sum of their half-units."""
    return max(floor, sum(half_ulp(v) for v in values)) + 1e-9


def _ev(items: list[dict]) -> str:
    return "；".join(f"{i.get('name')} {i.get('score')}/{i.get('weight')}" for i in items)


class TotalMismatch(Rule):
    id = "score.total_mismatch"
    severity = "error"
    doc = "level-1 scores must add up to the stated total score"
    template = "一级指标得分合计为{expected}分，与报告所述总分{actual}分不一致，请核对评分表与总分。"
    tolerance = 0.01      # 分, beyond the rounding of the parts
    weight_total = 100.0  # only check when the level-1 weights show the table was read whole

    def check(self, rec: dict) -> Iterator[dict]:
        total = num(rec.get("total_score"))
        l1 = level1(rec)
        scores = [num(i.get("score")) for i in l1]
        if total is None or len(l1) < 2 or any(s is None for s in scores):
            return
        weights = [num(i.get("weight")) for i in l1]
        if all(w is not None for w in weights):
            if abs(sum(weights) - self.weight_total) > 0.01:
                return  # a level-1 row is missing or the weights are off: weight.total_not_100 speaks
        elif len(l1) < 3:
            return
        s = sum(scores)
        if abs(s - total) > sum_tolerance(scores + [total], self.tolerance):
            ev, page = prov(rec, "total_score")
            yield self.finding(expected=fmt(s), actual=as_stated(total, stated_decimals(rec, total, "total_score", ev)),
                               evidence=ev or _ev(l1),
                               page=page if page is not None else l1[0].get("page"))


class ChildSumMismatch(Rule):
    id = "score.child_sum_mismatch"
    severity = "error"
    doc = "children's scores (and weights, when they exceed the parent's) must add up to their parent's"
    template = "指标“{name}”的下级指标{what}合计为{expected}，与其{what}{actual}不一致，请核对评分表该部分。"
    tolerance = 0.01

    def check(self, rec: dict) -> Iterator[dict]:
        inds = table_indicators(rec)
        for p in inds:
            lvl, name = p.get("level"), p.get("name")
            if not name or lvl not in (1, 2):
                continue
            if sum(1 for q in inds if q.get("level") == lvl and q.get("name") == name) > 1:
                continue  # ambiguous parent name
            kids = [c for c in inds if c.get("level") == lvl + 1 and c.get("parent") == name]
            if len(kids) < 2:
                continue
            weights_ok = True
            for what, key in (("分值", "weight"), ("得分", "score")):
                pv, kv = num(p.get(key)), [num(c.get(key)) for c in kids]
                if pv is None or any(v is None for v in kv):
                    continue
                if key == "score" and not weights_ok:
                    continue  # weights already disagree: a row is missing or misread, one finding is enough
                s = sum(kv)
                if abs(s - pv) > sum_tolerance(kv + [pv], self.tolerance):
                    if key == "weight":
                        weights_ok = False
                        if s < pv:
                            continue  # short weights look exactly like a row the extraction missed: not judged
                    yield self.finding(expected=fmt(s), actual=fmt(pv), name=name, what=what,
                                       evidence=p.get("evidence") or _ev([p] + kids), page=p.get("page"))


class RateMismatch(Rule):
    id = "score.rate_mismatch"
    severity = "warning"
    doc = "a stated 得分率 must equal score / weight (rounded half-up or truncated at its decimals)"
    template = "指标“{name}”得分率应为{expected}%（得分÷分值），报告写为{actual}%，请核对。"

    def check(self, rec: dict) -> Iterator[dict]:
        for i in table_indicators(rec):
            r, s, w = num(i.get("rate_pct")), num(i.get("score")), num(i.get("weight"))
            if r is None or s is None or not w:
                continue
            nd = stated_decimals(rec, r, evidence=i.get("evidence"))
            v = verdict(r, s, w, nd)
            if v == "truncate":
                yield truncation_finding(self, what=f"指标“{i.get('name')}”得分率", expected=fmt(s / w * 100, nd + 1),
                                         actual=as_stated(r, nd), evidence=i.get("evidence"), page=i.get("page"))
            elif v is None:
                yield self.finding(expected=fmt(s / w * 100, max(nd, 2)), actual=as_stated(r, nd), name=i.get("name"),
                                   evidence=i.get("evidence"), page=i.get("page"))


class OverWeight(Rule):
    id = "score.over_weight"
    severity = "error"
    doc = "a score may not exceed its weight or be negative"
    template = "指标“{name}”得分{actual}分，超出其分值{expected}分或为负数，请核对评分。"

    def check(self, rec: dict) -> Iterator[dict]:
        for i in table_indicators(rec):
            s, w = num(i.get("score")), num(i.get("weight"))
            if s is None:
                continue
            if s < 0 or (w is not None and w > 0 and s > w + 1e-9):
                yield self.finding(expected=fmt(w) if w is not None else "≥0", actual=fmt(s), name=i.get("name"),
                                   evidence=i.get("evidence"), page=i.get("page"))


class WeightTotalNot100(Rule):
    id = "weight.total_not_100"
    severity = "warning"
    doc = "level-1 weights must add up to 100"
    template = "一级指标分值合计为{actual}分，不等于{expected}分，请核对指标体系权重。"
    expected_total = 100.0
    tolerance = 0.01
    min_level1 = 4        # fewer rows: a short sum may be a row the extraction missed; an excess is judged from 2

    def check(self, rec: dict) -> Iterator[dict]:
        l1 = level1(rec)
        weights = [num(i.get("weight")) for i in l1]
        if len(l1) < 2 or any(w is None for w in weights):
            return
        s = sum(weights)
        if s > self.expected_total + self.tolerance or (len(l1) >= self.min_level1 and s < self.expected_total - self.tolerance):
            yield self.finding(expected=fmt(self.expected_total), actual=fmt(s), evidence=_ev(l1), page=l1[0].get("page"))


GRADE_ALIASES = GRADES          # one grade list (pipeline/vocab.py) for the record and the rules


def norm_grade(g) -> str | None:
    if not g:
        return None
    g = str(g).strip()
    return GRADE_ALIASES.get(g, g[:1] if g[:1] in "优良中差" else None)


class GradeBandMismatch(Rule):
    id = "grade.band_mismatch"
    severity = "error"
    doc = "grade must be the band of the total (优 ≥ 90, 良 80–90, 中 60–80, 差 < 60; a boundary score may take either side)"
    template = "总分{score}分对应等级应为“{expected}”，报告评定为“{actual}”，请核对等级或总分。"
    bands = (("优", 90.0, 1000.0), ("良", 80.0, 90.0), ("中", 60.0, 80.0), ("差", -1000.0, 60.0))

    def check(self, rec: dict) -> Iterator[dict]:
        total, grade = num(rec.get("total_score")), norm_grade(rec.get("grade"))
        if total is None or grade is None:
            return
        # schemes differ on whether a boundary (90, 80, 60) belongs up or down: accept either
        ok = {g for g, lo, hi in self.bands if lo - 1e-9 <= total <= hi + 1e-9}
        if grade not in ok:
            want = next(g for g, lo, hi in self.bands if lo <= total < hi)
            ev, page = prov(rec, "grade")
            yield self.finding(expected=want, actual=grade, score=fmt(total), evidence=ev, page=page)


class RestatedMismatch(Rule):
    id = "number.restated_mismatch"
    severity = "warning"
    doc = "the same headline quantity stated twice must agree (at the less precise statement's decimals)"
    template = "{label}在报告不同位置分别写为{expected}和{actual}，请核对以哪个为准。"
    labels = {"total_score": "总分", "grade": "评价等级", "allocated_wan": "预算安排金额（万元）",
              "received_wan": "到位资金（万元）", "spent_wan": "支出金额（万元）",
              "execution_rate_pct": "预算执行率（%）", "arrival_rate_pct": "资金到位率（%）"}

    @staticmethod
    def _same(a: float, b: float, na: int, nb: int) -> bool:
        # the less precise statement decides; rounding or truncation of the precise one both agree
        lo, hi = (a, b) if na <= nb else (b, a)
        nd = min(na, nb)
        return verdict(lo, hi, 1.0, nd, pct=False) is not None or abs(a - b) < 1e-9

    @staticmethod
    def _nd(st: dict, v: float, q: str) -> int:
        """Decimals as written ("93.50分" → 2); an amount written in 元 is exact in 万元 to 4 more places."""
        t = st.get("text")
        if t and "万" in t or t and q not in ("allocated_wan", "received_wan", "spent_wan"):
            return decimals(t)
        if t and "亿" in t:
            return decimals(t) - 4
        if t and "元" in t:
            return decimals(t) + 4
        return value_decimals(v)

    # a figure outside these bounds is a misread (a "total score" of 4), not a restatement
    criteria_words = ("扣分", "按比例", "评分标准", "得满分", "不得分")
    plausible = {"total_score": (20.0, 100.0), "execution_rate_pct": (0.0, 300.0), "arrival_rate_pct": (0.0, 300.0)}

    def _ok(self, s: dict) -> bool:
        if not isinstance(s, dict) or not s.get("quantity") or s.get("value") is None:
            return False
        if any(w in (s.get("evidence") or "") for w in self.criteria_words):
            return False  # "执行率低于100%的按比例扣分" is a scoring criterion, not the report's figure
        lo_hi = self.plausible.get(s["quantity"])
        v = num(s["value"])
        return lo_hi is None or v is None or lo_hi[0] <= v <= lo_hi[1]

    def check(self, rec: dict) -> Iterator[dict]:
        # a statement may name what it is about ("key": the notice an allocation was made by); only
        # statements of the same quantity about the same thing are compared
        by_q: dict[tuple, list[dict]] = {}
        for s in rec.get("statements") or []:
            if self._ok(s):
                by_q.setdefault((s["quantity"], s.get("key")), []).append(s)
        for (q, key), sts in by_q.items():
            # the value stated most often is the reference; the first one breaks a tie
            votes = Counter(str(s["value"]) for s in sts)
            first = max(sts, key=lambda s: (votes[str(s["value"])], -sts.index(s)))
            for other in sts:
                if other is first:
                    continue
                if q == "grade":
                    a, b = norm_grade(first["value"]), norm_grade(other["value"])
                    differ = a is not None and b is not None and a != b
                else:
                    a, b = num(first["value"]), num(other["value"])
                    differ = a is not None and b is not None and not self._same(
                        a, b, self._nd(first, a, q), self._nd(other, b, q))
                if differ:
                    ev = f"{first.get('evidence') or ''} | {other.get('evidence') or ''}"
                    label = self.labels.get(q, q) + (f"（{key}）" if key else "")
                    yield self.finding(expected=first["value"], actual=other["value"], label=label,
                                       evidence=ev, page=other.get("page"))
                    break  # one finding per quantity is enough to send the reviewer there


# Words too general to tie an indicator to a problem ("管理" is in every problem list).
GENERIC = set("""管理 情况 工作 项目 资金 完成 实施 效益 产出 过程 决策 指标 程度 水平 服务 社会 人员 目标 质量
数量 时效 成本 效果 满意度 满意 合理 合理性 规范 规范性 有效 有效性 健全 健全性 完整 完整性 及时 及时性 准确 准确性
相关 方面 其他 情况 任务 实际 计划 内容 机制 保障 能力 业务 单位 部门 对象 群众 受益 经济 可持续 影响 财务 基础
依据 充分 充分性 明确 明确性 科学 科学性 执行 合规 合规性 到位 到位率 使用 设置 落实 建设 组织 提升 率 性
绩效 设立 评价 相关 相关性 工作活动 活动 产出 标准 体系 开展 推进 主体 资料 标准化 程序 预算""".split())
NEG_CUES = ("不", "未", "缺", "欠", "差", "低", "弱", "滞后", "疏漏", "偏", "少", "难", "无", "问题", "不足",
            "有待", "亟待", "尚需", "薄弱")     # 有待提高/亟待加强: the report's own wording of a shortcoming


class FullMarksDespiteProblem(Rule):
    id = "score.full_marks_despite_problem"
    severity = "warning"
    doc = "an indicator with full marks whose key term appears in a shortcoming of the report's own problem list"
    template = "指标“{name}”得满分{actual}分，但报告“存在问题”中写有“{expected}”，请核对该项评分是否应扣分。"
    min_term_chars = 2

    def _terms(self, name: str) -> set[str]:
        import jieba
        toks = [t for t in jieba.lcut(re.sub(r"[\d（）()、.%]", "", name)) if t.strip()]
        terms = {t for t in toks if len(t) >= self.min_term_chars and t not in GENERIC}
        # compounds such as 绩效+目标 → 绩效目标, 资金+到位 → 资金到位, even when each part is generic
        for a, b in zip(toks, toks[1:]):
            if len(a) >= 2 and len(b) >= 2 and not (a in GENERIC and b in GENERIC and a + b not in COMPOUNDS):
                terms.add(a + b)
            elif a + b in COMPOUNDS:
                terms.add(a + b)
        for area, extra in AREA_TERMS.items():
            if area in name:
                terms.update(extra)
        return terms

    def check(self, rec: dict) -> Iterator[dict]:
        problems = [p for p in rec.get("problems") or [] if isinstance(p, dict) and p.get("text")]
        if not problems:
            return
        for i in table_indicators(rec):
            s, w = num(i.get("score")), num(i.get("weight"))
            if i.get("level") not in (2, 3) or s is None or not w or abs(s - w) > 1e-9 or not i.get("name"):
                continue
            terms = self._terms(i["name"])
            hit = None
            for p in problems:
                for clause in re.split(r"[，,；;。！!？?\n]", p["text"]):
                    # the term must be what the shortcoming is about: before the first shortcoming word
                    # ("绩效目标不能体现工作活动的产出" is about 绩效目标, not 工作活动)
                    cut = min((k for c in NEG_CUES if (k := clause.find(c)) >= 0), default=-1)
                    t = next((t for t in sorted(terms, key=len, reverse=True) if 0 <= clause.find(t) < cut), None)
                    if t:
                        hit = (clause.strip(), p)
                        break
                if hit:
                    break
            if hit:
                yield self.finding(expected=hit[0], actual=fmt(s), name=i["name"], evidence=hit[1]["text"],
                                   page=i.get("page"))


# what the framework's (财预〔2020〕10号) common level-2 areas cover, in the words a problem list uses
# for a shortcoming there: full marks on 资金管理 sit badly with "资金拨付进度偏慢"
AREA_TERMS = {
    "资金管理": ("资金拨付", "资金支付", "资金使用", "资金到位", "支出进度", "会计核算", "财务管理"),
    "组织实施": ("管理制度", "制度执行", "档案", "台账"),
    "资金投入": ("预算编制", "预算测算", "资金分配"),
    "项目立项": ("立项", "论证"),
    "产出时效": ("推进", "按期", "按时"),
    "满意度": ("满意度",),
    "社会效益": ("宣传", "知晓"),
    "可持续影响": ("长效",),
}

# two generic words that together name a specific area
COMPOUNDS = {"绩效目标", "资金到位", "资金管理", "资金使用", "财务管理", "制度执行", "管理制度", "预算编制", "预算执行",
             "政策宣传", "档案管理", "资金分配"}
