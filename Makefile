# Two commands: `make lab` opens the lab, `make test` runs every check.
# Both create (or reuse) .venv; re-running is fast when nothing changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
SSLYZE_VENV := .venv-sslyze

.PHONY: lab test lint format bench clean help

help:
	@echo "make lab    set up .venv and start JupyterLab on notebooks/"
	@echo "make test   set up .venv with test extras and run every check"
	@echo "make bench  run the benchmarks (not part of make test)"
	@echo "make hubtest  two learners on a real JupyterHub; the Binder plan (not part of make test)"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "tlslab needs Python 3.10 or newer; this is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.lab-installed: $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[lab]'
	@touch $@

$(VENV)/.test-installed: $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[lab,test]'
	@touch $@

# sslyze pins an older cryptography than tlslab uses, so it lives apart.
$(SSLYZE_VENV)/bin/sslyze:
	$(PYTHON) -m venv $(SSLYZE_VENV)
	$(SSLYZE_VENV)/bin/pip install --quiet 'sslyze>=6,<7'

# Jupyter refuses to run as root unless told; containers often run as root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(VENV)/.lab-installed
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 $(ALLOW_ROOT) $(LAB_ARGS)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check tlslab tests notebooks bench
	$(BIN)/ruff format --check tlslab tests notebooks bench

format: $(VENV)/.test-installed
	$(BIN)/ruff format tlslab tests notebooks bench
	$(BIN)/ruff check --fix tlslab tests notebooks bench

test: $(VENV)/.test-installed $(SSLYZE_VENV)/bin/sslyze lint
	PATH="$(CURDIR)/$(SSLYZE_VENV)/bin:$$PATH" $(PY) -m pytest $(PYTEST_ARGS)

$(VENV)/.bench-installed: $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[lab,test,bench]'
	@touch $@

# Benchmarks write bench/results/*.json and docs/performance.md (+ .png).
# BENCH_ARGS=--quick for a fast pass; not part of `make test`.
bench: $(VENV)/.bench-installed
	$(PY) -m bench.run $(BENCH_ARGS)

# A real JupyterHub with two learners, and repo2docker's plan for Binder.
# The hub's proxy comes from the npm registry into .venv-node (needs npm).
# Takes a minute or two, so it is not part of `make test`.
NODE_PREFIX := .venv-node
CHP := $(NODE_PREFIX)/node_modules/.bin/configurable-http-proxy

.PHONY: hub-proxy hubtest

$(CHP):
	npm install --prefix $(NODE_PREFIX) --no-audit --no-fund 'configurable-http-proxy@^5'

hub-proxy: $(CHP)

$(VENV)/.hub-installed: $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[lab,test,hub]'
	@touch $@

hubtest: $(VENV)/.hub-installed $(CHP)
	$(PY) -m pytest -m hub tests/hub $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(SSLYZE_VENV) $(NODE_PREFIX) .pytest_cache .ruff_cache notebooks/work
