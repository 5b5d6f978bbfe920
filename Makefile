# carto — `make run` and `make test` do all the set-up themselves (see README.md).
# Every step is idempotent: a second run only checks and starts in seconds.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

# The real open data lives beside the project (../shared/data, see its SOURCES.md).
SHARED_DATA := $(abspath ../shared/data)
SHARED_FIXTURES := $(abspath ../shared/fixtures)
ifneq ($(wildcard $(SHARED_DATA)/SOURCES.md),)
export CARTO_DATA_DIR ?= $(SHARED_DATA)
endif

VENDOR_STAMP := static/vendor/.stamp

.PHONY: help run test setup system browser db venv vendor migrate demo lint format fetch clean bench bench-tools

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run: setup ## Install what is missing, migrate, load all of France, serve on http://127.0.0.1:8000/ (with the task queue's worker)
	@# The worker keeps the precomputed coverage in step with the changes made while serving.
	@$(PY) manage.py procrastinate worker > .worker.log 2>&1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:8000

test: setup browser bench-tools ## The same set-up, then the whole test suite on real PostGIS (browser tests included)
	$(VENV)/bin/pytest

setup: system venv vendor db migrate demo

system: ## Debian packages (PostGIS, GDAL, …) and a running PostgreSQL cluster
	@scripts/setup-system.sh

browser: ## Debian's Chromium for the browser tests
	@scripts/setup-system.sh --browser

vendor: $(VENDOR_STAMP) ## Front-end libraries from the npm registry, served as our static files

$(VENDOR_STAMP): frontend/package.json frontend/package-lock.json scripts/vendor.sh
	npm ci --prefix frontend --no-audit --no-fund --loglevel=error
	scripts/vendor.sh frontend/node_modules static/vendor
	@touch $@

db: ## The database with its extensions (postgis, unaccent, pg_trgm)
	@scripts/setup-db.sh

venv: $(STAMP) ## The virtualenv with the project and its dev tools

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

migrate: venv db
	@$(PY) manage.py migrate --noinput -v 0
	@# Entries written before the history existed get their first history row (idempotent).
	@$(PY) manage.py populate_history --auto -v 0

demo: migrate ## Load the territories and directory of CARTO_DEPARTEMENTS (default: all of France; only what changed)
	@$(PY) manage.py import_territories --if-changed
	@$(PY) manage.py import_directory --if-changed -v 0
	@for sheet in $(wildcard $(SHARED_FIXTURES)/*.txt); do $(PY) manage.py import_fiches "$$sheet" -v 0 > /dev/null; done
	@# The stops of itinerant actors become their permanences in the agenda (idempotent).
	@$(PY) manage.py sync_permanences
	@# The precomputed coverage: in full the first time and after new territories, else the pending changes.
	@$(PY) manage.py refresh_coverage --if-stale

bench: system venv vendor bench-tools ## Issue 12's benchmark (wrk, MapServer) on its own database carto_bench; options BENCH_* (bench/README.md)
	$(PY) -m bench.run

bench-tools: ## What the benchmark and its smoke test need: wrk, MapServer, spawn-fcgi, lighttpd
	@scripts/setup-bench.sh

fetch: venv ## Download the manifest's files into the cache (needs CARTO_DATA_MIRROR or --mirror)
	$(PY) manage.py fetch_boundaries

lint: venv ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean: ## Remove the virtualenv and caches (the database stays)
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles static/vendor frontend/node_modules
