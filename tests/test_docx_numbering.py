"""Word's own list numbering (w:numPr + numbering.xml) is rendered into the paragraph text, and
sections and problem items rest on that structure. DOCX files are built here by python-docx with
a numbering part of our own (invented text)."""
from __future__ import annotations

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from extractors import extract
from extractors.numbering import format_number
from pipeline.record import build_record

LEVELS = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3."), ("decimal", "（%4）")]


def _abstract(aid: int, levels, restart_never: int | None = None) -> str:
    lv = []
    for i, (fmt, text) in enumerate(levels):
        restart = '<w:lvlRestart w:val="0"/>' if restart_never == i else ""
        lv.append(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/>{restart}<w:numFmt w:val="{fmt}"/>'
                  f'<w:lvlText w:val="{text}"/><w:suff w:val="nothing"/></w:lvl>')
    return f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{aid}">{"".join(lv)}</w:abstractNum>'


def add_list(d, aid: int, num_id: int, levels=LEVELS, start_override: dict | None = None, **kw) -> int:
    """A list definition (abstractNum) and an instance of it (num) in the document's numbering part."""
    numbering = d.part.numbering_part.element
    numbering.insert(0, parse_xml(_abstract(aid, levels, **kw)))     # abstractNums come before nums
    over = "".join(f'<w:lvlOverride w:ilvl="{i}"><w:startOverride w:val="{v}"/></w:lvlOverride>'
                   for i, v in (start_override or {}).items())
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{aid}"/>{over}</w:num>'))
    return num_id


def numbered(d, text: str, num_id: int, ilvl: int, style: str | None = None):
    p = d.add_paragraph(text, style=style)
    ppr = p._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return p


@pytest.mark.parametrize("n,fmt,want", [
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (11, "chineseCounting", "十一"),
    (20, "chineseCounting", "二十"), (23, "chineseCountingThousand", "二十三"), (105, "chineseCounting", "一百零五"),
    (3, "chineseLegalSimplified", "叁"), (2, "ideographTraditional", "乙"), (3, "decimalEnclosedCircle", "③"),
    (4, "upperRoman", "IV"), (2, "lowerLetter", "b"), (7, "decimal", "7"), (5, "decimalZero", "05"),
])
def test_level_formats(n, fmt, want):
    assert format_number(n, fmt) == want


def report_docx(path) -> None:
    d = docx.Document()
    num = add_list(d, 70, 71)
    d.add_paragraph("某某县2023年度农田水利设施维修资金绩效评价报告", style="Title")
    numbered(d, "基本情况", num, 0, "Heading 1")
    d.add_paragraph("本项目年度预算安排资金260万元，实际支出241.5万元，预算执行率为92.88%。")
    numbered(d, "评价结论", num, 0, "Heading 1")
    d.add_paragraph("经评价，该项目综合得分86分，评价等级为良。")
    numbered(d, "存在的问题", num, 0, "Heading 1")
    # problem items in a heading style, numbered by Word only: no typed "（一）"
    numbered(d, "维修资金拨付滞后于工程进度", num, 1, "Heading 2")
    d.add_paragraph("部分维修工程完工后三个月才拨付尾款，施工单位垫资压力较大。")
    numbered(d, "项目验收资料归档不完整", num, 1, "Heading 2")
    d.add_paragraph("三个乡镇的验收记录缺少监理签字。")
    numbered(d, "意见和建议", num, 0, "Heading 1")
    numbered(d, "按工程进度及时拨付维修资金，减少施工单位垫资。", num, 2)
    numbered(d, "建立验收资料归档清单，由乡镇水管站逐项核对。", num, 2)
    d.save(path)


def test_word_numbering_is_rendered_into_the_text(tmp_path):
    p = tmp_path / "numbered.docx"
    report_docx(p)
    doc = extract(p)
    texts = [b.text for b in doc.blocks]
    assert "一、基本情况" in texts and "三、存在的问题" in texts and "四、意见和建议" in texts
    assert "（一）维修资金拨付滞后于工程进度" in texts and "（二）项目验收资料归档不完整" in texts
    # the level-3 items restart under 四、 and show their own counter only ("%3.")
    assert any(t.startswith("1.按工程进度") for t in texts) and any(t.startswith("2.建立验收") for t in texts)
    heads = {b.text: b.level for b in doc.blocks if b.kind == "heading"}
    assert heads["三、存在的问题"] == 1 and heads["（一）维修资金拨付滞后于工程进度"] == 2


def test_problem_items_numbered_by_word_are_found(tmp_path):
    p = tmp_path / "numbered.docx"
    report_docx(p)
    rec = build_record(extract(p))
    assert [it["text"] for it in rec["problems"]] == ["维修资金拨付滞后于工程进度", "项目验收资料归档不完整"]
    assert len(rec["recommendations"]) == 2
    assert all(rec["sections"][k] for k in ("基本情况", "评价结论", "存在问题", "建议"))


