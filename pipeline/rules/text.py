"""text.offtopic_boilerplate: a passage copied from another programme's report.

The signal is the report's own vocabulary, not a list of phrases. A passage is flagged when it names a
fund or programme (…专项资金 / …补助资金 / …项目 / …工程) whose distinctive words (a) occur nowhere else in
the report, (b) share nothing with the report's title/programme and (c) are a clear majority of the
name — i.e. the passage talks about a programme this report is not about. Words every report uses
(管理, 工作, 全省, 使用 …: low jieba IDF, or a fund/programme head word) never count as distinctive.
Policy titles in 《》 and the basis / annex sections are skipped: citing another programme's rules is normal.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Iterator

from .base import Rule

# heads of a programme's name; bare 资金/经费 are left out: "违规支出资金" is an action, not a programme
HEADS = ("专项资金", "补助资金", "专项经费", "工作经费", "项目资金", "项目", "工程")
HEAD_WORDS = {"专项", "资金", "补助", "经费", "项目", "工程", "工作"}
SKIP_SECTIONS = ("依据", "附件", "佐证", "附表", "政策")
# walking back from a head stops at these: they end the modifier chain of a name
BOUNDARY = {"的", "了", "和", "与", "及", "以及", "对", "为", "在", "将", "把", "用于", "使用", "明确", "发挥", "加强",
            "规范", "严格", "按照", "根据", "做好", "完善", "落实", "本", "该", "此", "各", "其", "是", "有", "从",
            "提高", "提升", "保障", "确保", "通过", "结合", "审核", "收集", "申报", "拨付", "管理", "负责"}
_CJK = re.compile(r"^[\u4e00-\u9fff]{2,}$")


@lru_cache(maxsize=1)
def _idf() -> tuple[dict, float]:
    import jieba.analyse
    t = jieba.analyse.default_tfidf
    return t.idf_freq, t.median_idf


def content_words(text: str) -> list[str]:
    import jieba
    return [w for w in jieba.lcut(text) if _CJK.match(w)]


def _inside_own_place(text: str, start: int, end: int, rec: dict) -> bool:
    """Does the span overlap a mention of the report's own county, city or province?"""
    for name in (rec.get("county"), rec.get("city"), rec.get("province")):
        if name and any(o.start() < end and start < o.end() and (o.start(), o.end()) != (start, end)
                        for o in re.finditer(re.escape(name), text)):
            return True
    return False


def find_clause(text: str, pos: int) -> str:
    a = max(text.rfind(c, 0, pos) for c in "，。；") + 1
    ends = [i for i in (text.find(c, pos) for c in "，。；") if i != -1]
    return text[a:min(ends) if ends else len(text)][:40]


class OfftopicBoilerplate(Rule):
    id = "text.offtopic_boilerplate"
    severity = "warning"
    doc = "a passage naming a fund/programme whose words appear nowhere else in the report and not in its title"
    template = "该段落提到“{actual}”，与本报告评价的项目（{expected}）无关，疑似从其他项目报告套用，请核对并删改。"
    min_passage_chars = 40   # shorter text is a heading or a list item: too little to judge
    min_foreign_words = 3    # distinctive words of the name that the rest of the report never uses
    min_foreign_share = 0.6  # of the name's distinctive words
    min_idf = 6.0            # below this a word is everyday administrative language (jieba IDF)

    def check(self, rec: dict) -> Iterator[dict]:
        items = [n for n in rec.get("narrative") or [] if isinstance(n, dict) and n.get("text")]
        if not items:
            return
        idf, med = _idf()
        texts = [re.sub(r"\s+", "", n["text"]) for n in items]
        # "used elsewhere in the report" is a substring count over the whole text: no need to
        # tokenise every passage (that was most of this rule's time)
        whole = "\n".join(texts)
        topic_src = " ".join(str(rec.get(k) or "") for k in ("title", "programme", "subject"))
        topic = set(content_words(topic_src))
        if not topic:  # no title read: the report's own most frequent distinctive words stand in
            doc = Counter(w for t in texts for w in content_words(t))
            topic = {w for w, n in doc.most_common(60) if n >= 3 and idf.get(w, med) >= self.min_idf}
        for item, text in zip(items, texts):
            if item.get("kind") == "heading" or len(text) < self.min_passage_chars or any(k in (item.get("section") or "") for k in SKIP_SECTIONS):
                continue
            bare = re.sub(r"《[^》]*》", "", text)
            name = self._foreign_name(bare, text, whole, topic, idf, med) or self._foreign_place(bare, rec, texts)
            if name:
                yield self.finding(expected=(rec.get("title") or "、".join(sorted(topic)[:5]))[:60], actual=name,
                                   evidence=text, page=item.get("page"))
                return  # one passage is enough to send the reviewer to the copied text

    def _foreign_place(self, text: str, rec: dict, texts: list[str]) -> str | None:
        """The passage is about a programme in another county: it names a county-level place that is
        not the report's (nor inside the report's city when it is a city-level report), the place
        appears nowhere else in the report, and the passage talks about funds or a project."""
        if not rec.get("province") or not re.search(r"资金|项目|工程|经费", text):
            return None
        from pipeline.record import region
        for start, end, form in region.find_counties(text):
            if len(form) < 3 or not form.endswith(("县", "区", "市", "旗")):
                continue
            places = region.places_of(form)
            if any(p.county == rec.get("county") or (rec.get("county") is None and p.city == rec.get("city"))
                   or p.city == rec.get("city") and p.county is None for p in places):
                continue
            if any(c.city == form for c in places):
                continue
            if _inside_own_place(text, start, end, rec):
                continue        # "港南区" read out of the report's own "香港南区"
            if sum(t.count(form) for t in texts) > text.count(form):
                continue        # named elsewhere too: a neighbour the report really deals with
            return form + "：" + find_clause(text, start)
        return None

    def _foreign_name(self, text: str, own: str, whole: str, topic: set, idf: dict, med: float) -> str | None:
        import jieba
        for clause in re.split(r"[，,。；;：:！？、（）()]", text):
            if not any(h in clause for h in HEADS):
                continue        # no 项目/资金/工程 head in it: no programme named (and no jieba call)
            toks = jieba.lcut(clause)
            for i, t in enumerate(toks):
                if t not in HEADS:
                    continue
                name: list[str] = []
                for w in reversed(toks[max(0, i - 12):i]):
                    if w in BOUNDARY or not _CJK.match(w) and not re.match(r"^[\u4e00-\u9fff]$", w):
                        break
                    name.insert(0, w)
                distinct = [w for w in name if _CJK.match(w) and w not in HEADS and w not in HEAD_WORDS and idf.get(w, med) >= self.min_idf]
                if not distinct or set(distinct) & topic:
                    continue
                foreign = [w for w in distinct if whole.count(w) == own.count(w)]     # named in this passage only
                if len(set(foreign)) >= self.min_foreign_words and len(foreign) / len(distinct) >= self.min_foreign_share:
                    return "".join(name) + t
        return None
