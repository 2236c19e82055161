"""Logic rules: what the text says against what the numbers say, read clause by clause from
rec["narrative"] with negation and scope (a clause that denies, asks, plans or scores is not a claim)."""
from __future__ import annotations

import re
from typing import Iterator

from .base import Rule
from .common import fmt, num

_SENT = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_CLAUSE = re.compile(r"[，,：:]")

# A clause holding one of these tokens is not a statement that something failed: it denies (未发现…),
# is conditional or a question (如/若/是否), a plan or recommendation (应/要/避免/确保), or a scoring rule (扣分).
SCOPE_TOKENS = {"如", "若", "如果", "假如", "一旦", "是否", "有无", "避免", "防止", "杜绝", "确保", "保证", "应", "应当",
                "应该", "需", "需要", "须", "必须", "要", "要求", "扣", "扣分", "得分", "分值", "评分", "不得", "严禁", "以免",
                # a method described (对…未到位的原因进行分析) or an alternative (或) is not a finding
                "或", "或者", "分析", "追溯", "梳理", "核实", "评判", "判断"}
DENIALS = ("未发现", "没有发现", "未见", "不存在", "无", "并非", "杜绝", "未出现", "没有出现")
SKIP_SECTIONS = ("建议", "措施", "评分标准", "指标解释", "评价标准", "评价方法", "评价原则", "评价思路", "技术路线",
                 "评价内容", "评价重点", "工作方案")


def clauses(rec: dict) -> Iterator[tuple[str, str, dict]]:
    """(clause, sentence, narrative item) in reading order, skipping recommendation/method sections."""
    for item in rec.get("narrative") or []:
        if not isinstance(item, dict) or not item.get("text"):
            continue
        if any(k in (item.get("section") or "") for k in SKIP_SECTIONS):
            continue
        text = re.sub(r"\s+", "", item["text"])
        for sent in _SENT.findall(text):
            for cl in _CLAUSE.split(sent.rstrip("。！？!?；;")):
                if cl:
                    yield cl, sent, item


def in_scope(clause: str, start: int) -> bool:
    """True when the failure phrase at ``start`` is asserted: no denial, condition, plan or scoring word
    before it in the clause."""
    import jieba
    head = clause[:start]
    if any(d in clause for d in DENIALS if d != "无") or re.search(r"(^|[^并])无(?!法)", head):
        return False
    return not (set(jieba.lcut(clause)) & SCOPE_TOKENS)


def _pct(a, b) -> float | None:
    a, b = num(a), num(b)
    return a / b * 100 if a is not None and b else None


# the project's work not carried out: 未实施 / 尚未开展 / 未按照计划开展 / 未完成 (not 未及时完成: that is lateness)
UNDONE = re.compile(r"(尚未|未能|未|没有)(按照?计划|按期)?(全部|全面)?(开展|实施|完成|启动|执行)")
WORK_NOUNS = ("项目", "工作", "任务", "计划", "建设", "活动", "工程")
PARTIAL = ("部分", "个别", "少数", "一些", "有的", "少量")


class FullExecutionUnimplemented(Rule):
    id = "logic.full_execution_unimplemented"
    severity = "error"
    doc = "funds reported (nearly) fully spent while the text says the work was not carried out / not completed"
    template = "报告称资金已支出{expected}%，但文中写明“{actual}”，资金用途与项目实施情况矛盾，请核实支出去向。"
    min_execution_pct = 95.0

    def _spent_pct(self, rec: dict) -> float | None:
        cands = [num(rec.get("execution_rate_pct")), _pct(rec.get("spent_wan"), rec.get("received_wan")),
                 _pct(rec.get("spent_wan"), rec.get("allocated_wan"))]
        cands = [c for c in cands if c is not None]
        return max(cands) if cands else None

    def check(self, rec: dict) -> Iterator[dict]:
        spent = self._spent_pct(rec)
        if spent is None or spent < self.min_execution_pct:
            return
        for cl, sent, item in clauses(rec):
            m = UNDONE.search(cl)
            if not m or not any(w in cl for w in WORK_NOUNS) or any(p in cl for p in PARTIAL):
                continue
            if "的" in cl[m.end():]:
                continue  # attributive: 未实施…的企业 describes something else
            if not in_scope(cl, m.start()):
                continue
            yield self.finding(expected=fmt(spent), actual=cl, evidence=sent, page=item.get("page"))
            return  # one finding per report: the reviewer reads the section anyway


# funds did not arrive: 资金未到位 / 补助资金未落实到位 / 经费未拨付 / 资金不到位
NOT_IN_PLACE = re.compile(r"(资金|经费|款项|补助金|预算)(?P<mid>[^，,；;。]{0,4}?)(尚未|未能|未|没有|不)"
                          r"(?P<late>(?:及时|按时|足额|全部|全额)*)(落实)?(到位|拨付|下达|拨付到位)")
NOT_FUNDS_MID = ("制度", "执行", "管理", "监管", "使用", "绩效", "核算")


class FundsNotInPlaceButSpent(Rule):
    id = "logic.funds_not_in_place_but_spent"
    severity = "error"
    doc = "the text says funds did not arrive while spending or arrival is reported in full (late arrival: info)"
    template = "文中写明“{actual}”，但报告的到位/支出比例为{expected}%，资金到位情况前后矛盾，请核实资金是否到位。"
    min_full_pct = 95.0

    def _full_pct(self, rec: dict) -> float | None:
        arrival = _pct(rec.get("received_wan"), rec.get("allocated_wan"))
        if arrival is None:
            arrival = num(rec.get("arrival_rate_pct"))
        spent_alloc = _pct(rec.get("spent_wan"), rec.get("allocated_wan"))
        cands = [c for c in (arrival, spent_alloc) if c is not None]
        if arrival is None:  # without arrival, a stated execution rate is all we know
            cands.append(num(rec.get("execution_rate_pct")) or 0.0)
        return max(cands) if cands else None

    def check(self, rec: dict) -> Iterator[dict]:
        full = self._full_pct(rec)
        if full is None or full < self.min_full_pct:
            return
        for cl, sent, item in clauses(rec):
            m = NOT_IN_PLACE.search(cl)
            if not m or any(w in m.group("mid") for w in NOT_FUNDS_MID) or not in_scope(cl, m.start()):
                continue
            if m.group(3) == "不" and m.group("mid"):
                continue  # "经费落实不到位" is the idiom for poor follow-through, "资金不到位" is a fact
            # 未及时到位 (late) is consistent with full arrival by year end: tell, do not alarm
            late = m.group("late") or ""
            sev = "info" if late and not re.search(r"足额|全部|全额", late) else None
            yield self.finding(expected=fmt(full), actual=cl, evidence=sent, page=item.get("page"), severity=sev)
            return
