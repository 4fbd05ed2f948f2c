# mineflow — two commands: `make run` starts the whole product, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint fmt clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## Start Temporal dev server (UI on), worker and API with demo data; Ctrl-C stops everything.
run: $(STAMP)
	$(BIN)/mineflow dev

## Every test, on SQLite and on PostgreSQL.
test: $(STAMP) lint test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(BIN)/pytest -q

test-postgres: $(STAMP)
	$(BIN)/python -m tests.support.ensure_postgres
	MINEFLOW_TEST_DATABASE=postgresql $(BIN)/pytest -q -m "not sqlite_only"

lint: $(STAMP)
	$(BIN)/ruff check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
