# aibridge-analytics: `make report` and `make test` are the two commands a fresh machine needs.
# Works as root and as a normal user; PostgreSQL for the tests is a throwaway server that
# scripts/pg-throwaway starts on loopback (as the postgres user when run as root).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PGDIR ?= .pgtest
PYTEST_ARGS ?=
# pytest-xdist workers: one per core (the Spark tests share one of them; see tests/conftest.py).
PYTEST_WORKERS ?= auto

.PHONY: all install install-test install-notebooks lint test report bench bench-scale clean distclean chromium-for-tests java-for-tests \
	notebooks notebooks-config notebooks-run

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
test: install-test install-notebooks lint chromium-for-tests java-for-tests
	@trap 'scripts/pg-throwaway stop $(PGDIR)' EXIT; trap 'exit 130' INT TERM HUP; \
	scripts/pg-throwaway start $(PGDIR) || exit $$?; \
	AIBRIDGE_TEST_PG_DSN="$$(cat $(PGDIR)/dsn)" AIBRIDGE_REQUIRE_PG=1 AIBRIDGE_REQUIRE_SPARK=1 \
		$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=25 $(PYTEST_ARGS)

# The report's browser test (tests/test_report_browser.py) needs Debian's chromium: installed
# when root (CI); a normal user without it sees that test skip.
chromium-for-tests:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	if [ "$$(id -u)" -eq 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is missing (apt-get install chromium): the report's browser test will skip"; fi

# The Spark tests need a Java runtime (17 or newer; PySpark from PyPI brings Spark itself): Debian's
# openjdk-17-jre-headless is installed when java is missing and we are root (CI). A normal user
# without it sees the Spark tests fail under `make test` (AIBRIDGE_REQUIRE_SPARK=1), never skip.
java-for-tests:
	@command -v java >/dev/null 2>&1 || \
	if [ "$$(id -u)" -eq 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	else echo "java is missing (apt-get install openjdk-17-jre-headless): the Spark tests will fail"; fi

report: install
	$(VENV)/bin/aibridge-analytics report --out report

# `make bench` runs every bench/*.py; `make bench-scale` only bench/scale.py. BENCH_SHAPE (demo, solo or
# both) and BENCH_SCALE_INTERCEPTIONS (default ten million) choose the scale warehouses (cached in bench/.data/).
BENCH_SHAPE ?= both
BENCH_SCALE_INTERCEPTIONS ?= 10000000
BENCH_SCRIPT ?= bench/run.py

bench: install-test
	@trap 'scripts/pg-throwaway stop $(PGDIR)' EXIT; trap 'exit 130' INT TERM HUP; \
	scripts/pg-throwaway start $(PGDIR) || exit $$?; \
	AIBRIDGE_TEST_PG_DSN="$$(cat $(PGDIR)/dsn)" AIBRIDGE_REQUIRE_PG=1 \
	BENCH_SHAPE=$(BENCH_SHAPE) BENCH_SCALE_INTERCEPTIONS=$(BENCH_SCALE_INTERCEPTIONS) \
		$(PY) $(BENCH_SCRIPT)

bench-scale:
	$(MAKE) bench BENCH_SCRIPT=bench/scale.py

# --- notebooks -------------------------------------------------------------------------------
# `make notebooks`: installs the `notebooks` extra (JupyterLab, jupytext) and opens JupyterLab at the
# repository, on notebooks/: the four jupytext .py notebooks open as notebooks and run on the demo
# warehouse; saving writes the .py (code and prose, never outputs). Two settings files, installed
# into $(JUPYTER_PREFIX) only (the venv by default; `notebooks-config` alone installs them):
# notebooks/jupyterlab-overrides.json (.py files open with the Jupytext Notebook viewer) and
# notebooks/jupyter_server_config.json (kernels talk over Unix sockets, not loopback TCP, which
# is why ipykernel's "running over TCP without encryption" warning is gone).
# `make notebooks-run`: converts all four with jupytext and executes them with nbconvert into a new
# build/notebooks/<time>/ (never over an earlier run), then signs them (`jupyter trust`) so that
# JupyterLab shows their charts and never says "not trusted". Its kernels stay on loopback TCP
# (nbconvert puts IPC sockets in the working directory, where the kernel, started in the
# notebook's directory, does not find them), hence one harmless TCP warning per notebook.
JUPYTER_PREFIX ?= $(VENV)
LAB_OVERRIDES := $(JUPYTER_PREFIX)/share/jupyter/lab/settings/overrides.d
SERVER_CONFIG := $(JUPYTER_PREFIX)/etc/jupyter
NOTEBOOKS := edge_cases exploration backfill_verification report

$(VENV)/.installed-notebooks: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[notebooks]'
	touch $@ $(VENV)/.installed

install-notebooks: $(VENV)/.installed-notebooks

notebooks-config:
	mkdir -p $(LAB_OVERRIDES) $(SERVER_CONFIG)
	cp notebooks/jupyterlab-overrides.json $(LAB_OVERRIDES)/aibridge-analytics.json
	cp notebooks/jupyter_server_config.json $(SERVER_CONFIG)/jupyter_server_config.json

notebooks: install-notebooks notebooks-config
	$(VENV)/bin/jupyter lab $$([ "$$(id -u)" -eq 0 ] && echo --allow-root) \
		--ServerApp.root_dir=. --ServerApp.default_url=/lab/tree/notebooks

notebooks-run: install-notebooks notebooks-config
	@echo "executing on loopback TCP kernels: ipykernel's 'running over TCP without encryption' is expected"
	@out=build/notebooks/$$(date +%Y%m%d-%H%M%S); mkdir -p $$out; \
	for nb in $(NOTEBOOKS); do \
		$(VENV)/bin/jupytext --quiet --to ipynb --output $$out/$$nb.ipynb notebooks/$$nb.py || exit $$?; \
		$(VENV)/bin/jupyter nbconvert --log-level=WARN --to notebook --execute --inplace $$out/$$nb.ipynb || exit $$?; \
		$(VENV)/bin/jupyter trust $$out/$$nb.ipynb >/dev/null || exit $$?; \
	done; echo "executed notebooks written to $$out/"

clean:
	-scripts/pg-throwaway stop $(PGDIR)
	rm -rf report build dist .pytest_cache .hypothesis *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
