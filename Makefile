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

# `make bench`: every benchmark in BENCH_ALL (each named once, run in this order, with its
# own arguments from BENCH_ARGS_<name> if set), then one table of every figure with its
# goal (bench/summary.py, also written to bench/LATEST.md and the README). A benchmark
# that fails is a row of the table and make's exit status; the others still run.
# `make bench BENCH_QUICK=1`: a short run of each, to check that they all work.
BENCH_ALL = engine calendar timers comms writes health api sqlite_readers cli json_path report storm
BENCH_RESULTS ?= bench/.results.jsonl
ifdef BENCH_QUICK
BENCH_ARGS_engine ?= --snapshots 5000 --repeat 1
BENCH_ARGS_calendar ?= --inputs 1000 --repeat 1
BENCH_ARGS_timers ?= --sizes 1000,10000 --repeat 2
BENCH_ARGS_comms ?= --renders 20 --detections 200 --drafts 30 --deliveries 40
BENCH_ARGS_writes ?= --opens 20 --changes 200 --samples 10
BENCH_ARGS_health ?= --accounts 30 --repeat 1
BENCH_ARGS_api ?= --cases 1000 --rounds 20 --seconds 1
BENCH_ARGS_sqlite_readers ?= --samples 20 --locked-samples 5
BENCH_ARGS_report ?= --entries 500 --rounds 1
BENCH_ARGS_storm ?= --tickets 200 --accounts 50
export BENCH_QUICK
endif

bench: $(VENV)/.installed-dev
	$(call install,dev$(comma)bench)
	@rm -f $(BENCH_RESULTS); failed=; \
	$(foreach name,$(BENCH_ALL),echo "== bench/$(name).py $(BENCH_ARGS_$(name))"; \
	  ESCALADA_BENCH_RESULTS=$(abspath $(BENCH_RESULTS)) \
	  $(BIN)/python bench/$(name).py $(BENCH_ARGS_$(name)) || failed="$$failed $(name)";) \
	$(BIN)/python bench/summary.py $(BENCH_RESULTS) --failed "$$failed"

# uv installs the project with the extras asked for (pyproject.toml's lower bounds),
# compiled to bytecode up front (where PYTHONDONTWRITEBYTECODE is set, nothing else would),
# showing its progress; the time each install took is printed after it. uv itself comes
# from the package index like everything else, into the venv, by pip.
# A comma inside $(call ...) would split the argument: extras are joined with $(comma).
comma := ,
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
