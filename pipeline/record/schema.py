"""The record: what one report says, as plain data with fixed keys.

Every stage after extraction reads and writes this shape; rules read it, the warehouse loads it.
Scalar fields are the ``reports`` columns of the contract (units: 万元, percent, points, ISO dates;
unknown is None, never 0). ``provenance[field]`` says where a scalar came from; a value read from a
self-evaluation form carries ``source: "form"``, ``shape`` ("table" | "text") and, when it displaced
a narrative value, ``replaced: {value, source}``.

Lists (each item a dict; ``page`` and ``evidence`` — the source text — on every item that has them):

indicators      {level, dimension, name, parent, weight, score, rate_pct, page, evidence, source}
                  source: "table" | "narrative" | "form" (a 自评表's indicator part, pipeline/record/form_indicators.py)
problems        {seq, text, category, page}
recommendations {seq, text, page}
fund_sources    {name, kind ("source"|"year"|"total"), allocated_wan, received_wan, spent_wan, page, evidence}
                  rows of a funding table: by source (中央/省/市/县) or by year; kind "total" for its 合计 row;
                  a breakdown in the text ("…3185万元。其中：A 1720万元，…") is rows of kind "total" and "item"
                  sharing a ``group`` key (its items add up to its total; it is not compared to the headline amount)
expense_details {name, amount_yuan, page, evidence}   detail lines of spending (often in 元)
expense_total_yuan  the stated total of those lines (元), or None
targets         {name, direction (">=", "<=", "="), target_text, target_value, actual_text,
                 actual_value, unit, status ("已完成" | "部分完成" | "未完成" | None), page, evidence}
survey          {issued, valid, options: [{label, count, share_pct, weight_pct}], stated_pct, page, evidence}
counts          {name, total, parts: [{name, value}], stated_rate_pct, page, evidence}
                  a count and its parts (e.g. 退休人员 18,437 = 10,205 + 1,164 + 7,068), with a rate claimed for it;
                  optional ``base``: the population a coverage rate is over (total ÷ base = the rate)
statements      {quantity, value, page, evidence}
                  every place a headline quantity is stated, for number.restated_mismatch;
                  quantity is one of: total_score, grade, allocated_wan, received_wan, spent_wan,
                  execution_rate_pct, arrival_rate_pct; optional ``key`` says what it is about (the notice an
                  allocation was made by, "财农〔2022〕17号"): only statements with the same key are compared
provenance      {field: {page, start, end, text[, via]}}: ``via`` names the evidence that won where a value is
                  stated in several places (fiscal_year: label | title_fy | title | body | body_fy; amounts:
                  label | form | section | year_fund | investment, "+final" / "+whole" for a final or whole amount)
narrative       {text, page, start, section}   every paragraph/heading block in reading order, with the
                  nearest heading above it (section) — rules read clauses from here, not from raw text;
                  not stored as a table (doc_text holds the full text)
sections        {"基本情况": bool, "评价结论": bool, "存在问题": bool, "建议": bool}
rounding        {field: decimals as stated} for rates/scores where the report's precision matters
"""
from __future__ import annotations

REPORT_FIELDS = [
    "doc_id", "source_path", "source_format", "pages", "title",
    "province", "city", "county", "township", "fiscal_year", "evaluation_kind", "evaluator",
    "commissioner", "subject", "doc_number", "report_date", "total_score", "grade",
    "allocated_wan", "received_wan", "spent_wan", "carryover_wan",
    "execution_rate_pct", "arrival_rate_pct", "beneficiaries", "survey_respondents", "satisfaction_pct",
    "programme", "text_chars", "content_key", "ocr_pages",
]

LIST_FIELDS = ["indicators", "problems", "recommendations", "fund_sources", "expense_details",
               "targets", "counts", "statements", "narrative"]

DIMENSIONS = ("决策", "过程", "产出", "效益")


def empty_record() -> dict:
    rec: dict = {k: None for k in REPORT_FIELDS}
    for k in LIST_FIELDS:
        rec[k] = []
    rec.update(expense_total_yuan=None, survey={}, sections={}, rounding={}, provenance={},
               low_confidence=[])
    return rec
