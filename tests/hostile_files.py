"""Generators of hostile and broken input files, written into a folder at test time (no binary
blobs in the repository). Each ``make_*`` writes one file and returns its path.

The "good" reports are synthetic: invented sentences and figures in the shape of a Chinese
performance-evaluation report (绩效评价报告), not copied from any real report."""
from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

DIMENSIONS = ("决策", "过程", "产出", "效益")
WEIGHTS = (20, 20, 30, 30)


def good_report_text(i: int = 0, traditional: bool = False) -> str:
    """A small synthetic evaluation report; ``i`` varies the figures so every one is distinct."""
    rnd = random.Random(i)
    scores = [round(w * rnd.uniform(0.7, 1.0), 1) for w in WEIGHTS]
    total = round(sum(scores), 1)
    grade = "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"
    budget = round(50 + rnd.random() * 200, 2)
    got = round(budget * rnd.uniform(0.8, 1.0), 2)
    spent = round(got * rnd.uniform(0.6, 1.0), 2)
    rows = "\n".join(f"{d}\t{w}\t{s}" for d, w, s in zip(DIMENSIONS, WEIGHTS, scores))
    text = f"""第{i + 1}号示范项目支出绩效评价报告

一、基本情况
本项目由县农业农村局组织实施，年度预算安排资金{budget}万元，实际到位资金{got}万元，实际支出资金{spent}万元。项目资金主要用于改善乡村道路与灌溉设施，受益农户约{300 + i}户，项目按计划有序推进。

二、绩效评价结论
评价小组依据绩效评价指标体系对项目进行综合评分，项目绩效评价总分为{total}分，评价等级为{grade}。

一级指标\t分值\t得分
{rows}
合计\t100\t{total}

三、存在的问题
（一）部分资金拨付进度偏慢，影响了工程按期推进。
（二）绩效目标设置不够细化，部分指标难以量化考核。

四、建议
（一）加快资金拨付进度，严格执行年度预算。
（二）细化绩效目标，完善评价指标体系，加强项目管理与监督检查。
"""
    if traditional:
        text = text.translate(str.maketrans(TRAD))
    return text


# simplified → traditional for the characters the report uses (enough to need Big5)
TRAD = {"项": "項", "绩": "績", "评": "評", "价": "價", "报": "報", "况": "況", "农": "農", "实": "實",
        "预": "預", "资": "資", "际": "際", "计": "計", "划": "劃", "结": "結", "论": "論", "组": "組",
        "据": "據", "标": "標", "体": "體", "系": "係", "进": "進", "综": "綜", "级": "級", "问": "問",
        "题": "題", "门": "門", "拨": "撥", "响": "響", "设": "設", "细": "細", "难": "難", "考": "考",
        "议": "議", "严": "嚴", "执": "執", "行": "行", "监": "監", "督": "督", "检": "檢", "查": "查",
        "县": "縣", "织": "織", "户": "戶", "约": "約", "乡": "鄉", "灌": "灌", "为": "為", "优": "優",
        "产": "產", "益": "益", "决": "決", "过": "過", "值": "值", "总": "總", "号": "號", "范": "範",
        "务": "務", "场": "場", "据": "據", "现": "現", "应": "應", "达": "達", "时": "時", "发": "發",
        "个": "個", "来": "來", "对": "對", "这": "這", "与": "與", "设": "設", "态": "態", "样": "樣",
        "善": "善", "种": "種", "数": "數", "规": "規", "则": "則", "还": "還", "问": "問", "题": "題",
        "节": "節", "录": "錄", "管": "管", "理": "理", "按": "按", "有": "有", "序": "序", "推": "推",
        "偏": "偏", "慢": "慢", "程": "程", "期": "期", "强": "強", "年": "年", "度": "度", "加": "加",
        "快": "快", "完": "完", "效": "效", "业": "業", "够": "夠"}
TRAD = {k: v for k, v in TRAD.items() if len(k) == 1}

NOT_A_REPORT = """家常番茄炒蛋的做法

准备两个番茄和三个鸡蛋。番茄洗净切块，鸡蛋打散后加少许盐。锅中倒油烧热，先把鸡蛋炒到凝固盛出，
再下番茄翻炒出汁，放入炒好的鸡蛋，加一点糖调味，翻炒均匀即可出锅。这道菜酸甜可口，老少皆宜，
适合搭配米饭。周末在家做饭的时候，不妨试一试，再配上一碗清淡的青菜汤，营养又美味。
""" * 3


def before_reading(monkeypatch, name: str, act) -> None:
    """Make the workers call ``act()`` before they read the file called ``name`` (hang, die, …);
    every other file is read as usual. Workers are forked, so they inherit the patch."""
    import pipeline.runner as runner
    real = runner.process_file

    def patched(path, *a, **k):
        if Path(path).name == name:
            act()
        return real(path, *a, **k)
    monkeypatch.setattr(runner, "process_file", patched)


