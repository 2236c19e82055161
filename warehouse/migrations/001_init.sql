-- The contract tables (shared/CONTRACT.md) and the detail tables that extend them.
CREATE TABLE reports (
    doc_id VARCHAR PRIMARY KEY,
    source_path VARCHAR, source_format VARCHAR, pages INTEGER, title VARCHAR,
    province VARCHAR, city VARCHAR, county VARCHAR, township VARCHAR,
    fiscal_year INTEGER, evaluation_kind VARCHAR, evaluator VARCHAR, commissioner VARCHAR,
    subject VARCHAR, doc_number VARCHAR, report_date DATE,
    total_score DOUBLE, grade VARCHAR,
    allocated_wan DOUBLE, received_wan DOUBLE, spent_wan DOUBLE, carryover_wan DOUBLE,
    execution_rate_pct DOUBLE, arrival_rate_pct DOUBLE,
    beneficiaries BIGINT, survey_respondents BIGINT, satisfaction_pct DOUBLE,
    programme VARCHAR, text_chars INTEGER, content_key VARCHAR,
    pipeline_version VARCHAR, ingested_at TIMESTAMP DEFAULT current_timestamp
);
-- every file that carried a report (the same report as PDF and DOCX: two rows, one doc_id)
CREATE TABLE documents (
    file_sha VARCHAR, doc_id VARCHAR, source_path VARCHAR, source_format VARCHAR, pages INTEGER,
    first_seen TIMESTAMP DEFAULT current_timestamp, PRIMARY KEY (file_sha, source_path)
);
CREATE TABLE indicators (
    doc_id VARCHAR, seq INTEGER, level INTEGER, dimension VARCHAR, name VARCHAR, parent VARCHAR,
    weight DOUBLE, score DOUBLE, rate_pct DOUBLE, source VARCHAR, page INTEGER, evidence VARCHAR
);
CREATE TABLE problems (doc_id VARCHAR, seq INTEGER, text VARCHAR, category VARCHAR, page INTEGER);
CREATE TABLE recommendations (doc_id VARCHAR, seq INTEGER, text VARCHAR, page INTEGER);
CREATE TABLE findings (
    doc_id VARCHAR, rule_id VARCHAR, severity VARCHAR, message VARCHAR,
    expected VARCHAR, actual VARCHAR, evidence VARCHAR, page INTEGER
);
CREATE TABLE ingest_log (
    run_id VARCHAR, source_path VARCHAR, doc_id VARCHAR, status VARCHAR, error VARCHAR,
    seconds DOUBLE, file_sha VARCHAR, pages INTEGER, logged_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE fund_sources (
    doc_id VARCHAR, seq INTEGER, name VARCHAR, kind VARCHAR,
    allocated_wan DOUBLE, received_wan DOUBLE, spent_wan DOUBLE, page INTEGER, evidence VARCHAR
);
CREATE TABLE expense_details (doc_id VARCHAR, seq INTEGER, name VARCHAR, amount_yuan DOUBLE, page INTEGER, evidence VARCHAR);
CREATE TABLE targets (
    doc_id VARCHAR, seq INTEGER, name VARCHAR, direction VARCHAR, target_text VARCHAR, target_value DOUBLE,
    actual_text VARCHAR, actual_value DOUBLE, unit VARCHAR, status VARCHAR, page INTEGER, evidence VARCHAR
);
CREATE TABLE provenance (doc_id VARCHAR, field VARCHAR, page INTEGER, start_char INTEGER, end_char INTEGER, text VARCHAR);
CREATE TABLE doc_text (doc_id VARCHAR PRIMARY KEY, text VARCHAR);
