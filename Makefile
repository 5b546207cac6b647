# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck bench sandbox-bench screenshots bytecode clean

## Regoose's own bytecode, compiled ahead: an editable install has none, and where
## PYTHONDONTWRITEBYTECODE is set every `regoose` start would compile its ~200 modules
## again (about 0.3 s). Up-to-date files are skipped, so this is quick after the first time.
bytecode:
	$(BIN)/python -m compileall -q -j 0 regoose_tui widgets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed-run

## Launch the app on the bundled example project with the offline provider.
run: $(VENV)/.installed-run bytecode
	$(BIN)/regoose tui examples --provider offline

#: What ruff checks and formats: the package, the tests and the scripts beside them.
LINT_PATHS := regoose_tui widgets tests scripts benchmarks

## pytest-xdist workers for `make test`: one more than CI's 2 cores, so a worker waiting on
## an engine, a sandbox start or a timeout leaves both cores busy. More workers stretch the
## few-second waits of some app tests (seen with -n 4 on a 2-core machine shared with other jobs).
## `make test PYTEST_WORKERS=0` runs the suite in one process.
PYTEST_WORKERS ?= 3

## Run every test: lint, the import contract, types, unit, widget, app, snapshot and e2e tests.
## The container sandbox image is built first on every engine that answers (offline, tiny).
## --dist loadgroup keeps an xdist_group on one worker (tests/conftest.py groups the tests
## sharing an expensive module fixture); --durations=20 shows where the time goes.
test: $(VENV)/.installed-dev bytecode
	$(BIN)/python -m regoose_tui sandbox build --if-reachable
	$(BIN)/ruff check --no-cache $(LINT_PATHS)
	$(BIN)/ruff format --check --no-cache $(LINT_PATHS)
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(BIN)/python -m pytest -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadgroup \
		--durations=20 $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check --no-cache $(LINT_PATHS)
	$(BIN)/ruff format --check --no-cache $(LINT_PATHS)

## Type-check regoose_tui/, widgets/ and tests/ with the pinned mypy ([tool.mypy] in pyproject.toml).
typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

bench: $(VENV)/.installed-dev bytecode
	$(BIN)/python benchmarks/bus_throughput.py
	$(BIN)/python benchmarks/live_log_bench.py
	$(BIN)/python benchmarks/plan_graph_bench.py
	$(BIN)/python benchmarks/app_startup_bench.py --runs 7

## Per-run sandbox overhead (docker cold/pooled, podman cold/pooled, bwrap, local) and whole generations.
sandbox-bench: $(VENV)/.installed-dev bytecode
	$(BIN)/python benchmarks/runtime_overhead_bench.py

screenshots: $(VENV)/.installed-dev bytecode
	$(BIN)/python scripts/make_screenshots.py

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache .mypy_cache
