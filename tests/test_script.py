"""Traditional script: matched as simplified, stored and cited in the report's own characters.
Texts are invented (another county, another programme, other figures)."""
from __future__ import annotations

import opencc
import pytest

from extractors.txt import text_to_document
from pipeline import script
from pipeline.flow import process_file

TRAD_REPORT = """關於2022年度寧化縣農村飲水鞏固提升項目績效自評報告
一、項目基本情況
本項目由縣水利局組織實施，年度預算安排資金426.5萬元，實際到位資金426.5萬元，實際支出398.7萬元，預算執行率為93.48%。
二、績效評價結論
經自評，該項目綜合得分91分，評價等級為優。
三、存在的問題
（一）部分資金撥付進度偏慢，影響了工程按期推進。
（二）後續管護機制不夠健全，部分設施維護不及時。
四、建議
（一）加快資金撥付進度，嚴格執行年度預算。
（二）健全管護機制，落實管護責任與經費。
"""


def test_opencc_is_the_pinned_wheel():
    # pyproject pins opencc==1.4.2 (the C++ wheel); the pure-Python reimplementation has the same
    # module name and would shadow it
    assert opencc.OpenCC("t2s").convert("績效評價") == "绩效评价"


def test_detects_traditional_but_not_simplified_text():
    assert script.is_traditional(TRAD_REPORT)
    assert not script.is_traditional(script.t2s(TRAD_REPORT))
    # one traditional name quoted in a simplified report is not a traditional report
    assert not script.is_traditional("本项目参照臺灣地區經驗，" + script.t2s(TRAD_REPORT))


def test_conversion_keeps_length_and_line_breaks():
    text = TRAD_REPORT + "乾燥的裡面於是頭髮\n"      # phrase conversions (乾燥 → 干燥)
    out = script.t2s(text)
    assert len(out) == len(text)
    assert [len(x) for x in out.split("\n")] == [len(x) for x in text.split("\n")]
    assert "绩效自评报告" in out and "預" not in out


def test_simplified_document_is_returned_as_is():
    doc = text_to_document(script.t2s(TRAD_REPORT), "s.txt")
    assert script.simplify(doc) is doc


def test_simplified_copy_aligns_with_the_original():
    doc = text_to_document(TRAD_REPORT, "t.txt")
    new = script.simplify(doc)
    orig = new.meta["original_text"]
    assert orig == doc.text and len(new.text) == len(orig)
    assert "績效" in doc.text and "绩效" not in doc.text               # the input is left as it was
    for b in new.blocks:
        assert new.text[b.start:b.end] == b.text == script.t2s(orig[b.start:b.end])
    i = new.text.index("预算执行率")
    assert orig[i:i + 5] == "預算執行率"


def test_pinyin_annotations_are_dropped():
    text = "臨川縣農村公路養(yǎng)護項目績效評價報告\n一、項目基本情況\n本年度預(yù)算安排資金120萬元。\n"
    assert script.strip_pinyin(text).count("(") == 0
    # a bracketed English word or a plain letter is not an annotation
    assert script.strip_pinyin("方案(a)与计划(plan)") == "方案(a)与计划(plan)"


def test_traditional_report_is_read_and_cited_in_its_own_characters(tmp_path):
    p = tmp_path / "trad.txt"
    p.write_text(TRAD_REPORT, encoding="utf-8")
    res = process_file(p)
    assert res["status"] == "ok", res["error"]
    rec = res["record"]
    assert rec["fiscal_year"] == 2022
    assert rec["county"] == "宁化县"          # matched in simplified: 寧化縣 → 宁化县
    assert rec["allocated_wan"] == 426.5 and rec["spent_wan"] == 398.7
    assert rec["execution_rate_pct"] == 93.48
    assert rec["total_score"] == 91
    assert len(rec["problems"]) == 2 and len(rec["recommendations"]) == 2
    # the stored text is the report's own
    assert "績效自評報告" in res["text"] and "绩效自评报告" not in res["text"]
    # every provenance span points at the original characters and quotes them
    assert rec["provenance"]
    for field, p_ in rec["provenance"].items():
        # a quote of the stored (traditional) text, at the offsets it names
        assert p_["text"] in res["text"].replace("\n", " "), field
        assert script.t2s(res["text"][p_["start"]:p_["end"]]) == script.t2s(res["text"])[p_["start"]:p_["end"]]
    spent = rec["provenance"]["spent_wan"]
    assert "實際支出" in spent["text"] and "实际支出" not in spent["text"]
    assert "398.7" in res["text"][spent["start"]:spent["end"]]
    evid = [s["evidence"] for s in rec["statements"] if s.get("evidence")]
    assert evid and all("预算" not in e and "绩效" not in e for e in evid)


@pytest.mark.parametrize("enc", ["big5", "utf-8"])
def test_traditional_file_in_any_encoding_is_a_report(tmp_path, enc):
    p = tmp_path / f"trad_{enc}.txt"
    p.write_bytes(TRAD_REPORT.encode(enc))
    assert process_file(p)["status"] == "ok"
