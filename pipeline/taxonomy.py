"""Problem taxonomy: a problem sentence → a stable category with a readable Chinese label.

``categorize(text)`` is deterministic and needs nothing but the text: each known category has
cue words (jieba tokens or substrings) and a few prototype phrasings; a text gets the category
with the most weighted cues, ties and cue-less texts decided by rapidfuzz similarity to the
prototypes. A text matching nothing is ``OTHER``.

``assign_categories(texts)`` does the same for a whole corpus and then clusters the OTHER texts
by similarity of their keywords, so recurring new kinds of problem become categories of their own,
labelled ``其他：kw1、kw2`` by their most frequent keywords. ``refresh_categories(con)`` applies
that to the warehouse's ``problems`` table after an ingest.
"""
from __future__ import annotations

import re
from collections import Counter

import jieba
import jieba.analyse
from rapidfuzz import fuzz, process

from warehouse import corpus as store

OTHER = "其他问题"

# label → (cue words: a hit on any adds its weight; prototype sentences for fuzzy matching).
# Order matters only for ties: the more specific categories come first.
CATEGORIES: dict[str, tuple[dict[str, float], list[str]]] = {
    "绩效目标设置不合理": ({"绩效目标": 2, "目标设置": 3, "指标设置": 3, "目标值": 2, "细化量化": 3, "量化": 1.5,
                          "可衡量": 2, "不明确": 1, "不合理": 1, "不够具体": 1.5, "不清晰": 1, "指标体系": 2,
                          "年度目标": 2, "目标不": 2},
                         ["绩效目标设置不够明确", "绩效指标未细化量化", "绩效目标不清晰，指标设置不合理"]),
    "预算执行率偏低/资金使用进度慢": ({"执行率": 3, "执行进度": 3, "支出进度": 3, "使用进度": 3, "结余": 2,
                                   "结转": 2, "滞留": 2, "沉淀": 2, "闲置": 2, "未支出": 2, "未使用": 2,
                                   "使用率": 2, "执行缓慢": 3, "偏低": 1, "未及时使用": 3},
                                  ["预算执行率偏低", "资金使用进度缓慢，大量资金结余", "资金支出进度慢"]),
    "资金拨付/发放不及时": ({"拨付": 3, "下达": 1.5, "发放": 2, "到位": 2, "不及时": 1, "滞后": 1,
                           "延迟": 1.5, "未到位": 3, "到位率": 2, "兑付": 2, "拨付不及时": 2, "发放不及时": 2},
                          ["资金拨付不及时", "补助资金发放滞后", "资金未按时到位"]),
    "资金使用/核算不规范": ({"挤占": 3, "挪用": 3, "核算": 2, "报销": 2, "凭证": 2, "超范围": 3, "专款专用": 3,
                           "票据": 2, "账务": 2, "开支": 1.5, "列支": 2, "不规范": 1,
                           "支出方式": 3, "用途": 2, "用于支付": 2.5, "支付": 1, "资金使用": 1.5},
                          ["资金使用不规范，存在超范围支出", "会计核算不规范", "未做到专款专用"]),
    "实施方案/管理制度不健全": ({"制度": 2, "管理办法": 3, "实施方案": 3, "实施细则": 3, "不健全": 2, "不完善": 1.5,
                              "机制": 1.5, "办法": 1, "职责": 1.5, "分工": 1.5, "未制定": 2, "缺乏": 0.5,
                              "工作计划": 2.5, "计划性": 2.5, "工作方案": 3},
                             ["项目管理制度不健全", "未制定项目实施方案", "管理机制不完善，职责分工不明确"]),
    "档案/资料管理不规范": ({"档案": 3, "资料": 2, "台账": 3, "归档": 3, "佐证": 2.5, "记录": 1, "留存": 2,
                           "不完整": 1, "不齐全": 1.5, "整理": 1},
                          ["档案资料管理不规范", "佐证资料不齐全", "未建立台账，资料归档不完整"]),
    "监督检查不到位": ({"监督": 3, "监管": 3, "检查": 2, "跟踪": 2, "督导": 3, "考核": 1.5, "不到位": 1,
                       "绩效监控": 3, "自评": 1},
                      ["监督检查不到位", "缺乏对项目的跟踪监管", "绩效监控不到位"]),
    "项目未按期完成": ({"未完成": 2.5, "未按期": 3, "按期": 1.5, "进度滞后": 3, "延期": 3, "未实施": 2.5,
                       "未开展": 2, "未落实": 1.5, "工期": 2, "完成率": 1.5, "尚未": 1.5,
                       "未及时完成": 3, "未能完成": 3},
                      ["项目未按期完成", "项目实施进度滞后", "部分工作尚未开展"]),
    "政策宣传不足/满意度偏低": ({"宣传": 3, "知晓": 3, "知晓率": 3, "满意度": 3, "满意": 2, "群众": 1,
                              "政策解读": 3, "培训": 1.5, "认知": 1.5},
                             ["政策宣传不到位", "群众对政策知晓率低", "受益对象满意度偏低"]),
    "效益不明显/可持续性不足": ({"效益": 2, "长效": 3, "可持续": 3, "后续": 1.5, "维护": 1.5, "管护": 3,
                              "效果不明显": 3, "成效": 1.5, "带动": 1.5},
                             ["项目效益不明显", "缺乏长效管护机制", "可持续影响不足"]),
}