def test_heading_items_without_any_visible_number_are_items(tmp_path):
    # the list draws nothing at level 2 (numFmt none): the items are known by style and level only
    d = docx.Document()
    num = add_list(d, 80, 81, levels=[("chineseCounting", "%1、"), ("none", "")])
    d.add_paragraph("某某县2023年度乡村学校营养餐补助资金绩效自评报告", style="Title")
    numbered(d, "基本情况", num, 0, "Heading 1")
    d.add_paragraph("本年度安排补助资金88万元，已全部发放。")
    numbered(d, "存在的问题", num, 0, "Heading 1")
    numbered(d, "部分学校食堂台账登记不及时", num, 1, "Heading 2")
    numbered(d, "供餐企业抽检频次不足", num, 1, "Heading 2")
    numbered(d, "建议", num, 0, "Heading 1")
    d.add_paragraph("加强食堂台账管理，增加抽检频次。")
    p = tmp_path / "plain.docx"
    d.save(p)
    rec = build_record(extract(p))
    assert [it["text"] for it in rec["problems"]] == ["部分学校食堂台账登记不及时", "供餐企业抽检频次不足"]


def test_numbering_from_the_paragraph_style(tmp_path):
    # a heading style linked to a list: the paragraphs carry no numPr of their own
    d = docx.Document()
    num = add_list(d, 90, 91, levels=[("chineseCounting", "第%1部分")])
    style = d.styles["Heading 1"]
    style.element.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num}"/></w:numPr>'))
    d.add_paragraph("执行摘要", style="Heading 1")
    d.add_paragraph("正文一段。")
    d.add_paragraph("评价报告", style="Heading 1")
    p = tmp_path / "styled.docx"
    d.save(p)
    texts = [b.text for b in extract(p).blocks]
    assert texts[0] == "第一部分执行摘要" and texts[2] == "第二部分评价报告"


def test_start_override_and_typed_numbers_are_not_doubled(tmp_path):
    d = docx.Document()
    num = add_list(d, 100, 101, levels=[("decimal", "%1.")], start_override={0: 3})
    numbered(d, "第三项工作内容", num, 0)
    numbered(d, "4.已经手工输入了编号的段落", num, 0)
    p = tmp_path / "override.docx"
    d.save(p)
    texts = [b.text for b in extract(p).blocks]
    assert texts == ["3.第三项工作内容", "4.已经手工输入了编号的段落"]


def test_document_without_numbering_is_unchanged(tmp_path):
    d = docx.Document()
    d.add_paragraph("一、基本情况", style="Heading 1")
    d.add_paragraph("本段没有自动编号。")
    p = tmp_path / "none.docx"
    d.save(p)
    assert [b.text for b in extract(p).blocks] == ["一、基本情况", "本段没有自动编号。"]


def test_hostile_numbering_values_do_not_break_reading(tmp_path):
    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="500"><w:lvl w:ilvl="x"><w:start w:val="abc"/></w:lvl>'
        f'<w:lvl w:ilvl="0"><w:start w:val="99999999999999"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%9"/></w:lvl>'
        f'</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="501"><w:abstractNumId w:val="500"/></w:num>'))
    numbered(d, "一段正文", 501, 0)
    numbered(d, "另一段", 999, 3)            # a list that is not defined
    p = tmp_path / "hostile.docx"
    d.save(p)
    texts = [b.text for b in extract(p).blocks]
    assert texts[1] == "另一段" and texts[0].endswith("一段正文") and len(texts[0]) < 20


def test_custom_style_with_an_outline_level_is_a_heading(tmp_path):
    # a firm's own heading styles ("报告一级" / "报告二级"): no "Heading" in the name, an outline level
    from docx.enum.style import WD_STYLE_TYPE
    d = docx.Document()
    for name, lvl in (("报告一级", 0), ("报告二级", 1)):
        st = d.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{lvl}"/>'))
    d.add_paragraph("某某县2023年度社区养老服务补助资金绩效评价报告", style="Title")
    d.add_paragraph("基本情况", style="报告一级")
    d.add_paragraph("本年度安排补助资金150万元，实际支出142万元。")
    d.add_paragraph("存在的问题", style="报告一级")
    d.add_paragraph("服务站点运营补贴发放滞后", style="报告二级")
    d.add_paragraph("部分站点服务记录缺失", style="报告二级")
    d.add_paragraph("建议", style="报告一级")
    d.add_paragraph("按季度核发运营补贴，完善服务记录。")
    p = tmp_path / "custom.docx"
    d.save(p)
    doc = extract(p)
    levels = {b.text: b.level for b in doc.blocks if b.kind == "heading"}
    assert levels["存在的问题"] == 1 and levels["服务站点运营补贴发放滞后"] == 2
    rec = build_record(doc)
    assert [it["text"] for it in rec["problems"]] == ["服务站点运营补贴发放滞后", "部分站点服务记录缺失"]
