# jixiao — every target installs what it needs through `setup` (a fresh clone needs nothing else).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
DIR     ?= corpus/samples
DB      ?= warehouse/reports.duckdb
STAMP   := $(VENV)/.installed

.PHONY: setup test ingest audit report bench fuzz clean help setup-browser setup-bench

help:
	@echo "make setup              create .venv with everything installed"
	@echo "make ingest [DIR=…] [DB=…]  read every report under DIR into DuckDB (default: corpus/samples)"
	@echo "make test               run the test suite"
	@echo "make audit              write audit.xlsx from the warehouse"
	@echo "make report             write report.html from the warehouse"
	@echo "make bench              benchmark speed, memory and accuracy (bench/results.json)"
	@echo "make fuzz               bounded fuzzing of the TXT and DOCX extractors (not in CI)"

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

ingest: setup
	$(BIN)/python -m pipeline ingest "$(DIR)" --db "$(DB)"

# the tests need OCR (scanned pages), Chromium (the HTML report) and LibreOffice + Noto CJK (the
# vector-table PDFs of tests/test_pdf_tables.py): with them and ../shared a run skips nothing
test: setup setup-ocr setup-browser setup-bench
	$(BIN)/python -m pytest -q

# OCR for scanned PDFs (Debian packages). Never fails: without apt/root it says what to install.
.PHONY: setup-ocr
setup-ocr:
	@command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx chi_sim || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else SUDO=none; fi; \
	  if [ "$$SUDO" != none ] && command -v apt-get >/dev/null 2>&1 && $$SUDO apt-get update -qq && \
	     $$SUDO apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-chi-sim; then :; \
	  else echo "OCR not installed: scanned PDFs will be reported as needs_ocr. Install it with: apt-get install tesseract-ocr tesseract-ocr-chi-sim / 未安装 OCR，扫描件将标记为 needs_ocr，请安装 tesseract-ocr 与 tesseract-ocr-chi-sim"; fi; }

audit: setup
	$(BIN)/python -m pipeline audit --db "$(DB)" --format xlsx --out audit.xlsx

report: setup
	$(BIN)/python -m pipeline report --db "$(DB)" --out report.html

# headless Chromium for tests/test_report_html.py (best effort: needs root or sudo on Debian/Ubuntu)
setup-browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    ($$SUDO apt-get update -qq && $$SUDO apt-get install -y --no-install-recommends chromium) || \
	    echo "could not install chromium; install it by hand (apt-get install chromium) / 请手动安装 chromium"; }

# LibreOffice + Noto CJK render the synthetic PDFs (docx → pdf with a real CJK text layer): the bench's
# PDFs and the ruled-table PDF that tests/test_pdf_tables.py checks the vector table finder on
setup-bench:
	@command -v soffice >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'Noto.*CJK' || \
	  { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    ($$SUDO apt-get update -qq && $$SUDO apt-get install -y --no-install-recommends libreoffice-writer fonts-noto-cjk) || \
	    echo "could not install LibreOffice; the bench runs without PDFs (apt-get install libreoffice-writer fonts-noto-cjk) / 未能安装 LibreOffice，基准测试将不含 PDF"; }

bench: setup setup-bench
	$(BIN)/python -m bench

fuzz: setup
	$(BIN)/python -m tests.fuzz

clean:
	rm -rf $(VENV) warehouse/*.duckdb warehouse/*.duckdb.wal .pytest_cache