MIN_CUE_SCORE = 2.5        # below this, the cue words alone do not decide
MIN_PROTO_SIMILARITY = 75  # rapidfuzz partial_ratio to a prototype
CLUSTER_SIMILARITY = 50    # token_set_ratio between two OTHER texts' keyword strings
_STOP = set("的 了 和 与 及 或 在 对 等 未 不 是 有 为 中 其 该 部分 存在 问题 情况 方面 工作 项目 相关 进行 一定 较 "
            "仍 尚 个别 没有 一是 二是 三是 四是 五是".split())
_ENUM = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十\d]+[)）、.．]\s*)+")
_PROTOS = [(label, p) for label, (_, protos) in CATEGORIES.items() for p in protos]


def _clean(text: str) -> str:
    return _ENUM.sub("", (text or "").strip())


def _cue_scores(text: str) -> dict[str, float]:
    scores = {}
    for label, (cues, _) in CATEGORIES.items():
        s = sum(w for cue, w in cues.items() if cue in text)
        if s:
            scores[label] = s
    return scores


def categorize(text: str) -> str:
    """The category label of one problem text (``OTHER`` when no category fits)."""
    t = _clean(text)
    if not t:
        return OTHER
    # the problem's own statement (its first clause) decides; the detail after it only breaks silence
    first = re.split(r"[。；;：:]", t, maxsplit=1)[0][:120]
    head = t[:120]
    scores = _cue_scores(first)
    if not scores or max(scores.values()) < MIN_CUE_SCORE:
        scores = _cue_scores(head)
    if scores:
        best = max(scores.values())
        if best >= MIN_CUE_SCORE:
            tied = [lb for lb, s in scores.items() if s == best]
            if len(tied) == 1:
                return tied[0]
            return max(tied, key=lambda lb: (max(fuzz.partial_ratio(p, head) for p in CATEGORIES[lb][1]),
                                             -list(CATEGORIES).index(lb)))
    hit = process.extractOne(head, [p for _, p in _PROTOS], scorer=fuzz.partial_ratio)
    if hit and hit[1] >= MIN_PROTO_SIMILARITY:
        return _PROTOS[hit[2]][0]
    if scores and max(scores.values()) >= MIN_CUE_SCORE / 2:
        return max(scores, key=lambda lb: (scores[lb], -list(CATEGORIES).index(lb)))
    return OTHER


def keywords(text: str, k: int = 5) -> list[str]:
    """Content words of a text, most characteristic first (jieba TF-IDF, stop words removed)."""
    words = [w for w in jieba.analyse.extract_tags(_clean(text), topK=k * 3) if w not in _STOP and len(w) > 1
             and not re.fullmatch(r"[\d.%％]+", w)]
    return words[:k]


def assign_categories(texts: list[str]) -> list[str]:
    """Categories for a corpus of problem texts: the known ones by ``categorize``; the rest grouped
    by keyword similarity, each group of two or more named by its most frequent keywords."""
    labels = [categorize(t) for t in texts]
    named = name_others({_clean(t) for t, lb in zip(texts, labels) if lb == OTHER and _clean(t)})
    return [named.get(_clean(t), lb) if lb == OTHER else lb for t, lb in zip(texts, labels)]


def name_others(others: set[str]) -> dict[str, str]:
    """Cleaned OTHER texts → ``其他：kw1、kw2`` for those in a group of two or more with similar
    keywords (greedy, in sorted order: deterministic); a text in no group is left out."""
    kws = {t: keywords(t) for t in sorted(others)}
    clusters: list[list[str]] = []
    for t in kws:
        key = " ".join(kws[t])
        for c in clusters:
            if key and fuzz.token_set_ratio(key, " ".join(kws[c[0]])) >= CLUSTER_SIMILARITY:
                c.append(t)
                break
        else:
            clusters.append([t])
    named: dict[str, str] = {}
    for c in clusters:
        if len(c) < 2:
            continue
        counts = Counter(w for t in c for w in kws[t])
        top = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]]
        if top:
            for t in c:
                named[t] = "其他：" + "、".join(top)
    return named


def _replaceable(old: str | None) -> bool:
    """A category the problems family set is kept; a missing or OTHER one is (re)assigned."""
    return old is None or old == OTHER or old.startswith("其他：")


def refresh_categories(db) -> int:
    """Fill ``problems.category`` where missing and re-cluster the uncategorised ones across the
    corpus (``db``: the Warehouse); returns the number of rows changed. The rows are streamed and
    the changes written in batches: only the OTHER texts (to cluster them) are held, so memory
    grows with the corpus's unknown kinds of problem, not with its problems."""
    others: dict[str, list[tuple]] = {}         # cleaned OTHER text → its (doc_id, seq, old) rows
    with store.CategoryChanges(db) as out:
        for d, s, text, old in store.iter_problem_rows(db):
            lb = categorize(text or "")
            if lb == OTHER and _clean(text):
                others.setdefault(_clean(text), []).append((d, s, old))
            elif _replaceable(old) and old != lb:
                out.add(lb, d, s)
        named = name_others(set(others))
        for t, rows in others.items():
            lb = named.get(t, OTHER)
            for d, s, old in rows:
                if _replaceable(old) and old != lb:
                    out.add(lb, d, s)
        return out.count
