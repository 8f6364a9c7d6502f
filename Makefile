# Accord: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export ACCORD_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test lint install messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)

## Serve the demo workspace on http://127.0.0.1:8000 (server and worker).
run: $(STAMP)
	$(BIN)/accord migrate --noinput
	$(BIN)/accord collectstatic --noinput -v0
	$(BIN)/accord demo --if-empty
	@# The worker runs in a loop that starts it again if it ever exits (a crash must not stop
	@# mail silently); stopping the server stops the loop and then the worker.
	@( trap 'kill $$child 2>/dev/null; wait $$child; exit 0' TERM; \
	   while :; do \
	     $(BIN)/accord worker & child=$$!; wait $$child; code=$$?; \
	     echo "accord worker exited ($$code); starting it again in 2 s" >&2; sleep 2; \
	   done ) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/accord serve

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench scripts conftest.py
	$(BIN)/ruff format --check src tests bench scripts conftest.py

## Lint, then the whole suite on SQLite (browser tests included), Schemathesis against a live
## server, then the suite again on PostgreSQL when ACCORD_TEST_POSTGRES_URL (or DATABASE_URL)
## points at one (without the browser and the `once` walks, whose pages do not depend on the
## database), then the worker fault test. Tests get a throw-away data folder.
test: lint
	env -u DATABASE_URL $(BIN)/accord makemigrations --check --dry-run
	@echo "== SQLite"
	env -u DATABASE_URL -u ACCORD_DATA_DIR $(BIN)/pytest -n 2 -m "not schemathesis and not fault"
	@echo "== Schemathesis: the API against its schema on a live server (SQLite, demo workspace)"
	env -u DATABASE_URL -u ACCORD_DATA_DIR $(BIN)/pytest -m schemathesis
	@pg="$${ACCORD_TEST_POSTGRES_URL:-}"; \
	case "$${DATABASE_URL:-}" in postgres*) pg="$${pg:-$$DATABASE_URL}";; esac; \
	if [ -n "$$pg" ]; then \
		echo "== PostgreSQL: $$pg"; \
		env -u ACCORD_DATA_DIR DATABASE_URL="$$pg" $(BIN)/pytest -n 2 -m "not browser and not schemathesis and not fault and not once"; \
	fi
	@echo "== Fault test: workers killed and PostgreSQL restarted under them (own cluster, alone)"
	env -u DATABASE_URL -u ACCORD_DATA_DIR $(BIN)/pytest -m fault

## Regenerate the Chinese catalogues of every app and compile them.
messages: $(DEV_STAMP)
	$(BIN)/python scripts/messages.py

## Benchmark with the production server and wrk; options via BENCH_ARGS (see --help), e.g.
## make bench BENCH_ARGS=--quick
bench: $(DEV_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var build *.egg-info
