"""Portal furniture (索引号, 发布日期, 【字体：大 中 小】, breadcrumbs, banners, share buttons) is set
aside: never the title, year, evaluator, region or a section — and the stored text keeps it.
Texts are invented."""
from __future__ import annotations

import pytest

from extractors.model import TABLE, Block, Cell, Document, assemble
from extractors.txt import text_to_document
from pipeline import furniture
from pipeline.flow import process_file
from pipeline.record import build_record

PORTAL_PAGE = """泰顺县人民政府门户网站
首页 > 政务公开 > 财政信息 > 绩效评价
索引号：001008-3021-2023-00045
发布机构：县财政局
发布日期：2023年06月18日
【字体：大 中 小】 打印本页 关闭窗口
泰顺县2022年度农村公厕改造补助资金绩效自评报告
一、基本情况
本项目年度预算安排资金86.4万元，实际支出80.1万元，预算执行率为92.71%。
二、自评结论
经自评，综合得分93分，评价等级为优。
分享到：微信 微博
"""


@pytest.mark.parametrize("line", [
    "索引号：11330329MB0C12345X/2023-00417",
    "发布机构：县农业农村局",
    "发布日期：2024-03-11",
    "成文日期：2024年03月08日",
    "【字体：大 中 小】",
    "【字体: 】 【发布时间:2023-05-09 10:21】 【作者:县委办】【阅读:",
    "打印本页 关闭窗口",
    "首页 > 政务公开 > 财政资金 > 预算绩效",
    "您现在的位置：首页>信息公开>部门预决算",
    "当前位置: 网站首页 » 通知公告",
    "中国政府网 | 省政府门户网站",
    "青田县人民政府门户网站",
    "欢迎访问某某镇人民政府网站！",
    "分享到：微信 微博 QQ空间",
    "时间:2023-11-02 09:40:17 我要投稿",
    "访问量：",
    "| 索引号 | 0012-2023-07 | 发布机构 | 县卫健局 |",
    "• 发布机构：市生态环境局",
    "[ 成文日期 ]",
    "名称： | 某县2023年度养老服务补贴绩效自评报告 | 文号： | 无 |",
    "2023-04-07 15:25 来源：县林业局 【字体：打印",
    "信息提供日期 : 2023-03-27 16:25",
    "您现在所在的位置 : 首页 > 政务 > 财政预决算",
    "部门>水利局>政务公开>预算/决算>决算",
    "当前页面:首页 >>信息公开>>预算公开 >>专项资金",
    "索引号 11530000MB1234567X/2023-00011 发布机构 某县供销社",
    "公开目录 绩效自评 发布日期 2022-11-18",
    "文号 浏览量",
    "主题词",
])
def test_portal_lines_are_furniture(line):
    assert furniture.is_furniture(line)


@pytest.mark.parametrize("line", [
    "泰顺县2022年度农村公厕改造补助资金绩效自评报告",
    "（三）信息公开不及时，未在门户网站公开绩效目标",
    "三、政务公开情况",
    "无障碍设施改造项目",
    "报告日期：2024年3月5日",
    "资金来源：中央财政补助",
    "评价时间：2023年4月至6月",
    "本项目年度预算安排资金86.4万元。",
    "项目名称：某县养老服务补贴项目 预算单位名称：某县民政局",
    "日期：2024年3月5日",
    "时效性 |",
    "有效性：项目资金使用合规",
])
def test_report_lines_are_not_furniture(line):
    assert not furniture.is_furniture(line)


def test_set_aside_blanks_furniture_and_keeps_offsets():
    doc = text_to_document(PORTAL_PAGE, "p.txt")
    new = furniture.set_aside(doc)
    assert len(new.text) == len(doc.text)
    assert new.meta["original_text"] == doc.text            # stored text keeps the furniture
    assert "索引号" not in new.text and "发布机构" not in new.text and "打印本页" not in new.text
    assert "2023年06月18日" not in new.text
    i = new.text.index("预算执行率")
    assert doc.text[i:i + 5] == "预算执行率"
    for b in new.blocks:
        assert new.text[b.start:b.end] == b.text
    got = [f["text"] for f in new.meta["furniture"]]
    assert any("门户网站" in t for t in got) and any(t.startswith("首页") for t in got)


def test_page_without_furniture_is_returned_as_is():
    doc = text_to_document(PORTAL_PAGE.split("\n", 6)[6].rsplit("分享到", 1)[0], "p.txt")
    assert furniture.set_aside(doc) is doc


def test_portal_metadata_table_is_set_aside():
    meta = Block(TABLE, "", cells=[Cell(0, 0, "索引号"), Cell(0, 1, "0012-2023-07"), Cell(0, 2, "发布机构"),
                                   Cell(0, 3, "县卫健局"), Cell(1, 0, "成文日期"), Cell(1, 1, "2023-07-02"),
                                   Cell(1, 2, "发布日期"), Cell(1, 3, "2023-07-05")])
    body = Block("paragraph", "本项目年度预算安排资金50万元。")
    doc = assemble(Document("t", "docx"), [meta, body])
    new = furniture.set_aside(doc)
    tbl = next(new.tables())
    assert all(not c.text for c in tbl.cells) and "索引号" not in new.text
    assert "预算安排资金50万元" in new.text


