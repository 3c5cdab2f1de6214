# Two commands on a fresh machine: `make run` (the product on embedded SQLite;
# `make run DEMO=1` loads demo data first, or says it is loaded already) and
# `make test` (the whole suite; `make test-deep` draws ten times more property-test
# and schemathesis examples).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# What `make run` installs besides the product: the vendors' SDKs (`vendor open`, sync)
# and the report's HTML and PDF renderers. `make run RUN_EXTRAS=` leaves them out; a
# vendor command or an HTML/PDF report then names the extra to install.
RUN_EXTRAS ?= vendors,report

# Test processes: three pay on two cores (tests wait on PostgreSQL, sockets and child
# processes; measured 290 s against 328 s with two), each taking work as it frees up.
WORKERS ?= 3

.PHONY: run test test-deep lint bench

run: $(VENV)/.installed-run
ifdef DEMO
	$(BIN)/escalada demo
endif
	$(BIN)/escalada serve --host $(HOST) --port $(PORT)

# escalada's own modules are compiled first: the tests start real `escalada` processes
# too, and where PYTHONDONTWRITEBYTECODE is set each would compile them all again.
test: $(VENV)/.installed-dev lint
	$(BIN)/python -m compileall -q src
	$(BIN)/pytest -n $(WORKERS) --dist worksteal

test-deep: $(VENV)/.installed-dev lint
	$(BIN)/python -m compileall -q src
	$(BIN)/pytest -n $(WORKERS) --dist worksteal --hypothesis-profile=thorough

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(VENV)/.installed-dev
	$(call install,dev,bench)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/calendar.py
	$(BIN)/python bench/timers.py
	$(BIN)/python bench/comms.py
	$(BIN)/python bench/writes.py
	$(BIN)/python bench/health.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/sqlite_readers.py

# uv installs the project with the extras asked for (pyproject.toml's lower bounds),
# compiled to bytecode up front (where PYTHONDONTWRITEBYTECODE is set, nothing else would),
# showing its progress; the time each install took is printed after it. uv itself comes
# from the package index like everything else, into the venv, by pip.
define install
	@start=$$(date +%s); \
	$(BIN)/uv pip install --compile-bytecode --python $(BIN)/python -e '.[$(1)]' && \
	echo "installed in $$(( $$(date +%s) - start )) s: $$(du -sm $(VENV) | cut -f1) MB in $(VENV)"
endef

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --progress-bar on uv

$(VENV)/.installed-run: pyproject.toml | $(BIN)/uv
	$(call install,$(RUN_EXTRAS))
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/uv
	$(call install,dev)
	touch $@
