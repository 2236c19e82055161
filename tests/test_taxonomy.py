"""pipeline.taxonomy: problem texts → stable readable categories; unknown ones clustered."""
from __future__ import annotations

import pytest

from pipeline.taxonomy import CATEGORIES, OTHER, assign_categories, categorize, refresh_categories

CASES = [
    ("（一）绩效目标设置不够细化量化，部分指标无法衡量", "绩效目标设置不合理"),
    ("2.预算执行率偏低。截至年底资金结余较多", "预算执行率偏低/资金使用进度慢"),
    ("资金支出进度缓慢，大量资金沉淀在镇级账户", "预算执行率偏低/资金使用进度慢"),
    ("补助资金拨付不及时，个别镇街延迟发放", "资金拨付/发放不及时"),
    ("未按规定编制项目工作方案和管理细则", "实施方案/管理制度不健全"),
    ("三是管理制度不健全，职责分工不明确", "实施方案/管理制度不健全"),
    ("政策宣传力度不足，群众知晓率不高", "政策宣传不足/满意度偏低"),
    ("档案资料管理不规范，佐证材料不齐全", "档案/资料管理不规范"),
    ("主管部门对项目的跟踪监管不到位", "监督检查不到位"),
    ("项目未及时完成，部分工程进度滞后", "项目未按期完成"),
    ("存在超范围列支、挤占挪用专项资金的情况", "资金使用/核算不规范"),
    ("缺乏长效管护机制，项目可持续性不足", "效益不明显/可持续性不足"),
    ("", OTHER),
]


@pytest.mark.parametrize("text,label", CASES, ids=[c[1] + ":" + c[0][:12] for c in CASES])
def test_categorize_known_problems(text, label):
    assert categorize(text) == label


def test_labels_are_readable_chinese_and_categorize_is_deterministic():
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in lb) for lb in CATEGORIES)
    texts = [t for t, _ in CASES]
    assert [categorize(t) for t in texts] == [categorize(t) for t in texts]


def test_unknown_problems_recurring_across_reports_form_a_keyword_category():
    texts = ["信息系统数据更新不及时，数据共享程度低", "信息系统数据共享不足，数据更新滞后",
             "部门之间信息系统数据未能共享", "补助标准多年未调整"]
    labels = assign_categories(texts)
    assert labels[0] == labels[1] == labels[2] and labels[0].startswith("其他：")
    assert "数据" in labels[0] or "信息系统" in labels[0]
    assert labels[3] == OTHER                      # a one-off stays unnamed
    assert assign_categories(list(reversed(texts))) == list(reversed(labels))


def test_refresh_fills_missing_categories_and_keeps_ones_already_set(tmp_path):
    import duckdb
    con = duckdb.connect(str(tmp_path / "p.duckdb"))
    con.execute("CREATE TABLE problems (doc_id VARCHAR, seq INTEGER, text VARCHAR, category VARCHAR, page INTEGER)")
    con.executemany("INSERT INTO problems VALUES (?, ?, ?, ?, NULL)", [
        ["a", 1, "预算执行率偏低", None], ["a", 2, "政策宣传不到位", "自定义类"], ["b", 1, "档案管理混乱", OTHER]])
    assert refresh_categories(con) == 2
    got = dict(((d, s), c) for d, s, c in con.execute("SELECT doc_id, seq, category FROM problems").fetchall())
    assert got == {("a", 1): "预算执行率偏低/资金使用进度慢", ("a", 2): "自定义类", ("b", 1): "档案/资料管理不规范"}


def test_streamed_refresh_written_in_batches_equals_the_whole_corpus_assignment(monkeypatch):
    """refresh_categories streams the rows and writes its changes in batches (so it holds only the
    unknown kinds of problem at 10⁵ reports); with batches of two it stores exactly what
    assign_categories gives on all the texts at once, recurring unknown kinds clustered."""
    import duckdb

    from warehouse import corpus
    monkeypatch.setattr(corpus.CategoryChanges, "FLUSH", 2)
    texts = [t for t, _ in CASES if t] + [f"信息平台数据对接不畅，{k}个站点的数据需人工重复录入" for k in (3, 5, 9)] + \
        [f"服务机构人员变动频繁，全年更换服务人员{k}名" for k in (2, 4)]
    con = duckdb.connect()
    con.execute("CREATE TABLE problems (doc_id VARCHAR, seq INTEGER, text VARCHAR, category VARCHAR, page INTEGER)")
    con.executemany("INSERT INTO problems VALUES (?, ?, ?, NULL, NULL)",
                    [[f"r{i // 3}", i % 3, t] for i, t in enumerate(texts)])
    assert refresh_categories(con) == len(texts)
    got = {(d, s): c for d, s, c in con.execute("SELECT doc_id, seq, category FROM problems").fetchall()}
    want = {(f"r{i // 3}", i % 3): lb for i, lb in enumerate(assign_categories(texts))}
    assert got == want
    assert sum(lb.startswith("其他：") for lb in got.values()) == 5
