-- Cross-county comparison (issue #5). "One report, one vote": the PDF and the DOCX of one report
-- have different doc_ids (their texts differ slightly), so pipeline/dedupe.py groups near-identical
-- texts into report_groups after every ingest; the views below count each group once, through
-- its primary (most complete) rendition. A report not yet grouped counts as its own group.
CREATE TABLE IF NOT EXISTS report_groups (
    doc_id VARCHAR PRIMARY KEY,
    group_id VARCHAR NOT NULL,      -- the primary rendition's doc_id
    is_primary BOOLEAN NOT NULL,
    similarity DOUBLE               -- text similarity (0–100) to the primary; 100 for the primary
);

CREATE OR REPLACE VIEW canonical_reports AS
SELECT r.*,
       COALESCE(g.group_id, r.doc_id) AS report_group,
       (SELECT count(*) FROM report_groups g2 WHERE g2.group_id = COALESCE(g.group_id, r.doc_id)) AS n_renditions
FROM reports r LEFT JOIN report_groups g USING (doc_id)
WHERE g.doc_id IS NULL OR g.is_primary;

-- per canonical report: recomputed rates, cost per person, finding counts
CREATE OR REPLACE VIEW report_metrics AS
SELECT c.doc_id, c.report_group, c.province, c.city, c.county, c.fiscal_year, c.programme, c.subject,
       c.evaluation_kind, c.total_score, c.grade,
       c.allocated_wan, c.received_wan, c.spent_wan,
       c.execution_rate_pct,
       CASE WHEN c.received_wan > 0 THEN round(c.spent_wan / c.received_wan * 100, 2) END AS execution_vs_received_pct,
       CASE WHEN c.allocated_wan > 0 THEN round(c.spent_wan / c.allocated_wan * 100, 2) END AS execution_vs_allocated_pct,
       c.arrival_rate_pct,
       CASE WHEN c.allocated_wan > 0 THEN round(c.received_wan / c.allocated_wan * 100, 2) END AS arrival_rate_recomputed_pct,
       c.beneficiaries,
       CASE WHEN c.beneficiaries > 0 THEN round(c.spent_wan * 10000 / c.beneficiaries, 2) END AS cost_per_beneficiary_yuan,
       c.satisfaction_pct,
       (SELECT count(*) FROM findings f WHERE f.doc_id = c.doc_id AND f.severity = 'error') AS findings_error,
       (SELECT count(*) FROM findings f WHERE f.doc_id = c.doc_id AND f.severity = 'warning') AS findings_warning,
       (SELECT count(*) FROM findings f WHERE f.doc_id = c.doc_id AND f.severity = 'info') AS findings_info,
       -- the lead report of a county × year × programme cell: third-party first, then the most complete
       row_number() OVER (PARTITION BY c.province, c.city, c.county, c.fiscal_year, c.programme
                          ORDER BY (c.evaluation_kind = 'third_party') DESC NULLS LAST,
                                   (c.total_score IS NOT NULL)::INT + (c.spent_wan IS NOT NULL)::INT
                                   + (c.beneficiaries IS NOT NULL)::INT + (c.received_wan IS NOT NULL)::INT DESC,
                                   c.doc_id) AS lead_rank
FROM canonical_reports c;

-- one row per county × fiscal_year × programme; figures are the lead report's (amounts of two
-- reports on the same programme are not added up), finding counts cover all its reports
CREATE OR REPLACE VIEW county_summary AS
SELECT m.province, m.city, m.county, m.fiscal_year, m.programme,
       count(*) AS n_reports,
       max(CASE WHEN m.lead_rank = 1 THEN m.doc_id END) AS lead_doc_id,
       max(CASE WHEN m.lead_rank = 1 THEN m.total_score END) AS total_score,
       max(CASE WHEN m.lead_rank = 1 THEN m.grade END) AS grade,
       max(CASE WHEN m.lead_rank = 1 THEN m.allocated_wan END) AS allocated_wan,
       max(CASE WHEN m.lead_rank = 1 THEN m.received_wan END) AS received_wan,
       max(CASE WHEN m.lead_rank = 1 THEN m.spent_wan END) AS spent_wan,
       max(CASE WHEN m.lead_rank = 1 THEN m.execution_rate_pct END) AS execution_rate_pct,
       max(CASE WHEN m.lead_rank = 1 THEN m.execution_vs_received_pct END) AS execution_vs_received_pct,
       max(CASE WHEN m.lead_rank = 1 THEN m.execution_vs_allocated_pct END) AS execution_vs_allocated_pct,
       max(CASE WHEN m.lead_rank = 1 THEN m.arrival_rate_pct END) AS arrival_rate_pct,
       max(CASE WHEN m.lead_rank = 1 THEN m.arrival_rate_recomputed_pct END) AS arrival_rate_recomputed_pct,
       max(CASE WHEN m.lead_rank = 1 THEN m.beneficiaries END) AS beneficiaries,
       max(CASE WHEN m.lead_rank = 1 THEN m.cost_per_beneficiary_yuan END) AS cost_per_beneficiary_yuan,
       sum(m.findings_error) AS findings_error,
       sum(m.findings_warning) AS findings_warning,
       sum(m.findings_info) AS findings_info
