-- What a stored file lost or should be checked for, one entry per warning (issue #17): the status
-- `partial` (a report stored without some of its content: pages with no text layer and no OCR,
-- pages too large to render, a table left out, bytes that were not valid text) says which pages in
-- these words. A list (VARCHAR[]) rather than JSON text, so a query can `unnest(warnings)` or
-- `list_contains` without parsing. NULL for files that were not read (failed, skipped, …) and for
-- rows written before this migration; an empty list for a clean read.
ALTER TABLE ingest_log ADD COLUMN warnings VARCHAR[];
