# aibridge-analytics: `make report` and `make test` are the two commands a fresh machine needs.
# Works as root and as a normal user; PostgreSQL for the tests is a throwaway server that
# scripts/pg-throwaway starts on loopback (as the postgres user when run as root).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PGDIR ?= .pgtest
PYTEST_ARGS ?=

.PHONY: all install install-test lint test report bench clean distclean chromium-for-tests notebooks

all: test

# The interpreter is the real target: an existing but broken .venv directory is rebuilt.
$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV): $(PY)

# Stamps: pip runs again only when pyproject.toml changes (or the venv is new).
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# ruff (lint and format) over the tree, mypy (strict) over the package: part of `make test`.
lint: install-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# The server is stopped whatever happens to pytest (failure, Ctrl-C), and pytest's exit
# code is the target's.
test: install-test lint chromium-for-tests
	@trap 'scripts/pg-throwaway stop $(PGDIR)' EXIT; trap 'exit 130' INT TERM HUP; \
	scripts/pg-throwaway start $(PGDIR) || exit $$?; \
	AIBRIDGE_TEST_PG_DSN="$$(cat $(PGDIR)/dsn)" AIBRIDGE_REQUIRE_PG=1 \
		$(PY) -m pytest $(PYTEST_ARGS)

# The report's browser test (tests/test_report_browser.py) needs Debian's chromium: installed
# when root (CI); a normal user without it sees that test skip.
chromium-for-tests:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	if [ "$$(id -u)" -eq 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is missing (apt-get install chromium): the report's browser test will skip"; fi

report: install
	$(VENV)/bin/aibridge-analytics report --out report

bench: install-test
	@trap 'scripts/pg-throwaway stop $(PGDIR)' EXIT; trap 'exit 130' INT TERM HUP; \
	scripts/pg-throwaway start $(PGDIR) || exit $$?; \
	AIBRIDGE_TEST_PG_DSN="$$(cat $(PGDIR)/dsn)" AIBRIDGE_REQUIRE_PG=1 \
		$(PY) bench/run.py

# --- notebooks -------------------------------------------------------------------------------
# `make notebooks`: installs the `notebooks` extra (JupyterLab, jupytext), makes JupyterLab open the
# jupytext .py notebooks as notebooks (a settings override inside the venv only), executes the
# edge-cases notebook on the demo warehouse into build/notebooks/ and opens it in JupyterLab.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings

$(VENV)/.installed-notebooks: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[notebooks]'
	touch $@ $(VENV)/.installed

notebooks: $(VENV)/.installed-notebooks
	mkdir -p $(LAB_SETTINGS) build/notebooks
	cp notebooks/jupyterlab-overrides.json $(LAB_SETTINGS)/overrides.json
	$(VENV)/bin/jupytext --to ipynb --execute --output build/notebooks/edge_cases.ipynb notebooks/edge_cases.py
	$(VENV)/bin/jupyter lab $$([ "$$(id -u)" -eq 0 ] && echo --allow-root) build/notebooks/edge_cases.ipynb

clean:
	-scripts/pg-throwaway stop $(PGDIR)
	rm -rf report build dist .pytest_cache .hypothesis *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
