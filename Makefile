# Two commands: `make run` and `make test`. Everything else they need is built here.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 5000
export HOST PORT

.PHONY: run test build catalogs extract update check bench cv lint clean demo-data

# Runtime dependencies, pinned in pyproject.toml.
$(VENV)/.run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

# Test dependencies on top.
$(VENV)/.test: $(VENV)/.run
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

build: node_modules/.installed
	node build.mjs

# Translations: `make extract` refreshes locales/messages.pot from templates,
# code, flows and content; `make update` merges it into every catalog.
extract: $(VENV)/.run
	$(VENV)/bin/pybabel -q extract -F babel.cfg -o locales/messages.pot --no-wrap --sort-by-file \
	  --project safechat --omit-header .

update: extract
	$(VENV)/bin/pybabel -q update -i locales/messages.pot -d locales --no-wrap --ignore-obsolete

# Compile every Welsh (and any other) catalog that exists.
catalogs: $(VENV)/.run
	@if ls locales/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(VENV)/bin/pybabel -q compile -d locales; fi

run: $(VENV)/.run build catalogs
	ulimit -n 65536 2>/dev/null || ulimit -n $$(ulimit -Hn); $(PY) -m app

test: $(VENV)/.test build catalogs
	$(PY) -m pytest

check: $(VENV)/.run
	$(VENV)/bin/flask --app app flows check

lint: $(VENV)/.test
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/mypy app

bench: $(VENV)/.test build catalogs
	$(PY) -m bench

# Cross-validate the crisis detector on its examples, as cut-offs are chosen
# (a few minutes; never reads the held-out sets).
cv: $(VENV)/.test build catalogs
	$(PY) -m bench.cv_crisis $(ARGS)

# Load harness: 50 clients' throughput vs a bare echo server, memory per open
# conversation, 5,000 sockets at once, and the cluster (README, Performance).
bench-load: $(VENV)/.test build catalogs
	ulimit -n 65536 2>/dev/null || ulimit -n $$(ulimit -Hn); $(PY) -m bench.load

# nginx + 2 app processes + Redis on loopback (apt-get install redis-server nginx).
cluster: $(VENV)/.run build catalogs
	ulimit -n 65536 2>/dev/null || ulimit -n $$(ulimit -Hn); PYTHON=$(PY) CLUSTER_PORT=$(PORT) deploy/cluster.sh

# A month of made-up aggregate counts in a demo database, to see /insights
# filled (README, Operator's guide). Never the real database: the path is
# its own, and the command refuses the one the settings point at.
DEMO_DB ?= instance/demo.db
demo-data: $(VENV)/.run
	$(PY) -m app.insights.demo --database $(DEMO_DB)

clean:
	rm -rf $(VENV) node_modules app/static/build
