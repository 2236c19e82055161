-- Scanned reports (issue #8): how many pages of the stored rendition were read by OCR (0 for a
-- text layer, DOCX and TXT). Lets a user tell OCR'd values apart, and lets the grouping of
-- renditions prefer a text rendition over a scan of the same report.
ALTER TABLE reports ADD COLUMN ocr_pages INTEGER;