def write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


# ---------------------------------------------------------------- PDF (hand-written, CJK via ToUnicode)

def pdf_bytes(text: str, lines_per_page: int = 45, wrap: int = 40) -> bytes:
    """A PDF whose text layer holds ``text`` (any Unicode): a non-embedded Type0 font with
    Identity-H codes and a ToUnicode map, so text extraction returns the characters exactly."""
    lines: list[str] = []
    for ln in text.replace("\t", "  ").split("\n"):
        while len(ln) > wrap:
            lines.append(ln[:wrap])
            ln = ln[wrap:]
        lines.append(ln)
    chars = sorted({c for ln in lines for c in ln})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    pages = [lines[k:k + lines_per_page] for k in range(0, max(len(lines), 1), lines_per_page)]
    objs: dict[int, bytes] = {}
    n_pages = len(pages)
    font_id, desc_id, tounicode_id, fd_id = 3, 4, 5, 6
    first_page = 7
    kids = " ".join(f"{first_page + 2 * k} 0 R" for k in range(n_pages))
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[2] = f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode()
    objs[font_id] = (f"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
                     f"/DescendantFonts [{desc_id} 0 R] /ToUnicode {tounicode_id} 0 R >>").encode()
    objs[desc_id] = (f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo "
                     f"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {fd_id} 0 R "
                     f"/DW 1000 /CIDToGIDMap /Identity >>").encode()
    bf = "\n".join(f"<{cid[c]:04X}> <{''.join(f'{u:04X}' for u in _utf16_units(c))}>" for c in chars)
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{len(chars)} beginbfchar\n{bf}\nendbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end")
    objs[tounicode_id] = _stream(cmap.encode())
    objs[fd_id] = (b"<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -200 1000 900] "
                   b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>")
    for k, page_lines in enumerate(pages):
        pid, cid_ = first_page + 2 * k, first_page + 2 * k + 1
        ops = ["BT", f"/F1 11 Tf 14 TL 40 800 Td"]
        for ln in page_lines:
            ops.append("<" + "".join(f"{cid[c]:04X}" for c in ln) + "> Tj T*")
        ops.append("ET")
        objs[pid] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                     f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {cid_} 0 R >>").encode()
        objs[cid_] = _stream("\n".join(ops).encode())
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objs):
        offsets[num] = out.tell()
        out.write(f"{num} 0 obj\n".encode() + objs[num] + b"\nendobj\n")
    xref = out.tell()
    size = max(objs) + 1
    out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
    for num in range(1, size):
        out.write(f"{offsets[num]:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _utf16_units(c: str) -> list[int]:
    b = c.encode("utf-16-be")
    return [int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2)]


def _stream(data: bytes) -> bytes:
    return f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def encrypted_pdf_bytes(text: str, user_password: str, owner_password: str = "owner-secret") -> bytes:
    from pypdf import PdfReader, PdfWriter
    w = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(text))))
    w.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


# ---------------------------------------------------------------- DOCX

def docx_bytes(text: str) -> bytes:
    """A real DOCX (python-docx) with one paragraph per line; tab-separated lines become a table."""
    import docx
    d = docx.Document()
    rows: list[list[str]] = []

    def flush():
        if rows:
            t = d.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for i, r in enumerate(rows):
                for j, v in enumerate(r):
                    t.cell(i, j).text = v
            rows.clear()

    for ln in text.split("\n"):
        if "\t" in ln:
            rows.append(ln.split("\t"))
            continue
        flush()
        if ln.strip():
            d.add_paragraph(ln)
    flush()
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def docx_with_document_xml(document_xml: bytes, base: bytes | None = None) -> bytes:
    """A copy of a real DOCX with word/document.xml replaced."""
    base = base or docx_bytes("占位")
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = document_xml if info.filename == "word/document.xml" else src.read(info.filename)
            z.writestr(info.filename, data)
    return out.getvalue()


DOC_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def xxe_document_xml() -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            b'<w:document ' + DOC_NS.encode() + b'><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>')


def billion_laughs_document_xml(prolog_padding: int = 0, utf16: bool = False) -> bytes:
    """Nested entities (10^9 'lol's when expanded). ``prolog_padding`` puts a long comment before the
    DOCTYPE (still valid XML) to get past a check that only looks at the first bytes."""
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    pad = f"<!--{'x' * prolog_padding}-->\n" if prolog_padding else ""
    enc = "UTF-16" if utf16 else "UTF-8"
    xml = (f'<?xml version="1.0" encoding="{enc}" standalone="yes"?>\n{pad}'
           f'<!DOCTYPE w:document [{ents}]>\n'
           f'<w:document {DOC_NS}><w:body><w:p><w:r><w:t>绩效评价报告 &lol9;</w:t></w:r></w:p></w:body></w:document>')
    return xml.encode("utf-16") if utf16 else xml.encode("utf-8")


