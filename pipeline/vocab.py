"""Every word the pipeline matches, in one place.

Labels, synonyms, section headings, unit words and grade words that record builders, sections and
rules look for live here, so that adding a synonym is one line (plus a test) and two stages can
never disagree about a word. Modules import the names below; none keeps a private list.

Each group is a tuple of plain words (or a regular-expression fragment where the note says so);
``alternation(words)`` turns a group into a regex alternation, longest word first.
"""
from __future__ import annotations

import re


def alternation(words: tuple[str, ...] | list[str]) -> str:
    """``(?:a|b|c)`` of the words, longest first, so a longer synonym wins over its prefix."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)) + ")"


# --- script: traditional characters (pipeline/script.py) -------------------------------------
# Characters that only traditional script writes (their simplified forms differ) and that every
# evaluation report uses: a handful of them in the opening says "convert before matching".
TRADITIONAL_MARKERS = "績評價報項預資際劃結論財縣區與為這個們來對說國會過時從發關經還點將總現進產當業應讓開問題專萬務標體級實據計設護農鄉鎮達辦檢審費額撥執細術機構質覽準確優況單"


# --- report gate: what makes a text an evaluation report (pipeline/flow.py looks_like_report) ---
# an evaluation report talks about these; a text with (almost) none of them is something else
REPORT_WORDS = ("绩效", "评价", "指标", "得分", "预算", "资金", "项目", "自评")
# a short line naming the document as an evaluation (its title, wherever the portal put it)
REPORT_TITLE_WORDS = ("绩效评价", "绩效自评", "绩效评估", "支出评价", "自评报告", "评价报告", "自评表", "评价表",
                      "绩效报告", "绩效情况")
# a heading of a performance report's own outline ("二、绩效情况分析", "一、绩效目标…")
REPORT_HEADING_WORDS = ("绩效目标", "绩效情况", "绩效分析", "绩效指标", "绩效评价", "绩效自评", "评价结论",
                        "自评结论", "自评得分", "评价得分", "自评情况")
# a title line ending in one of these is a notice, not a report (unless it transmits one: 印发/转发)
NOTICE_TITLE_ENDS = ("通知", "公告", "通告", "的函", "批复", "公示", "通报")
NOTICE_TRANSMITS = ("印发", "转发", "报送", "上报")
# a news item's headline: somebody held/attended something
NEWS_TITLE_WORDS = ("召开", "举办", "举行", "开展", "组织", "参加", "出席", "调研", "督导", "推进会", "培训班",
                    "座谈会", "动员会", "本报讯", "记者")
EVALUATION_WORDS = ("绩效", "评价", "自评", "得分", "评分")

# --- portal furniture (pipeline/furniture.py): lines a government portal wraps around a page ---
# "索引号：…", "发布机构：…" — page metadata, never the report's own title, year, evaluator or region
FURNITURE_LABELS = ("索引号", "发布机构", "发布单位", "发文机关", "发文单位", "发布日期", "发布时间", "成文日期",
                    "生成日期", "发文日期", "公开方式", "公开范围", "公开时限", "信息来源", "来源", "主题分类",
                    "所属主题", "信息分类", "体裁分类", "组配分类", "浏览次数", "访问量", "阅读次数",
                    "点击数", "点击量", "浏览量", "阅读量", "作者", "责任编辑", "编辑", "字号", "字体", "分享到",
                    "生效日期", "失效日期", "信息名称", "关键词", "文章来源", "稿源", "统一登记号",
                    "主题词", "信息提供日期", "发布者", "发布人", "浏览")
# labels that a report may use on their own, but two of them on one line are the portal's metadata
# row ("名称：… | 文号：…")
# (有效性 / 时效性 are also indicator names of the self-evaluation forms: never alone)
FURNITURE_ROW_LABELS = ("名称", "文号", "发文字号", "咨询电话", "所属机构", "信息索引号", "有效性", "时效性", "信息时效性")
# labels only a portal writes: a line opening with one and naming another, even without colons
# ("索引号 1153… 发布机构 某县供销社"), or one with a date after it anywhere, is the metadata block
FURNITURE_SPECIFIC = ("索引号", "发布机构", "发布日期", "发布时间", "成文日期", "发文日期", "生成日期", "公开方式",
                      "公开范围", "公开目录", "主题分类", "信息分类", "体裁分类", "组配分类", "浏览量", "浏览次数",
                      "统一登记号", "主题词", "信息提供日期")
PUBLISHED_DATE_LABELS = ("发布日期", "发布时间", "成文日期", "发文日期", "生成日期", "信息提供日期", "更新时间")
# buttons and widgets, wherever they stand on a line
FURNITURE_WIDGETS = ("打印本页", "关闭窗口", "打印此页", "打印文章", "【打印】", "【关闭】", "[打印]", "[关闭]", "返回顶部",
                     "收藏本页", "加入收藏", "扫一扫在手机打开", "微信扫一扫", "在手机上查看", "我要投稿", "我要纠错",
                     "字体：大中小", "字体:大中小", "【大中小】", "【大】【中】【小】", "关怀版", "无障碍", "长者模式",
                     "繁体版", "简体版", "设为首页", "网站地图", "智能问答", "【字体", "【字号")
# banners and footers: a short line with one of these is the site, not the report
FURNITURE_BANNERS = ("门户网站", "政府网站", "人民政府网", "中国政府网", "政务网", "政务服务网", "网站", "欢迎来到",
                     "欢迎访问", "版权所有", "主办单位", "承办单位", "ICP备", "网站标识码", "公网安备", "技术支持",
                     "政务公开", "信息公开目录", "政府信息公开")
# breadcrumb navigation: "首页 > 政务公开 > …", "您现在的位置：…"
NAV_STARTS = ("您现在的位置", "您当前所在位置", "您当前的位置", "您的位置", "当前位置", "所在位置", "当前所在位置",
              "您现在所在的位置", "您所在的位置", "您所在位置", "您现在所在位置", "现在位置", "当前页面", "首页",
              "网站首页", "主页")
NAV_SEPARATORS = ">»＞›→/"

# --- form reader (pipeline/record/form*.py): the national self-evaluation forms (项目支出绩效自评表,
# 部门整体支出绩效自评表, 绩效目标自评表). Regular-expression fragments: OCR'd copies garble single
# characters (the 算 of 预算数, the 数 of 调整预算数, the note in 全年（调整）预算数), so a few labels
# allow one unknown character there.
# words that say a page holds a form (the cheap gate: no word, no form reading)
FORM_GATE = r"执行数|执行率权重|自评表|自评总分|全年预算数|年初预算数|资金\s*[（(]\s*万元\s*[)）]\s*[|\t]"
# a basic-facts table of a form: one cell the label with its unit, the next cell the amount
# ("计划安排资金（万元） | 700 | 实际到位资金（万元） | …")
FORM_AMOUNT_CELLS = (
    ("allocated_wan", r"计划安排资金|预算安排资金|年初预算资金|批复预算资金"),
    ("received_wan", r"实际到位资金|到位资金"),
    ("spent_wan", r"实际支出资金|实际支出|实际使用资金"),
)
# budget-part column labels → role, tried in this order at each position (a longer label first)
FORM_BUDGET_COLUMNS = (
    ("weight", r"执行率权重|执行率分值"),
    ("score", r"执行率得分"),
    ("method", r"得分\s*计算\s*方法|评分\s*标准|计算\s*方法|评分\s*方法"),
    ("rate", r"(?:预算|资金)?\s*执\s*行\s*率"),
    ("initial", r"年\s*初\s*预\s*.\s*数|年初\s*预算"),
    ("adjusted", r"全\s*年\s*[（(][^）)\d]{0,4}[）)]\s*预\s*算\s*数|调\s*整\s*(?:后)?\s*预\s*算\s*[数将]?|全\s*年\s*预\s*算\s*数|全年预算"),
    ("budget", r"预\s*算\s*数"),
    ("executed", r"(?:全\s*年|实\s*际)?\s*执\s*行\s*数"),
    ("weight", r"分\s*值|权\s*重"),
    ("score", r"得\s*分(?!\s*率)"),
)
# the total row of the budget part (its other rows are parts: 其中：财政拨款, 上年结转 …)
FORM_TOTAL_ROW = r"年度(?:财政)?\s*(?:资金)?\s*总\s*(?:金)?额|资金总额|总\s*金\s*额|合\s*计|总\s*计|年度\s*总\s*预\s*算|^总\s*预\s*算$"
# a section that ends the budget part
FORM_BUDGET_END = r"年度总体目标|总体目标|年度绩效目标|绩效指标|一级指标|资金管理情况|当年绩效目标|年初绩效目标"
# the form's own total score: "自评总分(分)92.5", "总分 100 92" (weight, score)
FORM_TOTAL_SCORE = r"自\s*评\s*总\s*分|自\s*评\s*得\s*分|总\s*得\s*分|综合\s*得\s*分|总\s*分"
# level-1 rows of the indicator part with their weight: "产出指标(50分)", "效益指标 30分)"
# (经济效益指标, 社会效益指标, 服务对象满意度指标 are level 2: the look-behinds keep them out)
FORM_LEVEL1 = r"(?<!济)(?<!会)(?<!态)(?<!象)(产\s*出|效\s*益|满\s*意\s*度|过\s*程|决\s*策)\s*指\s*标"
# the indicator part's columns
FORM_IND_COLUMNS = (
    ("target", r"指\s*标\s*值|目\s*标\s*值"),
    ("actual", r"实\s*际\s*完\s*成\s*值|实\s*际\s*值|完\s*成\s*值"),
    ("weight", r"分\s*值|权\s*重"),
    ("score", r"得\s*分(?!\s*(?:计算|率|方法|标准|系数))"),
)
# measure words after an indicator's value ("1.2万亩", "≥50个"): such a figure is a value, not a weight
FORM_UNITS = ("%", "％", "万元", "亿元", "元", "万亩", "亩", "万人", "人次", "人", "个", "次", "户", "项", "台", "套",
              "头", "种", "篇", "份", "家", "所", "辆", "公里", "千米", "平方米", "立方米", "米", "天", "日", "月",
              "年", "例", "吨", "株", "只", "场", "期", "批", "条", "处", "座", "册", "本", "间", "张", "小时")

# --- OCR confusions (pipeline/record/ocr_fold.py): what OCR engines commonly put for a character of
# the forms' labels and figures. Applied only to a same-length copy the readers match on (labels,
# figures), never to stored text. Keys and values have the same length (padded with a space, which
# every label pattern allows between its characters).
OCR_LABEL_CONFUSIONS = {
    "彳亍": "行 ", "箅": "算", "筭": "算", "兀": "元", "岀": "出", "冂": "门", "拔款": "拨款", "总休": "总体",
    "执仃": "执行", "预箕": "预算", "得汾": "得分", "分直": "分值", "枳": "积",
}
# letters read for digits, only inside a figure ("2O22", "l00", "1O", "8O.5")
OCR_DIGIT_CONFUSIONS = {"O": "0", "o": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8"}
# digit look-alikes that OCR reads reliably only as letters next to another digit
OCR_DIGIT_LETTERS_SAFE = "OolI"


# --- numbers, years, funds, grades (pipeline/record/numbers.py, find.py, funds.py, meta.py, years.py;
#     pipeline/rules/funds.py, score.py) -----------------------------------------------------------
# regex: a figure as written — plain (1234.56) or in thousands groups (12,345,678.90; full-width ， too);
# a group of 3 must not run on into more digits ("12,3456" is 12 then 3456, not 12,345)
NUM = r"[-+]?(?:\d{1,3}(?:[,，]\d{3})+(?!\d)|\d+)(?:\.\d+)?"
# Chinese numerals, everyday and capital (大写: 壹贰叁…拾佰仟, as on cheques and budget forms)
CN_NUMERALS = "零〇○一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億点"
# amount units, each with its factor to 万元
AMOUNT_UNITS = {"亿元": 1e4, "万元": 1.0, "千元": 1e-1, "元": 1e-4, "亿": 1e4, "万": 1.0}
# the row or cell of a table (or a clause) that states the total of the lines above it; regex, spaces
# allowed inside ("合  计")
TOTAL_ROW_WORDS = ("合计", "总计", "小计")
TOTAL_ROW = r"(?:合\s*计|总\s*计|小\s*计)"

# a grade word → the one-character grade of the contract (优 良 中 差)
GRADES = {"优秀": "优", "优": "优", "良好": "良", "良": "良", "中等": "中", "中": "中", "合格": "中",
          "一般": "中", "差": "差", "较差": "差", "不合格": "差"}

# the report's total score in running text (regex: 总分值 is the maximum, not a score; bare 得分 only
# when it introduces the figure)
TOTAL_SCORE_LABEL = (r"(?:总得分|综合得分|最终得分|评价总分|总分(?!值)|自评(?:总)?得?分|评价得分|绩效评价得分|综合评分|"
                     r"评分结果|绩效评分|得分(?=为|是|：)|综合评定得分|合计得分|"
                     # "该项目得分90.5分", "本项目绩效评价得分": the programme named as what is scored
                     r"(?:该|本|此|整个)项目(?:的)?(?:绩效)?(?:评价|自评)?(?:综合|最终)?得分)")
# numerals a score may be written in ("自评得分九十三分", "得分八十七点五分"; read only before 分)
SCORE_CN_NUMERALS = "零〇○一二三四五六七八九十百点壹贰叁肆伍陆柒捌玖拾佰"

# money labels: the word that introduces an amount says which amount it is
ALLOCATED = ("下达", "预算安排", "安排", "安排预算", "安排资金", "安排经费", "批复", "年初预算", "全年预算",
             "调整后预算", "预算资金", "预算总额", "预算金额", "预算数", "项目预算", "项目总预算", "资金总额", "资金规模",
             # noun first: "项目资金预算 N 元", "专项资金预算数"
             "资金预算", "资金总预算", "经费预算")
# an investment figure is the cost of the works, an allocation only when nothing better is stated
# (a planned investment; 总投资 / 完成总投资 is what the works cost and is never read as an allocation)
INVESTMENT = ("计划投资",)
RECEIVED = ("实际到位", "到位资金", "资金到位", "拨付到位", "已到位", "到账")
SPENT = ("实际支出", "实际使用", "支出资金", "使用资金", "已使用", "已支出", "共计支出", "累计支出", "支出",
         "已拨付", "实际拨付", "已支付", "实际支付", "累计支付", "使用", "支付", "执行数", "全年执行数",
         "实际执行", "已兑现", "兑现", "完成拨付",
         # 兑付: paid out to the beneficiaries (补贴/补奖资金 "兑付到户")
         "已兑付", "兑付", "发放")
CARRY = ("结转结余", "结余", "结转")
EXEC_RATE = ("预算执行率", "资金执行率", "执行率", "资金使用率", "支出率", "支付率", "支付进度", "执行进度",
             "预算执行进度", "支出进度")
ARRIVAL_RATE = ("资金到位率", "到位率")
# words that make a stated amount the final or whole one ("共计下达", "全年实际下达", "调整后预算")
# (共 alone counts only before a verb or the figure — "共下达", "资金共1864万元" — never in 公共 / 共同)
AMOUNT_FINAL = ("共计", "合计", "总计", "累计", "全年实际", "实际", "调整后", "最终")
# a lead-in naming what a paragraph reports ("1、项目资金到位情况。…", "3.资金使用。…"): the amount
# stated under it, with a verb of its kind, is that quantity
RECEIVED_SECTION = ("资金到位", "到位情况")
SPENT_SECTION = ("资金使用", "资金执行", "预算执行", "支出情况", "执行情况", "使用情况", "资金支付")
RECEIVE_VERBS = ("下达", "拨付", "到位", "收到", "拨入", "到账")
SPEND_VERBS = ("支出", "使用", "支付", "拨付", "兑现", "兑付", "发放", "执行")

# years: labels that name the fiscal year evaluated, and labels of dates that are not it
YEAR_LABELS = ("评价年度", "项目年度", "预算年度", "所属年度", "实施年度", "年度")
DATE_LABELS = ("发布时间", "发布日期", "成文日期", "填报时间", "填报日期", "自评日期", "报告日期", "评价日期",
               "印发日期", "信息提供日期", "生成日期", "发文日期", "编制日期", "出具日期", "时间", "日期")


# --- section headings (pipeline/record/sections.py, problems.py; rules/meta.py meta.missing_section) ---
# One list per part of the standard outline. sections.py says which parts a report has, problems.py
# reads the items under the problems and recommendations headings, meta.missing_section names the
# missing ones: all from these, so a heading that yields recommendations is never "missing".
BACKGROUND_HEADINGS = ("基本情况", "项目概况", "项目概述", "基本概况", "项目简介")
CONCLUSION_HEADINGS = ("评价结论", "评价结果", "综合评价", "绩效分析", "得分情况", "评分情况", "评价得分", "自评结论")
# regex: "存在的主要问题", "发现的问题", "问题及原因", "问题和建议", "三、问题", "不足之处"
PROBLEM_HEADING = (r"(?:存在|发现|主要)的?(?:主要)?问题|问题(?:及|和|与)?(?:原因|分析|不足)|问题(?:及|和|与)(?:建议|对策)|"
                   r"^[\W\d一二三四五六七八九十、.．（）()]*问题$|不足之处")
ADVICE_HEADINGS = ("建议", "改进措施", "整改措施", "改进意见", "意见和建议", "对策")
# a heading of another part: it ends a recommendations section
OTHER_HEADINGS = ("经验", "做法", "成效", "附件", "佐证", "结论", "情况", "说明", "声明", "致谢", "局限")
# the outline part → regex of its headings; meta.missing_section checks every part listed here
SECTION_HEADINGS = {
    "基本情况": alternation(BACKGROUND_HEADINGS),
    "评价结论": alternation(CONCLUSION_HEADINGS),
    "存在问题": PROBLEM_HEADING,
    "建议": alternation(ADVICE_HEADINGS),
}
# an item labelled by its kind: "问题一：", "建议2："
ITEM_LABEL_WORDS = ("问题", "建议")

# ---- HTML page (H18H, issue #18): the order the page shows first-level indicator dimensions in
# (the reader's order of the standard framework; other dimension names follow, alphabetically)
INDICATOR_DIMENSION_ORDER = ("决策", "过程", "产出", "效益")
