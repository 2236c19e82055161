"""Build the two Word samples of corpus/samples (s2_guangshan_pension.docx, s4_luliang_farmland.docx).

Deterministic: fixed core properties and fixed zip timestamps, so a rebuild gives the same bytes.
Run: .venv/bin/python corpus/samples/make_docx.py
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

HERE = Path(__file__).resolve().parent
FIXED = dt.datetime(2025, 1, 1, 0, 0, 0)


def _new_doc(title: str) -> Document:
    doc = Document()
    cp = doc.core_properties
    cp.author = "jixiao samples"
    cp.last_modified_by = "jixiao samples"
    cp.title = title
    cp.created = FIXED
    cp.modified = FIXED
    cp.revision = 1
    return doc


def _para(doc: Document, text: str, center: bool = False) -> None:
    p = doc.add_paragraph(text)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _table(doc: Document, rows: list[list[str]]):
    t = doc.add_table(rows=len(rows), cols=len(rows[0]))
    t.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    return t


def _merge(t, r1: int, c1: int, r2: int, c2: int, text: str) -> None:
    """Merge a rectangle of cells and leave one copy of the text in it."""
    cell = t.cell(r1, c1).merge(t.cell(r2, c2))
    cell.text = text


def _save(doc: Document, name: str) -> None:
    buf = io.BytesIO()
    doc.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename != "[Content_Types].xml"):
            zi = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, src.read(info.filename))
    (HERE / name).write_bytes(out.getvalue())


def guangshan_pension() -> None:
    """Henan, amounts in 元, level-1 table with indicators in columns, merged header cells.
    Planted: level-1 scores sum to 88.00 but the total says 91.20; 执行率 stated 95.00% but spent/received = 80%."""
    doc = _new_doc("光山县2024年度城乡居民基本养老保险补助资金绩效评价报告")
    doc.add_heading("光山县2024年度城乡居民基本养老保险补助资金绩效评价报告", level=0)
    _para(doc, "豫中睿评字〔2025〕第037号", center=True)
    _para(doc, "光山县财政局：")
    _para(doc, "我所接受委托，按照《项目支出绩效评价管理办法》（财预〔2020〕10号）和《河南省预算绩效管理办法》的规定，"
               "对河南省信阳市光山县2024年度城乡居民基本养老保险补助资金实施了绩效评价，现将评价结果报告如下。")

    doc.add_heading("一、项目基本情况", level=1)
    doc.add_heading("（一）项目概况", level=2)
    _para(doc, "城乡居民基本养老保险补助资金用于支付城乡居民基础养老金、缴费补贴和丧葬补助等支出，由光山县社会保险中心具体实施。"
               "2024年全县城乡居民基本养老保险参保人数41.26万人，按月领取待遇人员98,652人，基础养老金最低标准为每人每月143元。"
               "县政府对缴费困难群体按最低缴费档次代缴养老保险费，对选择较高档次缴费的参保人给予梯度缴费补贴。")
    doc.add_heading("（二）资金情况", level=2)
    _para(doc, "2024年各级财政下达城乡居民基本养老保险补助资金86,427,300.00元，实际到位86,427,300.00元，资金到位率100%。"
               "截至2024年12月31日，实际支出69,141,840.00元，预算执行率为95.00%。资金来源明细如下表：")
    t = _table(doc, [
        ["资金来源", "金额（元）", ""],
        ["", "下达资金", "实际到位"],
        ["中央财政补助", "62,318,400.00", "62,318,400.00"],
        ["省级财政补助", "14,206,500.00", "14,206,500.00"],
        ["市级财政补助", "3,452,100.00", "3,452,100.00"],
        ["县级财政配套", "6,450,300.00", "6,450,300.00"],
        ["合计", "86,427,300.00", "86,427,300.00"],
    ])
    _merge(t, 0, 0, 1, 0, "资金来源")
    _merge(t, 0, 1, 0, 2, "金额（元）")

    doc.add_heading("二、绩效评价工作开展情况", level=1)
    doc.add_heading("（一）评价主体", level=2)
    _para(doc, "本次评价由河南中睿衡信会计师事务所有限公司组织实施，项目组由4名注册会计师和2名社保业务专家组成。")
    doc.add_heading("（二）评价方法", level=2)
    _para(doc, "评价采用比较法、因素分析法和公众评判法。评价组核查了社保经办系统待遇发放数据，抽取12个乡镇的发放花名册进行比对，"
               "并对部分领取待遇人员进行入户和电话回访。")
    doc.add_heading("（三）满意度调查", level=2)
    _para(doc, "评价组面向参保居民和待遇领取人员发放问卷300份，收回有效问卷288份，其中非常满意150份、满意96份、基本满意26份、"
               "不满意16份，综合满意度为94.44%。")

    doc.add_heading("三、评价结论", level=1)
    _para(doc, "经综合评价，光山县2024年度城乡居民基本养老保险补助资金绩效评价总得分为91.20分，评价等级为“优”。"
               "各一级指标得分情况如下表：")
    _table(doc, [
        ["项目", "决策", "过程", "产出", "效益", "合计"],
        ["分值", "20", "20", "30", "30", "100"],
        ["得分", "17.00", "16.50", "27.00", "27.50", "91.20"],
        ["得分率", "85.00%", "82.50%", "90.00%", "91.67%", "91.20%"],
    ])

    doc.add_heading("四、绩效分析", level=1)
    doc.add_heading("（一）决策", level=2)
    _para(doc, "项目符合国家城乡居民养老保险制度要求，立项依据充分。绩效目标未设置参保扩面和待遇按时发放等可量化指标，扣3分。")
    doc.add_heading("（二）过程", level=2)
    _para(doc, "资金纳入社会保障基金财政专户管理，待遇通过社会保障卡发放。评价发现省级补助资金到账后滞留专户时间较长，"
               "部分死亡人员待遇停发不及时，扣3.5分。")
    doc.add_heading("（三）产出", level=2)
    _para(doc, "全年按时足额发放基础养老金，为困难群体代缴保费，待遇领取人员98,652人。冒领待遇追回率未达到目标，扣3分。")
    doc.add_heading("（四）效益", level=2)
    _para(doc, "城乡居民老年基本生活得到保障，群众满意度94.44%。多缴多得的激励作用不明显，参保人集中选择最低档次缴费，扣2.5分。")

    doc.add_heading("五、存在的问题", level=1)
    _para(doc, "（一）绩效目标不够完整。未设置参保率、待遇按时发放率等核心指标，难以全面反映项目绩效。")
    _para(doc, "（二）资金支出进度滞后。年末仍有部分补助资金未支出，滞留财政专户。")
    _para(doc, "（三）待遇资格认证不及时。与民政、公安、卫健部门的数据比对频次不足，存在死亡人员待遇停发滞后情况。")
    _para(doc, "（四）缴费档次偏低。超过八成参保人选择最低档次缴费，未来待遇水平提升空间有限。")

    doc.add_heading("六、建议", level=1)
    _para(doc, "1、完善绩效目标体系，增加参保率、按时发放率、冒领追回率等量化指标。")
    _para(doc, "2、加快资金拨付和支出进度，按月清理财政专户结存资金。")
    _para(doc, "3、建立跨部门数据共享比对机制，每月开展待遇领取资格认证。")
    _para(doc, "4、加强政策宣传，引导有能力的参保人选择较高缴费档次。")

    _para(doc, "河南中睿衡信会计师事务所有限公司")
    _para(doc, "2025年4月18日")
    _save(doc, "s2_guangshan_pension.docx")


# (一级, 一级分值, 二级, 二级分值, 三级, 三级分值, 评价标准, 得分)
LULIANG_L3 = [
    ("项目决策", 20, "项目立项", 6, "立项依据充分性", 3, "符合国家和省高标准农田建设规划，得3分", 3),
    ("项目决策", 20, "项目立项", 6, "立项程序规范性", 3, "按规定程序申报、审批，得3分", 3),
    ("项目决策", 20, "绩效目标", 6, "绩效目标合理性", 3, "目标与建设任务匹配，每项不符扣1分", 2),
    ("项目决策", 20, "绩效目标", 6, "绩效指标明确性", 3, "指标细化量化、可衡量，每项不符扣1分", 2),
    ("项目决策", 20, "资金投入", 8, "预算编制科学性", 4, "预算经评审，内容与项目匹配", 3.5),
    ("项目决策", 20, "资金投入", 8, "资金分配合理性", 4, "按任务面积分配，得4分", 4),
    ("项目管理", 20, "资金管理", 10, "资金到位率", 3, "到位率×分值", 3),
    ("项目管理", 20, "资金管理", 10, "预算执行率", 3, "执行率低于100%的按比例扣分", 2.5),
    ("项目管理", 20, "资金管理", 10, "资金使用合规性", 4, "无截留挪用，手续完整，得4分", 4),
    ("项目管理", 20, "组织实施", 10, "管理制度健全性", 4, "制度健全得4分", 4),
    ("项目管理", 20, "组织实施", 10, "制度执行有效性", 6, "招投标、监理、验收执行到位", 4.5),
    ("项目产出", 35, "产出数量", 15, "高标准农田建设面积", 8, "完成计划面积得满分", 8),
    ("项目产出", 35, "产出数量", 15, "高效节水灌溉面积", 7, "按完成比例计分", 6),
    ("项目产出", 35, "产出质量", 10, "工程验收合格率", 10, "合格率100%得满分", 10),
    ("项目产出", 35, "产出时效", 5, "项目完工及时性", 5, "按期完工得满分，逾期酌情扣分", 3),
    ("项目产出", 35, "产出成本", 5, "亩均投资控制", 5, "不超过批复标准得满分", 5),
    ("项目效益", 25, "经济效益", 8, "粮食产能提升", 8, "亩均新增产能达到目标得满分", 7),
    ("项目效益", 25, "社会效益", 5, "耕地质量等级提升", 5, "质量等级提升0.5等以上得满分", 4),
    ("项目效益", 25, "可持续影响", 4, "工程管护机制健全性", 4, "管护主体、经费落实", 3),
    ("项目效益", 25, "满意度", 8, "受益群众满意度", 8, "满意度×分值", 7.6),
]


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def luliang_farmland() -> None:
    """Yunnan, amounts in 亿元 and 万元, three-level indicator table with merged 一级/二级 cells,
    dimension aliases 项目决策/项目管理/项目产出/项目效益. Internally consistent."""
    doc = _new_doc("陆良县2023年度高标准农田建设项目绩效评价报告")
    doc.add_heading("陆良县2023年度高标准农田建设项目绩效评价报告", level=0)
    _para(doc, "委托单位：陆良县财政局    评价机构：云南滇诚致信工程咨询有限公司", center=True)

    doc.add_heading("一、项目基本情况", level=1)
    doc.add_heading("（一）项目概况", level=2)
    _para(doc, "陆良县位于云南省东部、曲靖市南部，是全省重要的粮食主产县。2023年度高标准农田建设项目由县农业农村局组织实施，"
               "计划建设高标准农田5.20万亩，其中高效节水灌溉1.50万亩，建设内容包括土地平整、灌溉排水、田间道路、农田防护和土壤改良。"
               "项目区涉及马街镇、中枢街道等乡镇（街道），受益人口38,215人。")
    doc.add_heading("（二）资金情况", level=2)
    _para(doc, "项目批复总投资1.35亿元，其中中央财政资金8,100.00万元、省级财政资金3,240.00万元、县级财政资金2,160.00万元。"
               "截至2023年12月31日，资金1.35亿元全部到位，资金到位率100%；累计支出12,987.00万元，预算执行率96.20%。")

    doc.add_heading("二、评价工作情况", level=1)
    _para(doc, "受陆良县财政局委托，云南滇诚致信工程咨询有限公司成立评价组，依据《项目支出绩效评价管理办法》（财预〔2020〕10号）"
               "和《农田建设补助资金管理办法》开展评价。评价组采用比较法、成本效益分析法和公众评判法，查阅了项目批复、招投标、"
               "监理和验收资料，对项目区进行了现场抽查，抽查面积0.86万亩。")
    _para(doc, "评价组向项目区农户发放问卷250份，回收有效问卷241份，其中非常满意121份、满意84份、基本满意24份、不满意12份，"
               "受益群众满意度为95.02%。")

    doc.add_heading("三、评价结论", level=1)
    _para(doc, "经评价，陆良县2023年度高标准农田建设项目绩效评价得分89.10分，评价等级为“良”。其中项目决策得分17.50分，得分率87.50%；"
               "项目管理得分18.00分，得分率90.00%；项目产出得分32.00分，得分率91.43%；项目效益得分21.60分，得分率86.40%。"
               "指标体系及得分见下表。")
    rows = [["一级指标", "二级指标", "三级指标", "分值", "评价标准", "得分"]]
    for l1, w1, l2, w2, l3, w3, std, sc in LULIANG_L3:
        rows.append([f"{l1}（{w1}分）", f"{l2}（{w2}分）", l3, _fmt(w3), std, _fmt(sc)])
    rows.append(["合计", "", "", "100", "", "89.10"])
    t = _table(doc, rows)
    # merge runs of equal 一级 / 二级 labels, as printed reports do
    for col in (0, 1):
        start = 1
        for r in range(2, len(rows)):
            if rows[r][col] != rows[start][col] or r == len(rows) - 1:
                if r - 1 > start:
                    _merge(t, start, col, r - 1, col, rows[start][col])
                start = r
    _merge(t, len(rows) - 1, 0, len(rows) - 1, 2, "合计")

    doc.add_heading("四、绩效分析", level=1)
    doc.add_heading("（一）项目决策", level=2)
    _para(doc, "项目立项符合规划，程序规范。绩效目标未设置耕地质量提升等效益类量化指标，预算编制中部分单价高于定额，共扣2.5分。")
    doc.add_heading("（二）项目管理", level=2)
    _para(doc, "资金全部到位，专账核算。预算执行率96.20%，部分工程尾款未支付；个别标段监理日志缺失，共扣2分。")
    doc.add_heading("（三）项目产出", level=2)
    _para(doc, "完成高标准农田建设5.20万亩，高效节水灌溉实际完成1.32万亩，未达到1.50万亩的计划；工程验收合格率100%；"
               "受雨季影响，2个标段延期完工，共扣3分。")
    doc.add_heading("（四）项目效益", level=2)
    _para(doc, "项目区亩均粮食产能提高约85公斤，耕地质量平均提升0.4个等级，管护主体已明确但管护经费未足额落实，"
               "受益群众满意度95.02%，共扣3.4分。")

    doc.add_heading("五、存在的问题", level=1)
    _para(doc, "（1）效益类绩效目标缺失，耕地质量提升、产能提升等指标未量化。")
    _para(doc, "（2）高效节水灌溉任务未全部完成，部分区域水源工程配套不足。")
    _para(doc, "（3）工程进度受雨季影响较大，施工组织计划不够周密。")
    _para(doc, "（4）建后管护经费落实不到位，存在“重建轻管”现象。")

    doc.add_heading("六、建议", level=1)
    _para(doc, "1）完善绩效目标，将产能提升、质量等级等效益指标纳入考核。")
    _para(doc, "2）加强水源工程统筹，优先在水源有保障的区域布局高效节水项目。")
    _para(doc, "3）合理安排施工时序，避开雨季集中施工。")
    _para(doc, "4）按亩均标准落实管护经费，明确村集体和新型经营主体管护责任。")

    _para(doc, "云南滇诚致信工程咨询有限公司")
    _para(doc, "二〇二四年六月二十八日")
    _save(doc, "s4_luliang_farmland.docx")


if __name__ == "__main__":
    guangshan_pension()
    luliang_farmland()