FROM report_metrics m
GROUP BY m.province, m.city, m.county, m.fiscal_year, m.programme;

CREATE OR REPLACE VIEW problem_frequency AS
SELECT COALESCE(p.category, '未分类') AS category,
       count(DISTINCT c.report_group) AS n_reports,
       count(DISTINCT COALESCE(c.province, '') || '|' || COALESCE(c.city, '') || '|' || c.county)
           FILTER (WHERE c.county IS NOT NULL) AS n_counties,
       count(*) AS n_problems,
       list_sort(list_distinct(list(p.text)))[1:3] AS examples     -- up to three distinct texts
FROM problems p JOIN canonical_reports c USING (doc_id)
GROUP BY 1;

CREATE OR REPLACE VIEW indicator_rates AS
SELECT c.doc_id, c.report_group, c.province, c.city, c.county, c.fiscal_year, c.programme,
       i.level, i.dimension, i.name, i.parent, i.weight, i.score,
       CASE WHEN i.weight > 0 THEN round(i.score / i.weight * 100, 2) END AS rate,
       i.rate_pct AS rate_stated_pct
FROM indicators i JOIN canonical_reports c USING (doc_id);

-- outliers: the corpus rule's findings, plus a robust z (median/MAD) on execution rates
CREATE OR REPLACE VIEW outliers AS
WITH ex AS (
    SELECT m.*, COALESCE(m.execution_rate_pct, m.execution_vs_received_pct, m.execution_vs_allocated_pct) AS x
    FROM report_metrics m
), stats AS (
    SELECT median(x) AS med, mad(x) AS mad, count(x) AS n FROM ex WHERE x IS NOT NULL
)
SELECT f.doc_id, c.province, c.city, c.county, c.fiscal_year, c.programme,
       'cost_per_beneficiary_yuan' AS metric,
       TRY_CAST(f.actual AS DOUBLE) AS value, TRY_CAST(f.expected AS DOUBLE) AS peer_median,
       NULL::DOUBLE AS robust_z, f.rule_id AS source, f.message
FROM findings f JOIN canonical_reports c USING (doc_id)
WHERE f.rule_id = 'compare.cost_per_beneficiary_outlier'
UNION ALL
SELECT ex.doc_id, ex.province, ex.city, ex.county, ex.fiscal_year, ex.programme,
       'execution_rate_pct' AS metric, ex.x AS value, s.med AS peer_median,
       round(0.6745 * (ex.x - s.med) / s.mad, 2) AS robust_z, 'view.execution_rate_mad' AS source,
       '预算执行率 ' || ex.x || '% 远离同类中位数 ' || s.med || '%（稳健 z = '
           || round(0.6745 * (ex.x - s.med) / s.mad, 2) || '），请核实' AS message
FROM ex, stats s
WHERE ex.x IS NOT NULL AND s.n >= 4 AND s.mad > 0 AND abs(0.6745 * (ex.x - s.med) / s.mad) > 3.5;
