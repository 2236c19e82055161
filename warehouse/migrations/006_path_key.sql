-- Files are identified by their resolved path (warehouse/paths.py): `path_key` is the lossless,
-- resolved absolute path; `source_path` stays the readable form. documents is keyed by
-- (file_sha, path_key), so the same file named relatively and absolutely is one file (issue #14 D3).
-- Rows written before this migration take their source_path as key.
CREATE TABLE documents_v6 (
    file_sha VARCHAR, doc_id VARCHAR, source_path VARCHAR, source_format VARCHAR, pages INTEGER,
    first_seen TIMESTAMP DEFAULT current_timestamp, path_key VARCHAR,
    PRIMARY KEY (file_sha, path_key)
);
INSERT INTO documents_v6 SELECT file_sha, doc_id, source_path, source_format, pages, first_seen, source_path FROM documents;
DROP TABLE documents;
ALTER TABLE documents_v6 RENAME TO documents;
ALTER TABLE ingest_log ADD COLUMN path_key VARCHAR;
