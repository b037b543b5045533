# Zhaoxi: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run test test-pg bench prod-smoke lint measures translations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# Compiled catalogs are generated, not committed.
translations: $(VENV)/.runtime
	$(BIN)/pybabel compile --use-fuzzy -d app/translations

run: $(VENV)/.runtime translations
	ZHAOXI_ENV=development $(BIN)/flask db upgrade
	ZHAOXI_ENV=development $(BIN)/flask seed-demo
	@echo "Zhaoxi is at http://127.0.0.1:$(PORT)  (Ctrl+C stops it)"
	ZHAOXI_ENV=development $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.dev translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite against a fresh PostgreSQL database (needs a server, see README).
test-pg: $(VENV)/.dev translations
	bash .ci/pg-suite $(PYTEST_ARGS)

bench: $(VENV)/.dev translations
	$(BIN)/python bench/rush.py $(BENCH_ARGS)

# The production stack of deploy/ on loopback: nginx (installed with apt when missing),
# two gunicorn instances, PostgreSQL at PG_URL, Redis at REDIS_URL; a rush with an
# instance killed, jobs run from both, login limits, backup and restore. The last line
# is one JSON object (scripts/prod_smoke.py). FAULT=pg-restart restarts PostgreSQL
# mid-rush instead (pg_ctlcluster: the cluster must be on this machine).
prod-smoke: $(VENV)/.runtime translations
	FAULT="$(FAULT)" $(BIN)/python scripts/prod_smoke.py

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The codebase's shape: the measures of scripts/measures.py, then the layer contracts of
# pyproject.toml. Both run, so one pass lists every violation; either failing fails.
measures: $(VENV)/.dev
	$(BIN)/python scripts/measures.py; status=$$?; \
	$(BIN)/lint-imports --no-cache --no-logo || status=1; exit $$status

# Re-extract strings and merge them into the catalogs after changing texts.
messages: $(VENV)/.dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot --no-location --no-wrap --sort-output .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete --no-wrap

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache
