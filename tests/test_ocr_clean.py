"""Page clean-up before recognition (extractors/ocr_clean.py) and the scan degrader (corpus/degrade.py),
each on a small synthetic image: the seal goes and the text under it stays, grey and unevenly lit
paper becomes white, the degrader is deterministic and does what each step says."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from corpus import degrade
from extractors import ocr, ocr_clean


def _text_page(w: int = 400, h: int = 300, paper: int = 255) -> np.ndarray:
    """RGB page with black 'text' bars."""
    img = Image.new("RGB", (w, h), (paper,) * 3)
    d = ImageDraw.Draw(img)
    for k in range(6):
        d.rectangle([40, 40 + k * 40, 360, 52 + k * 40], fill=(10, 10, 10))
    return np.asarray(img)


def test_red_seal_is_removed_and_black_text_under_it_stays():
    page = _text_page()
    sealed = degrade.stamp(page, np.random.default_rng(1), dpi=72)   # ~120 px seal over the text
    assert ocr_clean.red_mask(sealed).sum() > 500
    clean = ocr_clean.remove_red(sealed)
    seal_only = ocr_clean.red_mask(sealed) & (page[..., 0] > 128)     # red pixels on paper
    assert clean[seal_only].min() > 150                                 # seal ink is paper now
    text = page[..., 0] < 50
    assert np.percentile(clean[text], 95) < 60                          # text under the seal stays black


def test_uneven_grey_paper_is_flattened_to_white_and_ink_keeps_contrast():
    page = degrade.uneven_light(degrade.grey_paper(_text_page(), 215), 0.4, corner=2)
    gray = page[..., 0]
    flat = ocr_clean.flatten_background(gray, tile=32)
    paper, ink = _text_page()[..., 0] > 128, _text_page()[..., 0] < 50
    assert np.median(gray[paper]) < 215 and np.median(flat[paper]) >= 250
    assert np.median(flat[ink]) < 40


def test_binarization_choice_and_otsu_split_ink_from_paper():
    clean = _text_page()[..., 0]
    assert ocr_clean.choose_binarization(clean) == "none"
    noisy = degrade.add_noise(degrade.grey_paper(_text_page(), 200), 12.0, np.random.default_rng(0))[..., 0]
    assert ocr_clean.choose_binarization(noisy) == "otsu"
    t = ocr_clean.otsu_threshold(noisy)
    assert 40 < t < 190
    b = ocr_clean.binarize(noisy)
    assert set(np.unique(b)) <= {0, 255} and (b[clean < 50] == 0).mean() > 0.95


def _full_page() -> np.ndarray:
    """A 300 dpi A4-sized page of 40 lines of glyph-sized blocks."""
    img = Image.new("L", (1700, 2200), 255)
    d = ImageDraw.Draw(img)
    rng = np.random.default_rng(0)
    for k in range(40):
        x = 150
        while x < 1500:
            w = int(rng.integers(25, 40))
            d.rectangle([x, 150 + k * 48, x + w, 180 + k * 48], fill=20)
            x += w + 8
    return np.asarray(img)


@pytest.mark.parametrize("angle", [0.7, -2.0, 1.25])
def test_deskew_measures_the_degraders_tilt_within_a_fifth_of_a_degree(angle):
    page = degrade.rotate(_full_page(), angle)
    assert abs(ocr._deskew_angle(page) + angle) <= 0.2        # the angle that turns the page back


def test_degrader_is_deterministic_and_image_only(tmp_path):
    from tests.hostile_files import pdf_bytes
    src = tmp_path / "src.pdf"
    src.write_bytes(pdf_bytes("绩效评价报告\n一、基本情况\n项目资金三十万元。"))
    a = degrade.degrade_pdf(src, tmp_path / "a.pdf", "phone", seed=5).read_bytes()
    b = degrade.degrade_pdf(src, tmp_path / "b.pdf", "phone", seed=5).read_bytes()
    c = degrade.degrade_pdf(src, tmp_path / "c.pdf", "phone", seed=6).read_bytes()
    assert a == b and a != c
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(tmp_path / "a.pdf")
    assert pdf[0].get_textpage().get_text_bounded().strip() == ""       # a scan has no text layer
    assert abs(pdf[0].get_width() - 595) < 2                             # page size kept at 150 dpi


def test_degradation_settings_say_what_is_allowed():
    with pytest.raises(ValueError, match="dpi"):
        degrade.Degradation(dpi=20)
    assert degrade.KINDS["office"].dpi == 200 and degrade.KINDS["phone"].seal


def test_only_unevenly_lit_pages_are_flattened():
    even = degrade.grey_paper(_text_page(800, 800), 228)[..., 0]
    phone = degrade.uneven_light(degrade.grey_paper(_text_page(800, 800), 228), 0.35, corner=1)[..., 0]
    assert not ocr_clean.needs_flattening(even)
    assert ocr_clean.needs_flattening(phone)


def _number_crop(text: str) -> np.ndarray:
    from PIL import ImageFont
    img = Image.new("L", (240, 70), 255)
    ImageDraw.Draw(img).text((12, 10), text, fill=0, font=ImageFont.load_default(size=44))
    return np.asarray(img)


def test_second_recogniser_reads_a_number_cell_offline():
    from extractors import ocr_rapid
    assert ocr_rapid.available(), "rapidocr-onnxruntime is a pinned dependency (make setup)"
    (text, score), = ocr_rapid.read_crops([_number_crop("91.38")])
    assert text == "91.38" and score > 0.8


def test_a_number_without_its_decimal_point_stands_out_of_its_table():
    assert ocr._outliers(["19.33", "8.33", "9138", "22.50", "73.66"]) == {2}
    assert ocr._outliers(["20", "20", "30", "30", "100"]) == set()        # whole numbers: nothing lost


def test_debug_dir_receives_the_page_as_the_recogniser_saw_it(tmp_path, monkeypatch):
    monkeypatch.setenv("JIXIAO_OCR_DEBUG_DIR", str(tmp_path / "ocr_pages"))
    ocr._debug_save(Image.fromarray(_full_page()), 7)
    saved = Image.open(tmp_path / "ocr_pages" / "page-007.png")
    assert saved.size == (1700, 2200)


def _words(text: str, conf: float) -> list:
    return [ocr.Word(text, 0, 0, 10, 10, conf, (1, 1, 1))] if text else []


def _second_reader(monkeypatch, readings: dict[str, tuple[str, float]]):
    """The second recogniser stubbed: each crop is a 1×1 array holding the index of its cell."""
    from extractors import ocr_rapid
    monkeypatch.setattr(ocr_rapid, "available", lambda: True)
    monkeypatch.setattr(ocr_rapid, "read_lines", lambda crop: readings.get(int(crop[0, 0]), ("", 0.0)))


def test_a_weak_name_cell_takes_the_second_readers_reading_only_when_it_is_more_words(monkeypatch):
    """A misread indicator name (mostly no dictionary words) gives way to the second reader's
    confident reading; a right first reading, a shorter second one, an unsure one, or a cell
    tesseract read confidently keep what tesseract read."""
    texts = ["资釜到泣率", "政府采购规范性", "合同管理规范程但", "监膂机制健全性", "绩效监控到位率",
             "一级指标", "二级指标"]
    confs = [24, 76, 82, 34, 96, 64, 70]
    readings = {0: ("资金到位率", 0.95), 1: ("攻府采购规范性", 0.86), 2: ("同管理规范程度", 0.9),
                3: ("监督机制健全性", 0.6), 4: ("绩效监控到位", 0.99), 5: ("三级指标", 0.98), 6: ("一级指标", 0.9)}
    _second_reader(monkeypatch, readings)
    crops = [np.full((1, 1), k) for k in range(len(texts))]
    got = list(texts)
    ocr._reread_weak_names(got, [_words(t, c) for t, c in zip(texts, confs)], crops)
    # as many words either way: only a very sure second reading (0.98, not 0.9) is taken
    assert got == ["资金到位率", "政府采购规范性", "合同管理规范程但", "监膂机制健全性", "绩效监控到位率",
                   "三级指标", "二级指标"]


def test_a_blurred_score_read_as_a_scrap_takes_a_confident_number_from_the_second_reader(monkeypatch):
    """Score column: "卫卫" (weak) for a blurred "10" becomes 10; a scrap the second reader reads
    unsure, a scrap outside a number column, and a confidently read word stay as they are."""
    from extractors.ocr_tables import Grid
    rows = [("名称", "得分"), ("甲指标", "8"), ("乙指标", "卫卫"), ("丙指标", "鬲"), ("丁指标", "6.5"), ("戊指标", "优"),
            ("己指标", "4"), ("庚指标", "9.5"), ("辛指标", "3")]
    grid = Grid(ys=list(range(len(rows) + 1)), xs=[0, 1, 2],
                cells=[(r, c, 1, 1) for r in range(len(rows)) for c in range(2)])
    texts = [t for row in rows for t in row]
    confs = {5: 45, 7: 10, 11: 95, 4: 30}       # 卫卫 weak, 鬲 weak, 优 confident, 丙指标 weak (a name)
    _second_reader(monkeypatch, {5: ("10", 0.99), 7: ("1", 0.4), 11: ("9", 0.99), 4: ("7", 0.99)})
    crops = [np.full((1, 1), k) for k in range(len(texts))]
    got, alts = list(texts), {}
    ocr._reread_number_scraps(grid, got, [_words(t, confs.get(k, 90)) for k, t in enumerate(texts)], crops, alts)
    assert got[5] == "10" and alts == {5: {"卫卫"}}       # tesseract's reading kept as evidence
    assert [got[k] for k in (4, 7, 11)] == ["乙指标", "鬲", "优"]


def _cjk_crop(lines: list[str]) -> np.ndarray:
    """A table cell as a scan gives it: Chinese lines in Noto Sans CJK (installed by make test's
    setup-bench) on white."""
    import subprocess

    from PIL import ImageFont
    path = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True, text=True).stdout
    font = ImageFont.truetype(path, 30)
    img = Image.new("L", (40 + 32 * max(len(t) for t in lines), 24 + 44 * len(lines)), 255)
    for i, t in enumerate(lines):
        ImageDraw.Draw(img).text((20, 12 + 44 * i), t, fill=0, font=font)
    return np.asarray(img)


def test_second_recogniser_reads_a_name_cell_wrapped_over_two_lines_in_order():
    from extractors import ocr_rapid
    text, score = ocr_rapid.read_lines(_cjk_crop(["退耕还林补助资金", "发放及时性"]))
    assert text == "退耕还林补助资金发放及时性" and score > 0.8
