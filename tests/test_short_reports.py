"""The report gate (pipeline/flow.py looks_like_report): a short page beginning that is a report is
read; a news item, a notice or a spreadsheet of numbers is not. Texts are invented."""
from __future__ import annotations

import pytest

from pipeline.flow import looks_like_report

SHORT_TITLED = """部门整体支出绩效评价报告
一、部门基本情况
（一）部门整体支出概况。
2023年部门决算收入516.08万元，支出521.40万元，其中人员经费支出301.22万元，公用经费支出48.6万元，
项目支出171.58万元。
（二）部门职能。县档案馆负责全县档案的接收、保管和利用工作，推进档案数字化建设。
"""

SHORT_OUTLINED = """来源：市民政局
一、绩效目标分解下达情况
2023年上级下达我市残疾人两项补贴资金4120.6万元，主要用于困难残疾人生活补贴和重度残疾人护理补贴的发放。
二、绩效情况分析
资金已于年内全部分配到各区县，确保按月足额发放到位。
"""

SHORT_FIGURES = """水库移民后期扶持资金自评
本年度安排资金212万元，支出率96.5%，自评得分94分，各项产出指标均已完成，群众满意。
资金用于库区道路硬化和饮水工程，惠及移民群众一千余人。
"""

NEWS = """县财政局召开2024年预算绩效管理工作推进会
4月12日上午，县财政局召开预算绩效管理工作推进会，各预算单位分管负责人参加会议。会上，
局领导通报了去年项目支出绩效评价情况，强调要扎实开展绩效自评，加强评价结果应用，
认真落实预算执行进度要求，确保财政资金安全高效。会议要求各单位对照绩效指标查漏补缺。
""" * 2

NOTICE = """关于开展2023年度项目支出绩效自评工作的通知
各预算单位：
为加强预算绩效管理，根据有关规定，现就开展2023年度项目支出绩效自评工作通知如下：
一、自评范围。纳入预算管理的全部项目资金。二、自评内容。对照绩效目标和指标，填写自评表，
如实反映预算执行和绩效指标完成情况，自评得分低于60分的项目须说明原因。三、时间要求。
请于3月31日前报送县财政局。
""" * 2

SPREADSHEET = """科目编码\t科目名称\t预算数\t决算数
2010101\t行政运行\t316.5\t309.2
2010102\t一般行政管理事务\t42.0\t40.1
2080505\t机关事业单位基本养老保险缴费支出\t38.7\t38.7
2101101\t行政单位医疗\t12.4\t12.4
合计\t\t409.6\t400.4
"""

RECIPE = "家常番茄炒蛋的做法：准备两个番茄和三个鸡蛋，番茄洗净切块，鸡蛋打散后加少许盐。" * 6


@pytest.mark.parametrize("text", [SHORT_TITLED, SHORT_OUTLINED, SHORT_FIGURES], ids=["titled", "outlined", "figures"])
def test_short_page_beginning_of_a_report_is_a_report(text):
    assert len(text) < 2000
    assert looks_like_report(text)


@pytest.mark.parametrize("text", [NEWS, NOTICE, SPREADSHEET, RECIPE], ids=["news", "notice", "spreadsheet", "recipe"])
def test_news_notice_and_tables_are_not_reports(text):
    assert not looks_like_report(text)


def test_a_notice_that_transmits_a_report_is_a_report():
    text = "关于印发2023年度农机购置补贴资金绩效评价报告的通知\n" + SHORT_TITLED
    assert looks_like_report(text)


def test_a_long_report_with_the_vocabulary_is_still_a_report():
    body = "本项目绩效评价指标体系由决策、过程、产出、效益四项一级指标构成，项目预算资金执行良好，自评得分较高。" * 8
    assert looks_like_report("某县乡村道路维护项目\n" + body)


def test_a_published_result_titled_as_an_announcement_is_a_report():
    text = ("关于2023年度项目支出绩效自评结果的公示\n项目名称：乡镇污水处理设施运维\n"
            "年初预算数 150万元，全年执行数 141万元，执行率 94%，分值 10，得分 9.4分。\n"
            "自评总分 93分。主要产出指标均已完成，污水处理达标率100%，群众满意度95%。\n")
    assert looks_like_report(text)
