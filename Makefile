# Partnerships: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8000
HOST   ?= 127.0.0.1
BIN    := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.DEFAULT_GOAL := help
.PHONY: help install setup run test test-sqlite test-postgres lint format serve-prod fuzz bench crawl-db crawl clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed; found " + sys.version.split()[0] + ". Set PYTHON=python3.x.") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed  ## Create .venv and install the project with its dev tools

FIXTURES = fixtures/seed.json fixtures/cases-c1-c4.json fixtures/cases-c3-c5-c7-c8.json

setup: install  ## Install, migrate the database and load the fixtures (idempotent)
	$(MANAGE) migrate --no-input
	$(MANAGE) loaddata $(FIXTURES)
	$(MANAGE) populate_history --auto

# The job worker (imports and exports, partnerships/tasks.py) runs beside the web server;
# Ctrl-C (or the end of either command) stops both.
run: setup  ## setup, then serve on http://$(HOST):$(PORT)/ with the job worker (make run PORT=8123)
	@$(MANAGE) db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver $(HOST):$(PORT)

# The PostgreSQL run keeps its caches in Redis (database 15 of TEST_REDIS_URL; the page cache,
# partnerships/pagecache.py), the SQLite run in local memory, the default.
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# pytest-xdist workers (each its own test database and Redis database, tests/conftest.py); a
# test file stays in one worker, so its module-wide fixtures load once. TEST_WORKERS=0: one
# process.
TEST_WORKERS ?= 2
TEST_ARGS    ?= $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

test: install  ## The whole suite on SQLite, then on PostgreSQL with Redis
	@env -u REDIS_URL $(BIN)/python bin/test-all --only sqlite $(TEST_ARGS); sqlite=$$?; \
	REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python bin/test-all --only postgres $(TEST_ARGS); postgres=$$?; \
	exit $$(( sqlite || postgres ))

test-sqlite: install  ## The suite on SQLite only (caches in local memory)
	env -u REDIS_URL $(BIN)/python bin/test-all --only sqlite $(TEST_ARGS)

test-postgres: install  ## The suite on PostgreSQL only (caches in Redis)
	REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python bin/test-all --only postgres $(TEST_ARGS)

# The job worker runs without the web server's statement time limit: an import of 50,000 rows
# writes in statements longer than a page view's.
serve-prod: install  ## Production-style: collectstatic, then gunicorn on $(HOST):$(PORT) and the job worker (needs the production env)
	$(MANAGE) collectstatic --no-input -v 0
	@DJANGO_STATEMENT_TIMEOUT_MS=0 $(MANAGE) db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_STATEMENT_TIMEOUT_MS=$${DJANGO_STATEMENT_TIMEOUT_MS:-5000} $(BIN)/gunicorn partnerships.wsgi -c partnerships/gunicorn_conf.py \
		--bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} --access-logfile -

fuzz: install  ## 10,000 generated querystrings over the list views (hypothesis), expecting no 5xx
	FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest tests/test_bad_input.py -k fuzz -q

bench: install  ## Benchmarks against Datasette at 10k/100k/1M partnerships (PostgreSQL, slow)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Issue 18's facet crawl: every facet link of a set of list pages gives the number shown beside
# it. crawl-db (re)creates CRAWL_DB on PostgreSQL with the fixtures and CRAWL_SIZE synthetic
# partnerships; crawl runs bench/crawl_facets.py against it (CRAWL_ARGS: --all-facet-pages,
# --cache, --countries; see --help).
CRAWL_DB   ?= crawl_50k
CRAWL_SIZE ?= 50000
CRAWL_URL  ?= postgres://postgres@127.0.0.1:5432/$(CRAWL_DB)
CRAWL_ARGS ?= --countries

crawl-db: install  ## Create PostgreSQL database $(CRAWL_DB): fixtures and $(CRAWL_SIZE) synthetic partnerships (drops it first)
	dropdb -h 127.0.0.1 -U postgres --if-exists --force $(CRAWL_DB)
	createdb -h 127.0.0.1 -U postgres $(CRAWL_DB)
	DATABASE_URL=$(CRAWL_URL) $(MANAGE) migrate --no-input -v 0
	DATABASE_URL=$(CRAWL_URL) $(MANAGE) loaddata $(FIXTURES)
	DATABASE_URL=$(CRAWL_URL) $(MANAGE) populate_history --auto
	DATABASE_URL=$(CRAWL_URL) $(MANAGE) generate_synthetic --partnerships $(CRAWL_SIZE) --organizations $$(( $(CRAWL_SIZE) / 10 )) --seed 1

crawl: install  ## Follow every facet link of the list pages on $(CRAWL_DB), comparing numbers (make crawl CRAWL_ARGS=--all-facet-pages)
	DATABASE_URL=$(CRAWL_URL) $(BIN)/python bench/crawl_facets.py $(CRAWL_ARGS)

lint: install  ## ruff lint and format check, migrations in step with models
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

format: install  ## Fix what ruff can fix
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:  ## Remove the virtualenv, the SQLite database and collected static files
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles .pytest_cache test-artifacts