def zip_bomb_docx_bytes(inflated_mb: int = 60) -> bytes:
    """A DOCX whose document.xml inflates ~1000:1 (a run of spaces inside valid XML)."""
    base = zipfile.ZipFile(io.BytesIO(docx_bytes("占位")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in base.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info.filename, base.read(info.filename))
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document {DOC_NS}><w:body><w:p><w:r><w:t>'.encode())
            chunk = b" " * (1 << 20)
            for _ in range(inflated_mb):
                f.write(chunk)
            f.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


# ---------------------------------------------------------------- the hostile folder

def random_bytes(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


def build_hostile_folder(folder: Path) -> dict[str, Path]:
    """Every hostile case in one folder beside good reports; name → path."""
    good = good_report_text(0)
    f: dict[str, Path] = {}
    f["good_txt"] = write(folder / "good_a.txt", good_report_text(1))
    f["good_docx"] = write(folder / "good_b.docx", docx_bytes(good_report_text(2)))
    f["good_pdf"] = write(folder / "good_c.pdf", pdf_bytes(good_report_text(3)))
    f["empty"] = write(folder / "empty.txt", b"")
    f["empty_pdf"] = write(folder / "empty.pdf", b"")
    f["blank_pdf"] = write(folder / "blank.pdf", pdf_bytes("\n" * 100))   # three pages, nothing drawn
    full = pdf_bytes(good_report_text(4))
    f["truncated_pdf"] = write(folder / "truncated.pdf", full[: len(full) // 3])
    f["random_pdf"] = write(folder / "random.pdf", random_bytes(20_000))
    f["docx_named_pdf"] = write(folder / "really_docx.pdf", docx_bytes(good_report_text(5)))
    f["pdf_named_txt"] = write(folder / "really_pdf.txt", pdf_bytes(good_report_text(6)))
    f["not_zip_docx"] = write(folder / "not_zip.docx", b"PK\x03\x04" + random_bytes(5000, 1))
    real = docx_bytes(good_report_text(7))
    f["truncated_docx"] = write(folder / "truncated.docx", real[: len(real) // 2])
    f["encrypted_open"] = write(folder / "encrypted_open.pdf", encrypted_pdf_bytes(good_report_text(8), ""))
    f["encrypted_locked"] = write(folder / "encrypted_locked.pdf", encrypted_pdf_bytes(good, "s3cret-pw"))
    f["zip_bomb"] = write(folder / "zip_bomb.docx", zip_bomb_docx_bytes())
    f["xxe"] = write(folder / "xxe.docx", docx_with_document_xml(xxe_document_xml()))
    f["billion_laughs"] = write(folder / "laughs.docx", docx_with_document_xml(billion_laughs_document_xml()))
    f["laughs_padded"] = write(folder / "laughs_padded.docx",
                               docx_with_document_xml(billion_laughs_document_xml(prolog_padding=8000)))
    f["laughs_utf16"] = write(folder / "laughs_utf16.docx",
                              docx_with_document_xml(billion_laughs_document_xml(utf16=True)))
    f["utf16"] = write(folder / "enc_utf16.txt", good_report_text(9), "utf-16")
    f["utf16le_nobom"] = write(folder / "enc_utf16le.txt", good_report_text(10), "utf-16-le")
    f["utf16_truncated"] = write(folder / "enc_utf16_cut.txt", good_report_text(14).encode("utf-16")[:-1])
    f["utf8_bom_bad_byte"] = write(folder / "enc_utf8_bad.txt",
                                   b"\xef\xbb\xbf" + good_report_text(15).encode() + b"\xff\xfe\xfd")
    f["gb18030"] = write(folder / "enc_gb18030.txt", good_report_text(11), "gb18030")
    f["gbk"] = write(folder / "enc_gbk.txt", good_report_text(12), "gbk")
    f["big5"] = write(folder / "enc_big5.txt", good_report_text(13, traditional=True), "big5")
    f["not_a_report"] = write(folder / "recipe.txt", NOT_A_REPORT)
    f["binary_txt"] = write(folder / "binary.txt", random_bytes(4096, 2))
    f["legacy_doc_md"] = write(folder / "old_word.md", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random_bytes(2000, 3))
    f["unknown_ext"] = write(folder / "notes.xyz", "不是报告")
    return f


def huge_single_line(mb: int = 10) -> str:
    """About ``mb`` MB of report-like text on one line (no newline at all)."""
    unit = "项目绩效评价指标得分预算资金执行率为百分之九十，"   # report words so the full record path runs
    n = mb * (1 << 20) // len(unit.encode("utf-8")) + 1
    return unit * n


# ---------------------------------------------------------------- issue 14: size and structure lies

def docx_table_xml(rows: list[list[tuple[str, int]]], grid_cols: int | None, text: str = "") -> bytes:
    """word/document.xml with the lines of ``text`` as paragraphs, then one table; each cell is
    (text, gridSpan), and the table declares ``grid_cols`` grid columns (None: no w:tblGrid)."""
    grid = "" if grid_cols is None else "<w:tblGrid>" + "<w:gridCol w:w=\"1000\"/>" * grid_cols + "</w:tblGrid>"
    body = []
    for row in rows:
        tcs = []
        for cell_text, span in row:
            pr = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span != 1 else ""
            tcs.append(f"<w:tc>{pr}<w:p><w:r><w:t>{cell_text}</w:t></w:r></w:p></w:tc>")
        body.append("<w:tr>" + "".join(tcs) + "</w:tr>")
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {DOC_NS}><w:body>'
           + "".join(f"<w:p><w:r><w:t>{ln}</w:t></w:r></w:p>" for ln in text.split("\n") if ln.strip()) +
           "<w:p><w:r><w:t>某县示范项目绩效评价指标得分表</w:t></w:r></w:p>"
           f"<w:tbl>{grid}{''.join(body)}</w:tbl></w:body></w:document>")
    return xml.encode("utf-8")


def gridspan_bomb_docx_bytes(span: int = 999_999_999) -> bytes:
    """A few-KB DOCX whose one table cell claims ``span`` grid columns of a 3-column table: a reader
    that builds the table at its declared width needs span × rows cells (issue 14, D6)."""
    rows = [[("一级指标", 1), ("分值", 1), ("得分", 1)],
            [("合计", span)],
            [("产出", 1), ("30", 1), ("27.5", 1)]]
    text = "\n".join(ln for ln in good_report_text(20).split("\n") if "\t" not in ln)
    return docx_with_document_xml(docx_table_xml(rows, grid_cols=3, text=text))


def docx_with_external_styles_bytes() -> bytes:
    """A DOCX whose styles relationship points outside the package (TargetMode="External"): what a
    broken or hostile file does; python-docx then fails deep inside with a KeyError (issue 14, D12)."""
    base = zipfile.ZipFile(io.BytesIO(docx_bytes(good_report_text(21))))
    rels_name = "word/_rels/document.xml.rels"
    rels = base.read(rels_name).decode("utf-8")
    import re as _re
    rels = _re.sub(r'(<Relationship [^>]*Type="[^"]*/styles"[^>]*?)Target="[^"]*"',
                   r'\1Target="http://example.invalid/styles.xml" TargetMode="External"', rels)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in base.infolist():
            if info.filename == "word/styles.xml":
                continue
            z.writestr(info.filename, rels.encode("utf-8") if info.filename == rels_name else base.read(info.filename))
    return out.getvalue()


def huge_image_page_pdf_bytes(side_pt: int = 14400, grey: int = 0x80) -> bytes:
    """A few-hundred-byte PDF of one ``side_pt`` × ``side_pt`` pt page (14400 pt = 200 in, the PDF
    maximum) that draws a 1×1 grey image over the whole page: no text layer, so it goes to OCR,
    which renders it at 300 dpi to 60000² px unless the size is capped (issue 14, D10)."""
    img = bytes([grey])
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {side_pt} {side_pt}] "
            f"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>").encode(),
        4: _stream(f"q {side_pt} 0 0 {side_pt} 0 0 cm /Im1 Do Q".encode()),
        5: (b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Length 1 >>\nstream\n" + img + b"\nendstream"),
    }
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = {}
    for num in sorted(objs):
        offsets[num] = out.tell()
        out.write(f"{num} 0 obj\n".encode() + objs[num] + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for num in sorted(objs):
        out.write(f"{offsets[num]:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def fake_tesseract(folder: Path, sleep_s: int = 600) -> Path:
    """A ``tesseract`` for PATH that lists the Chinese model and then, asked to read, sleeps
    ``sleep_s`` seconds: a stand-in for a page that takes far too long (issue 14, D11). Its pid
    goes to ``tesseract.pids`` beside it, so a test can check whether it is still alive."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "tesseract"
    exe.write_text("#!/bin/sh\n"
                   'if [ "$1" = "--list-langs" ]; then echo "List of available languages (2):"; '
                   "echo chi_sim; echo eng; exit 0; fi\n"
                   f'echo $$ >> "{folder}/tesseract.pids"\n'
                   f"exec sleep {sleep_s}\n")
    exe.chmod(0o755)
    return exe
