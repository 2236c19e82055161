-- Reviewers' marks on the audit list (issue #4). Keyed by finding_key (pipeline/audit.py: a hash of
-- doc_id, rule_id, expected, actual and the start of the evidence — not the message), so a review
-- survives re-ingest as long as the finding itself still holds. Reviews are never deleted by ingest:
-- a review whose finding no longer exists is listed as stale (已失效复核) by the next export.
-- The finding's columns are kept as a snapshot of what the reviewer saw.
CREATE TABLE IF NOT EXISTS reviews (
    finding_key VARCHAR PRIMARY KEY,
    mark VARCHAR,                 -- ✓ (finding confirmed) or ✗ (false alarm); other text kept as written
    comment VARCHAR,
    reviewed_at TIMESTAMP,        -- when the mark or comment last changed
    source_file VARCHAR,          -- the XLSX it was imported from
    doc_id VARCHAR, rule_id VARCHAR, severity VARCHAR, county VARCHAR,
    message VARCHAR, expected VARCHAR, actual VARCHAR, evidence VARCHAR
);
