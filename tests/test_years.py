"""The fiscal year (pipeline/record/years.py): one ranking of evidence, dates and document numbers
never taken for the year, a period or a conflict left NULL. Invented texts only."""
from __future__ import annotations

import pytest

from extractors.txt import text_to_document
from pipeline.record import build_record


def record(text: str) -> dict:
    return build_record(text_to_document(text, "case.txt"))


CASES = [
    ("title with 年度 wins over other years in the body",
     "某某县2022年度农村饮水工程维修养护资金绩效自评报告\n一、基本情况\n2021年建成的工程，2023年继续维护。\n", 2022),
    ("title year in Chinese numerals",
     "某某区二〇二二年度残疾人就业补助资金绩效自评报告\n一、基本情况\n项目资金用于补助。\n", 2022),
    ("a (YYYY年度) line under a title without year",
     "项目支出绩效自评表\n(2021年度)\n项目名称 | 农机购置补贴 |\n", 2021),
    ("a 评价年度 label",
     "某某镇农业社会化服务项目绩效评价报告\n评价年度：2020年度\n一、基本情况\n", 2020),
    ("publication date later than the year evaluated is not the year",
     "发布时间：2024-03-05 10:12\n某某县民政局关于困难群众救助资金使用情况的报告\n一、基本情况\n"
     "2023年中央财政下达我县救助资金560万元。\n", 2023),
    ("dates and document numbers are never the year",
     "某某县林业站项目绩效自评报告\n一、基本情况\n根据某财农〔2024〕12号文件，于2024年5月10日完成自评。"
     "2023年项目资金已全部使用。\n", 2023),
    ("a cited notice's year is not the year",
     "某某县水利项目绩效自评报告\n一、基本情况\n根据《关于开展2024年度绩效自评工作的通知》，对2023年项目资金进行自评。\n", 2023),
    ("a year after the publication date is a plan, not the year evaluated",
     "发布日期：2023-02-10\n某某县人社局项目绩效自评报告\n一、基本情况\n2024年计划继续实施，2024年将扩大范围。"
     "2022年项目资金已全部使用。\n", 2022),
    ("only dates: no year",
     "某某县文化站项目绩效自评报告\n填报日期：2024年5月10日\n一、基本情况\n项目资金已全部使用。\n", None),
    ("title year and a 年度 label disagree: no winner",
     "某某局2021年退耕还林补助资金项目支出绩效自评报告\n(2022年度)\n一、基本情况\n", None),
    ("a period of several years in the title",
     "某某县2019-2021年度高标准农田建设资金绩效评价报告\n一、基本情况\n2021年资金已拨付。\n", None),
    ("a period as the subject of the evaluation",
     "某某事务所对某某县2017―2018年文旅发展资金使用情况进行了绩效评价。\n一、评价依据\n", None),
]


@pytest.mark.parametrize("title,text,want", CASES, ids=[c[0] for c in CASES])
def test_fiscal_year(title, text, want):
    assert record(text)["fiscal_year"] == want, title


def test_provenance_says_which_evidence_won():
    rec = record("项目支出绩效自评表\n(2021年度)\n项目名称 | 农机购置补贴 |\n")
    assert rec["provenance"]["fiscal_year"]["via"] == "label"
    rec = record("某某县2022年度农村饮水工程维修养护资金绩效自评报告\n一、基本情况\n2021年建成。\n")
    assert rec["provenance"]["fiscal_year"]["via"] == "title_fy"
