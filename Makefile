# The two commands of the README: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup lint format migrate demo codes

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

## Set everything up and run the app on SQLite with an embedded Celery broker and demo data.
run: setup
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-true} HOST=$(HOST) PORT=$(PORT) scripts/run-all

## The demo users' current sign-in codes (their second factor), for `make run`'s database.
codes: setup
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py demo_codes $(if $(SECRETS),--secrets)

# axe-core for the browser tests' accessibility checks (package.json); without npm they are skipped locally.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund && touch $@; \
	else echo "npm is not installed: the accessibility checks will be skipped (they fail under CI)."; fi

## Set everything up and run the whole test suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL say so).
test: setup node_modules/.installed
	scripts/ensure-chromium
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
