-- What the corpus-level passes (rendition groups, problem categories, corpus rules) last ran over:
-- a digest of the stored reports and of the pipeline. An ingest that stored nothing new (every file
-- unchanged) finds the same digest and skips the passes, which read the whole warehouse.
CREATE TABLE IF NOT EXISTS corpus_state (
    key VARCHAR PRIMARY KEY,
    value VARCHAR,
    updated_at TIMESTAMP DEFAULT current_timestamp
);
