# Two commands on a fresh machine: `make run` (the product on embedded SQLite;
# `make run DEMO=1` loads demo data first, or says it is loaded already) and
# `make test` (the whole suite; `make test-deep` draws ten times more property-test
# and schemathesis examples).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Test processes: two workers pay on two cores (each test has its own database either way).
WORKERS ?= 2

.PHONY: run test test-deep lint bench

run: $(VENV)/.installed
ifdef DEMO
	$(BIN)/escalada demo
endif
	$(BIN)/escalada serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed lint
	$(BIN)/pytest -n $(WORKERS)

test-deep: $(VENV)/.installed lint
	$(BIN)/pytest -n $(WORKERS) --hypothesis-profile=thorough

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/calendar.py
	$(BIN)/python bench/timers.py
	$(BIN)/python bench/comms.py

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@
