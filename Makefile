# jixiao — every target installs what it needs through `setup` (a fresh clone needs nothing else).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
DIR     ?= corpus/samples
DB      ?= warehouse/reports.duckdb
STAMP   := $(VENV)/.installed

.PHONY: setup test ingest audit report bench fuzz clean help

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

test: setup
	$(BIN)/python -m pytest -q

audit: setup
	$(BIN)/python -m pipeline audit --db "$(DB)" --format xlsx --out audit.xlsx

report: setup
	$(BIN)/python -m pipeline report --db "$(DB)" --out report.html

bench: setup
	$(BIN)/python -m bench

fuzz: setup
	$(BIN)/python -m tests.fuzz

clean:
	rm -rf $(VENV) warehouse/*.duckdb warehouse/*.duckdb.wal .pytest_cache
