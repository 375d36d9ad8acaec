# Two commands do everything: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PLAN_FILE ?= data/plans/bac-kan-2026-2030.yaml
# The suite runs on every CPU core (pytest-xdist); `make test PYTEST_ARGS=...` to change.
PYTEST_ARGS ?= -n auto --dist loadgroup
HOST ?= 127.0.0.1
PORT ?= 5000
PO_FILES := $(wildcard tracker/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

BIND ?= 127.0.0.1:8000
WORKERS ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 1) + 1 )))

.PHONY: run setup serve test test-pg bench lint install install-dev browser-tools office-tools translations extract-messages lock clean

## Set up (virtualenv, dependencies, migrations, the Bắc Kạn plan, demo accounts), then serve,
## with the scheduler (alert scan, e-mail) running beside the development server.
run: setup
	@$(FLASK) scheduler run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

setup: install
	$(FLASK) db upgrade
	$(FLASK) plan load --if-empty $(PLAN_FILE)
	$(FLASK) users create-demo

## Production-style: migrations, the plan if the database is empty, then gunicorn (workers from the
## CPU count) with the scheduler as a separate process. No demo accounts.
serve: install
	$(FLASK) db upgrade
	$(FLASK) plan load --if-empty $(PLAN_FILE)
	@$(FLASK) scheduler run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(BIND) --access-logfile - app:app

## Install the same way (with the test tools), then run the whole test suite (browser and
## office-reader tests included).
test: install-dev browser-tools office-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The whole test suite against a throwaway local PostgreSQL server (scripts/test-postgres).
test-pg: install-dev browser-tools office-tools
	@url=$$(scripts/test-postgres start) || exit 1; \
	trap 'scripts/test-postgres stop' EXIT INT TERM; \
	TEST_DATABASE_URL=$$url $(BIN)/python -m pytest $(PYTEST_ARGS)

## The benchmark of issue 17 (bench/README.md): builds the ward, large and province datasets, measures
## them through gunicorn and writes bench/RESULTS.md. `make bench BENCH_DB=postgres` runs it on a
## throwaway PostgreSQL server (scripts/test-postgres, its own folder and port), with the country
## as well, and writes bench/RESULTS-postgres.md; sizes with BENCH_TASKS, BENCH_WARDS and
## BENCH_COUNTRY_WARDS (0: no country), run.py's options (--repeat, --duration, ...) with BENCH_ARGS.
BENCH_DB ?= sqlite
BENCH_TASKS ?= 20000
BENCH_WARDS ?= 92
BENCH_COUNTRY_WARDS ?= 3321
BENCH_SEED ?= 17
BENCH_ARGS ?=
bench: install
	@if [ "$(BENCH_DB)" = postgres ]; then \
	  export PGTEST_DIR=$${PGTEST_DIR:-/tmp/tracker-pgbench} PGTEST_PORT=$${PGTEST_PORT:-55433}; \
	  db=$$(scripts/test-postgres start) || exit 1; \
	  trap 'scripts/test-postgres stop' EXIT INT TERM; \
	else db=sqlite; fi; \
	$(BIN)/python bench/generate.py ward --db $$db --seed $(BENCH_SEED) && \
	$(BIN)/python bench/generate.py large --db $$db --tasks $(BENCH_TASKS) --seed $(BENCH_SEED) && \
	$(BIN)/python bench/generate.py province --db $$db --wards $(BENCH_WARDS) --seed $(BENCH_SEED) && \
	if [ "$(BENCH_DB)" = postgres ] && [ "$(BENCH_COUNTRY_WARDS)" != 0 ]; then \
	  $(BIN)/python bench/generate.py country --db $$db --wards $(BENCH_COUNTRY_WARDS) --seed $(BENCH_SEED); \
	else rm -f bench/data/$(BENCH_DB)-country.json; fi && \
	$(BIN)/python bench/run.py --db $$db $(BENCH_ARGS)

## The lint and the format check (ruff; settings in pyproject.toml). `ruff format .` formats.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## What the app needs to run (and nothing for the tests: no pytest, Playwright or aiosmtpd).
install: $(VENV)/.installed translations

## The app's dependencies and the test tools.
install-dev: $(VENV)/.installed-dev translations

## Chromium (Debian's) and axe-core (npm) for the browser tests.
browser-tools:
	@scripts/browser-tools

## LibreOffice and poppler (Debian's) for the tests that open the DOCX and XLSX as an office does.
office-tools:
	@scripts/office-tools

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt -r requirements-dev.txt
	touch $@

translations: $(MO_FILES)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

## Refresh the catalogues after changing user-facing text (then translate the new entries).
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location --sort-output -o tracker/translations/messages.pot .
	$(BIN)/pybabel update -i tracker/translations/messages.pot -d tracker/translations --no-fuzzy-matching --ignore-obsolete --no-wrap
	$(BIN)/python scripts/fill-english-catalogue tracker/translations/en/LC_MESSAGES/messages.po

## Re-pin requirements.txt and requirements-dev.txt (with hashes) from the .in files (pip-tools).
lock:
	rm -rf /tmp/tracker-lock && $(PYTHON) -m venv /tmp/tracker-lock
	/tmp/tracker-lock/bin/pip install --quiet pip-tools==7.7.0
	/tmp/tracker-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	/tmp/tracker-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) $(MO_FILES)
