"""The corpus passes' warehouse path (issue #16 item 3): synthetic records written as shards
(bench/scale.py), loaded, then the passes run through the SQL path (band keys and candidate pairs in
the warehouse, texts streamed) give what the in-memory functions give on the same records, and
find the renditions, copied passages and outliers the generator planted."""
from __future__ import annotations

import pytest

from bench import scale
from pipeline import dedupe, taxonomy
from pipeline.flow import VERSION
from pipeline.ingest import corpus_passes
from pipeline.rules import REGISTRY
from pipeline.rules.corpus import RECORD_FIELDS
from warehouse import corpus
from warehouse.shards import load_shards
from warehouse.store import Warehouse

N = 120


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A warehouse of N synthetic records loaded from shards, its passes run; and the results."""
    tmp = tmp_path_factory.mktemp("scale")
    results = [scale.make_result(7, i) for i in range(N)]
    folder = tmp / "shards"
    from warehouse.shards import ShardWriter
    w = ShardWriter(folder, VERSION)
    for k in range(0, N, 50):
        w.write(results[k:k + 50], "test")
    w.close()
    wh = Warehouse(tmp / "w.duckdb", pipeline_version=VERSION)
    assert load_shards(wh, folder).reports == len({r["doc_id"] for r in results})
    corpus_passes(wh)
    yield wh, results
    wh.close()


def _groups(wh) -> dict[str, tuple]:
    return {d: (g, p, s) for d, g, p, s in wh.con.execute(
        "SELECT doc_id, group_id, is_primary, similarity FROM report_groups").fetchall()}


def test_stored_grouping_equals_the_in_memory_grouping(loaded):
    wh, results = loaded
    items = [dict(r, text=t) for r in corpus.rendition_candidates(wh, dedupe._COMPLETENESS_FIELDS)
             for t in [dict(corpus.texts_of(wh, [r["doc_id"]]))[r["doc_id"]]]]
    assert _groups(wh) == dedupe.group_reports(items)


def test_planted_renditions_are_grouped_and_other_reports_are_not(loaded):
    wh, results = loaded
    groups = _groups(wh)
    assert len(groups) == len({r["doc_id"] for r in results})
    joined = [d for d, (g, p, _) in groups.items() if not p]
    assert joined, "the generator plants renditions; none was grouped"
    for d in joined:
        g = groups[d][0]
        a = wh.con.execute("SELECT county, fiscal_year FROM reports WHERE doc_id = ?", [d]).fetchone()
        b = wh.con.execute("SELECT county, fiscal_year FROM reports WHERE doc_id = ?", [g]).fetchone()
        assert a == b and groups[d][2] >= dedupe.MIN_SIMILARITY
    primaries = sum(1 for _, p, _ in groups.values() if p)
    assert primaries == len(groups) - len(joined)


def test_corpus_rules_from_the_warehouse_equal_the_rules_on_carried_texts(loaded):
    wh, _ = loaded
    stored = sorted(wh.con.execute(
        "SELECT doc_id, rule_id, actual, evidence FROM findings WHERE rule_id IN (?, ?)",
        ["text.duplicate_passage", "compare.cost_per_beneficiary_outlier"]).fetchall())
    recs = corpus.corpus_records(wh)                 # every column, texts carried
    texts = dict(corpus.all_texts(wh))
    for r in recs:
        r["text"] = texts.get(r["doc_id"])
    carried = []
    for rid in ("text.duplicate_passage", "compare.cost_per_beneficiary_outlier"):
        carried += [(f["doc_id"], f["rule_id"], f["actual"], f["evidence"]) for f in REGISTRY[rid].check_corpus(recs)]
    assert stored == sorted(carried)
    assert {"text.duplicate_passage", "compare.cost_per_beneficiary_outlier"} <= {s[1] for s in stored}


def test_lean_records_carry_what_the_corpus_rules_read(loaded):
    wh, _ = loaded
    lean = corpus.corpus_records(wh, RECORD_FIELDS)
    assert lean and set(lean[0]) == set(RECORD_FIELDS)


def test_a_copied_sentence_is_found_in_both_reports():
    """Two reports of other counties, one sentence copied between them (passages streamed in table
    order, not record order)."""
    from pipeline.rules.corpus import DuplicatePassage
    copied = ("该县创新推行项目资金全流程线上审批，将拨付周期由四十五个工作日压缩至十二个工作日，"
              "同步建立乡镇联络员制度和月度通报机制，惠及沿河农户三千二百余户。")
    recs = [{"doc_id": f"d{i}", "report_group": f"d{i}", "county": f"某{i}县", "province": None, "city": None,
             "subject": None} for i in range(4)]
    texts = {"d0": f"第一段说明情况。{copied}", "d1": "另一份报告的内容完全不同，只谈道路养护的里程与频次安排。",
             "d2": f"开头不同的文字内容。{copied}", "d3": "其他单位的材料讲述学生资助的发放流程和时限要求。"}
    found = list(DuplicatePassage().check_corpus(recs, lambda ids: reversed([(d, texts[d]) for d in ids])))
    assert sorted(f["doc_id"] for f in found) == ["d0", "d2"]


def test_category_changes_are_written_in_one_statement(tmp_path):
    """set_problem_categories (a temp table and one UPDATE) changes exactly the named rows."""
    wh = Warehouse(tmp_path / "c.duckdb", pipeline_version=VERSION)
    wh.con.execute("INSERT INTO problems (doc_id, seq, text, category) VALUES ('a', 1, 'x', NULL), "
                   "('a', 2, 'y', NULL), ('b', 1, 'z', '其他问题')")
    corpus.set_problem_categories(wh, [["甲", "a", 2], ["乙", "b", 1]])
    assert wh.con.execute("SELECT doc_id, seq, category FROM problems ORDER BY 1, 2").fetchall() == \
        [("a", 1, None), ("a", 2, "甲"), ("b", 1, "乙")]
    assert taxonomy.refresh_categories(wh) >= 0
    wh.close()


def test_candidate_pairs_read_in_many_slices_equal_one_slice(loaded):
    """The copied-passage search runs slice by slice of reports (so its hash tables stay the size of
    a slice at 10⁵ reports); slices of a few passages give exactly the pairs one slice gives."""
    from pipeline.rules.corpus import DuplicatePassage
    wh, _ = loaded
    rule = DuplicatePassage()
    prim = corpus.corpus_records(wh, RECORD_FIELDS)

    def pairs(part_items: int) -> list[tuple]:
        from warehouse.scratch import PassageScratch
        with PassageScratch() as db:
            rule._load(db, prim, lambda ids: corpus.texts_among(wh, ids))
            assert len(db._slices(part_items)) >= (2 if part_items < 100 else 1)
            return sorted(db.candidate_texts(64, rule.min_shared, part_items=part_items))

    whole = pairs(10 ** 9)
    assert whole, "the generator plants copied sentences: some pairs must be candidates"
    assert pairs(7) == whole