def test_value_under_a_bare_label_goes_with_it():
    doc = text_to_document("发布机构 |\n县民政局 |\n某县2023年度救助资金绩效自评报告\n", "p.txt")
    new = furniture.set_aside(doc)
    assert "县民政局" not in new.text and "绩效自评报告" in new.text


def test_portal_page_fields_ignore_furniture(tmp_path):
    p = tmp_path / "portal.txt"
    p.write_text(PORTAL_PAGE, encoding="utf-8")
    res = process_file(p)
    assert res["status"] == "ok"
    rec = res["record"]
    assert rec["title"] == "泰顺县2022年度农村公厕改造补助资金绩效自评报告"
    assert rec["fiscal_year"] == 2022                # not the 发布日期 year
    assert rec["county"] == "泰顺县"
    assert rec["evaluator"] is None
    assert "索引号" in res["text"]                    # the stored text is the page as published


def test_banner_is_weak_evidence_of_the_county(tmp_path):
    # the body names no county ("我县"); the portal banner does
    page = ("泰顺县人民政府门户网站\n发布日期：2023-06-18\n2022年度文化惠民工程补助资金绩效自评报告\n一、基本情况\n"
            "我县本年度预算安排资金40万元，实际支出38万元，预算执行率为95%。资金用于乡镇综合文化站设备购置和"
            "送戏下乡演出，全年完成演出120场。经自评，综合得分92分。\n")
    p = tmp_path / "banner.txt"
    p.write_text(page, encoding="utf-8")
    rec = process_file(p)["record"]
    assert rec["county"] == "泰顺县"
    # a county the body names outweighs the banner's
    page2 = page.replace("我县本年度", "青田县本年度").replace("实际支出", "青田县实际支出")
    p.write_text(page2, encoding="utf-8")
    assert process_file(p)["record"]["county"] == "青田县"


def test_resolve_takes_the_banner_county_only_as_weak_evidence():
    from pipeline.record import region
    body = "我县本年度预算安排资金40万元，实际支出38万元。"
    assert region.resolve("", body)[0] is None
    assert region.resolve("", body, "泰顺县人民政府门户网站")[0].county == "泰顺县"
    # a county the body names outweighs the banner's
    other = "青田县本年度预算安排资金40万元。"
    assert region.resolve("", other, "泰顺县人民政府门户网站")[0].county == "青田县"


def test_cover_fields_stand_on_their_own_lines_not_in_the_title():
    cover = ("评价类型:项目完成结果评价\n项目名称:某某乡村卫生室改造项目\n主管部门:某某县卫生健康局\n"
             "评价方式:部门绩效自评\n报告日期:2024年05月10日\n一、项目基本情况\n"
             "本项目2023年度安排资金60万元，实际支出57万元，预算执行率95%。\n")
    doc = text_to_document(cover, "c.txt")
    paras = [b.text for b in doc.blocks]
    assert "项目名称:某某乡村卫生室改造项目" in paras and "报告日期:2024年05月10日" in paras
    rec = build_record(doc)
    assert not rec["title"] or "报告日期" not in rec["title"]


def test_a_single_labelled_prose_line_still_joins_its_paragraph():
    text = ("主要做法：县局成立工作专班，逐村核查改造需求并建立台账，按月通报进度，确保改造任务按期完\n"
            "成并通过验收。\n")
    doc = text_to_document(text, "p.txt")
    assert len(doc.blocks) == 1


@pytest.mark.parametrize("letterhead", ["HUAYUAN (JIANGXI) CERTIFIED PUBLIC ACCOUNTANTS",
                                        "MINGDA CONSULTING CO.,LTD."])
def test_a_latin_letterhead_run_into_the_title_line_is_not_the_title(letterhead):
    """OCR reads a firm's English letterhead and the title's first line as one line; the title is
    the Chinese words after it, its provenance starting where they start."""
    text = (f"{letterhead} 2023年安远县农村饮水安全巩固提升\n工程项目绩效评价报告\n"
            "安远县财政局：\n受托对该项目开展绩效评价，资金200万元，实际支出190万元。\n")
    doc = text_to_document(text, "l.txt")
    rec = build_record(doc)
    assert rec["title"] == "2023年安远县农村饮水安全巩固提升工程项目绩效评价报告"
    start = rec["provenance"]["title"]["start"]
    assert doc.text[start:start + 5] == "2023年"


def test_a_short_latin_word_opening_a_title_stays_in_it():
    doc = text_to_document("PPP项目绩效评价报告\n一、项目基本情况\n本项目资金80万元。\n", "p.txt")
    assert build_record(doc)["title"] == "PPP项目绩效评价报告"
