# Two commands: `make run` and `make test`. Everything they need is installed from here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# The Matrix tests run a real Synapse homeserver; it lives in its own venv (its dependencies are its own).
SYNAPSE_VENV := .venv-synapse
SYNAPSE_STAMP := $(SYNAPSE_VENV)/.installed
SYNAPSE_VERSION ?= matrix-synapse>=1.100,<2
# The agenda page is tested in a real headless Chromium (Debian's chromium + chromium-driver, installed
# here when missing and we are root) and checked with axe-core (from npm, pinned, into .tools/).
TOOLS := .tools
AXE_VERSION := 4.10.3
AXE := $(TOOLS)/node_modules/axe-core/axe.min.js

.PHONY: run test bench install dev clean lock schema $(BENCH_NAMES)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Dependencies come from the lock files (exact versions, hash-checked); `make lock` refreshes them from pyproject.toml.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
UV_VERSION := 0.13.9

$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): pyproject.toml $(DEV_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP) $@

lock:
	@test -x $(TOOLS)/uv/bin/uv || { $(PYTHON) -m venv $(TOOLS)/uv && $(TOOLS)/uv/bin/python -m pip install --quiet "uv==$(UV_VERSION)"; }
	$(TOOLS)/uv/bin/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 --no-header -q -o $(LOCK)
	$(TOOLS)/uv/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 --no-header -q -o $(DEV_LOCK)
	@echo "locked: $(LOCK) and $(DEV_LOCK) (commit both)"

$(SYNAPSE_STAMP):
	$(PYTHON) -m venv $(SYNAPSE_VENV)
	$(SYNAPSE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SYNAPSE_VENV)/bin/python -m pip install --quiet "$(SYNAPSE_VERSION)"
	touch $@

$(AXE):
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null) \
	      || echo "make: could not install chromium: the browser tests will say so and skip"; \
	  else echo "make: chromium is not installed (apt-get install chromium chromium-driver): the browser tests will skip"; fi; \
	fi
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --prefix $(TOOLS) --no-audit --no-fund --silent axe-core@$(AXE_VERSION) \
	    || echo "make: could not install axe-core: the accessibility check will say so and skip"; \
	else echo "make: npm is missing: the accessibility check will skip"; fi
	@mkdir -p $(dir $(AXE)) && touch $(AXE)

install: $(STAMP)
dev: $(DEV_STAMP)

run: $(STAMP)
	@$(BIN)/python -m bot run

test: $(DEV_STAMP) $(SYNAPSE_STAMP) $(AXE)
	$(BIN)/ruff check .
	CONVENE_SYNAPSE_PYTHON=$(CURDIR)/$(SYNAPSE_VENV)/bin/python $(BIN)/python -m pytest -n 2

# `make bench` runs them all; `make bench slack_ack` (or any of these names) runs only those named.
BENCH_NAMES := storage_burst slack_ack reminders exports feed importer capacity

bench: $(DEV_STAMP)
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk >/dev/null; } \
	  || echo "make: wrk is not installed (apt-get install wrk): the feed benchmark will skip"
	$(BIN)/python -m bench $(filter $(BENCH_NAMES),$(MAKECMDGOALS))

$(BENCH_NAMES):
	@:

# storage/schema.sql: the schema the migrations leave, for reading (a test checks it is current).
schema: $(STAMP)
	$(BIN)/python -c 'from storage.schema import print_snapshot; print_snapshot()' > storage/schema.sql

clean:
	rm -rf $(VENV) $(SYNAPSE_VENV) $(TOOLS) build *.egg-info test-artifacts
