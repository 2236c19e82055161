-- Reviews that survive a re-render of the same report (issue #18). The same text in a new file
-- (a DOCX of a TXT, a PDF printed again) gets a new doc_id, so the doc-level finding_key misses.
-- Each review also keeps the report group it was made in (report_groups.group_id, migration 002),
-- its group-level key (pipeline/audit.py: group_key — the group id, rule, expected, actual and the
-- letters and digits of the evidence's start) and the file the finding was read from (path_key,
-- as documents.path_key). An export matches the doc-level key first, then the group-level key
-- against every rendition of the finding's current group, then — only when the reviewed report is
-- gone from the warehouse, i.e. its file was replaced in place by a new rendition — against the
-- report now read from the same file. Reviews from before this migration have NULL here and are
-- matched through their own doc_id (a rendition of the group).
ALTER TABLE reviews ADD COLUMN group_id VARCHAR;
ALTER TABLE reviews ADD COLUMN group_key VARCHAR;
ALTER TABLE reviews ADD COLUMN path_key VARCHAR;
