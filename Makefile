# mineflow — two commands: `make run` starts the whole product, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres system browser bench bench-smoke soak lint fmt clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## Start Temporal dev server (UI on), worker and API with demo data; Ctrl-C stops everything.
run: $(STAMP) system
	$(BIN)/mineflow dev

## Every test, on SQLite and on PostgreSQL (the console's browser tests run in the SQLite pass), and the bench smoke.
test: $(STAMP) lint system browser test-sqlite test-postgres bench-smoke

## Debian's Pango, HarfBuzz-subset and Noto CJK fonts for the PDF documents (installed with apt-get when root).
system: $(STAMP)
	$(BIN)/python -m cli.ensure_pdf

## Debian's Chromium and CJK fonts for the browser tests (installed with apt-get when root, e.g. in CI).
browser: $(STAMP)
	$(BIN)/python -m tests.support.ensure_browser

# Where Chromium is installed the browser tests must run: a Playwright failure fails, never skips.
test-sqlite: $(STAMP)
	@date -u +'%FT%TZ test-sqlite starts'
	MINEFLOW_REQUIRE_BROWSER=$$(test -x $${MINEFLOW_CHROMIUM:-/usr/bin/chromium} && echo 1 || echo 0) $(BIN)/pytest -q

test-postgres: $(STAMP)
	@date -u +'%FT%TZ test-postgres starts'
	$(BIN)/python -m tests.support.ensure_postgres
	MINEFLOW_TEST_DATABASE=postgresql $(BIN)/pytest -q -m "not sqlite_only"

## Benchmarks (not in CI): own dev server, worker and API; prints a table, writes bench/results/<date>.json.
bench: $(STAMP)
	$(BIN)/python -m bench

## The bench on a tiny size: checks it runs (timings are never asserted).
bench-smoke: $(STAMP)
	@date -u +'%FT%TZ bench-smoke starts'
	$(BIN)/python -m bench --smoke

## Soak (not in CI): 500 concurrent cases with random worker restarts; SOAK_CASES=N to size it.
soak: $(STAMP)
	MINEFLOW_SOAK=1 $(BIN)/pytest -q -s -m soak -p no:cacheprovider --timeout=0

lint: $(STAMP)
	$(BIN)/ruff check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
