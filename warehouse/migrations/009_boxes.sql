-- Boxes on the page (issue #18): where a value is printed, so a reviewer can see it. A box is
-- `x0, y0, x1, y1` in PDF points (1/72 inch) with the origin at the TOP-LEFT corner of the page
-- (its crop box) and y growing DOWNWARDS, the way a rendered page image is read; `page_width`,
-- `page_height` are that page's size in points, so a box scales to any rendering
-- (pixel = point * dpi / 72). The page is the row's `page` column (1-based). Text PDFs take the
-- box from the text layer's character boxes, scanned pages from the OCR words, table cells from
-- the table finder. DOCX and TXT have no geometry: the box stays NULL and provenance says where
-- the value is in `locator` instead ("paragraph 12", "table 2 row 3 cell 1"). Rows written before
-- this migration have NULL boxes.
ALTER TABLE provenance ADD COLUMN x0 DOUBLE;
ALTER TABLE provenance ADD COLUMN y0 DOUBLE;
ALTER TABLE provenance ADD COLUMN x1 DOUBLE;
ALTER TABLE provenance ADD COLUMN y1 DOUBLE;
ALTER TABLE provenance ADD COLUMN page_width DOUBLE;
ALTER TABLE provenance ADD COLUMN page_height DOUBLE;
ALTER TABLE provenance ADD COLUMN locator VARCHAR;
ALTER TABLE indicators ADD COLUMN x0 DOUBLE;
ALTER TABLE indicators ADD COLUMN y0 DOUBLE;
ALTER TABLE indicators ADD COLUMN x1 DOUBLE;
ALTER TABLE indicators ADD COLUMN y1 DOUBLE;
ALTER TABLE indicators ADD COLUMN page_width DOUBLE;
ALTER TABLE indicators ADD COLUMN page_height DOUBLE;
ALTER TABLE fund_sources ADD COLUMN x0 DOUBLE;
ALTER TABLE fund_sources ADD COLUMN y0 DOUBLE;
ALTER TABLE fund_sources ADD COLUMN x1 DOUBLE;
ALTER TABLE fund_sources ADD COLUMN y1 DOUBLE;
ALTER TABLE fund_sources ADD COLUMN page_width DOUBLE;
ALTER TABLE fund_sources ADD COLUMN page_height DOUBLE;
ALTER TABLE expense_details ADD COLUMN x0 DOUBLE;
ALTER TABLE expense_details ADD COLUMN y0 DOUBLE;
ALTER TABLE expense_details ADD COLUMN x1 DOUBLE;
ALTER TABLE expense_details ADD COLUMN y1 DOUBLE;
ALTER TABLE expense_details ADD COLUMN page_width DOUBLE;
ALTER TABLE expense_details ADD COLUMN page_height DOUBLE;
ALTER TABLE targets ADD COLUMN x0 DOUBLE;
ALTER TABLE targets ADD COLUMN y0 DOUBLE;
ALTER TABLE targets ADD COLUMN x1 DOUBLE;
ALTER TABLE targets ADD COLUMN y1 DOUBLE;
ALTER TABLE targets ADD COLUMN page_width DOUBLE;
ALTER TABLE targets ADD COLUMN page_height DOUBLE;
-- findings: the record field the finding rests on (`total_score`, `indicators[3].score`) when the
-- rule knows it, and the box of that value (copied from provenance / the detail row when written)
ALTER TABLE findings ADD COLUMN field VARCHAR;
ALTER TABLE findings ADD COLUMN x0 DOUBLE;
ALTER TABLE findings ADD COLUMN y0 DOUBLE;
ALTER TABLE findings ADD COLUMN x1 DOUBLE;
ALTER TABLE findings ADD COLUMN y1 DOUBLE;
ALTER TABLE findings ADD COLUMN page_width DOUBLE;
ALTER TABLE findings ADD COLUMN page_height DOUBLE;
