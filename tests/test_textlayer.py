"""Text layers that lie: a page whose fonts have no /ToUnicode map decodes to garbage; it must be
judged unreadable and read by OCR (or logged needs_ocr), never logged ``not_a_report``."""
from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pytest

from extractors import ocr, pdf
from extractors.errors import NeedsOCR
from extractors.textlayer import REASON, _is_common_cjk, judge
from corpus.tounicode import strip_tounicode
from tests.hostile_files import pdf_bytes

# invented report text (no seed's names or numbers)
REPORT = ("为加强农村饮水安全工程资金管理，提高财政资金使用效益，受县财政局委托，我所对该项目开展了绩效评价。"
          "评价组通过资料核查、现场勘查和问卷调查等方式，对项目决策、过程、产出和效益进行了全面评价。"
          "项目年度预算安排资金三百万元，实际到位资金二百八十万元，资金到位率百分之九十三。"
          "经综合评价，该项目得分八十七分，评价等级为良。存在的主要问题是部分村组管网维护不及时，"
          "建议进一步健全长效管护机制，落实管护责任和经费。")



def test_real_chinese_text_is_readable():
    v = judge(REPORT)
    assert v.readable, v
    # dense in common characters: trusted without a dictionary look-up (this judge runs on every page)
    assert v.measures["common_cjk"] >= 0.35 and "word_coverage" not in v.measures


def test_real_text_sparse_in_common_characters_is_judged_by_dictionary_words():
    """A page of uncommon words (few of the commonest characters) still passes, on its words."""
    text = "枇杷柠檬榴莲荔枝橄榄葡萄蘑菇萝卜芹菜菠菜茄子韭菜蜿蜒崎岖峡谷溪涧瀑布潺潺" * 3
    v = judge(text)
    assert "word_coverage" in v.measures
    assert v.readable, v


@pytest.mark.parametrize("title,text", [
    ("control characters from codes without a map", "".join(chr(1 + k % 30) for k in range(300))),
    ("punctuation garbage from a shifted map", "!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~" * 10),
    ("accented Latin from a single-byte map", "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâ" * 8),
    ("rare Chinese characters from a wrong map", "".join(chr(0x3400 + k * 7) for k in range(200))),
])
def test_garbled_text_layers_are_unreadable(title, text):
    v = judge(text)
    assert not v.readable, title
    assert v.why


def test_random_common_characters_fail_on_dictionary_words():
    rnd = random.Random(11)
    common = [chr(c) for c in range(0x4e00, 0x9fa5) if _is_common_cjk(chr(c))]
    text = "".join(rnd.choice(common) for _ in range(400))
    v = judge(text)
    assert not v.readable and "dictionary" in v.why


def test_short_or_english_pages_are_not_judged_garbage():
    assert judge("2024年6月").readable                       # too short to judge
    assert judge("CERTIFIED PUBLIC ACCOUNTANTS (SPECIAL GENERAL PARTNERSHIP), Beijing Branch " * 3).readable
    assert judge("项目 | 分值 | 得分\n决策 | 20 | 18.5\n过程 | 20 | 17\n产出 | 40 | 36.25\n效益 | 20 | 19\n合计 | 100 | 90.75").readable


def test_pdf_without_tounicode_is_needs_ocr_not_empty(tmp_path):
    """With OCR switched off a garbled PDF says it needs OCR (and why), instead of passing garbage on."""
    f = tmp_path / "garbled.pdf"
    f.write_bytes(strip_tounicode(pdf_bytes(REPORT * 3)))
    intact = tmp_path / "intact.pdf"
    intact.write_bytes(pdf_bytes(REPORT * 3))
    assert "绩效评价" in pdf.extract(intact, ocr=False).text
    with pytest.raises(NeedsOCR) as e:
        pdf.extract(f, ocr=False)
    assert "Unicode" in str(e.value)


def test_process_file_never_logs_a_garbled_report_not_a_report(tmp_path, monkeypatch):
    from pipeline.flow import process_file
    monkeypatch.setattr(ocr, "available", lambda: False)
    f = tmp_path / "garbled.pdf"
    f.write_bytes(strip_tounicode(pdf_bytes(REPORT * 3)))
    out = process_file(f)
    assert out["status"] == "needs_ocr", out


def test_seed_page_without_tounicode_is_read_by_ocr(seeds, tmp_path):
    """One page of a real seed PDF with its maps stripped renders the same; OCR reads it and the
    document says which page and why."""
    if not ocr.available():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must have tesseract with chi_sim (make setup-ocr)")
        pytest.skip("tesseract with the chi_sim model is not installed (run: make setup-ocr)")
    src = sorted(Path(seeds, "pdf").glob("*.pdf"))[0]
    one = tmp_path / "one.pdf"
    one.write_bytes(strip_tounicode(src.read_bytes(), pages=[0]))
    doc = pdf.extract(one)
    assert doc.meta["ocr_pages"] == [1]
    assert doc.meta["ocr_reasons"][1].startswith(REASON)
    assert any(REASON in w for w in doc.warnings)
    from pipeline.record import build_record
    assert build_record(doc)["ocr_page_reasons"][1].startswith(REASON)
    import pypdfium2 as pdfium
    truth = pdfium.PdfDocument(str(src))[0].get_textpage().get_text_bounded()
    want = {c for c in truth if "\u4e00" <= c <= "\u9fff"}
    got = {c for c in doc.text if "\u4e00" <= c <= "\u9fff"}
    assert len(want & got) >= 0.85 * len(want)
