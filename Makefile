# RouteMap CRM — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export ROUTEMAP_INSTANCE_DIR ?= $(CURDIR)/instance

.PHONY: run test lint bench venv dev-venv translations chromium mailservers clean vendor help

help:
	@echo "make run    - install, migrate, load demo data and route maps, serve on http://127.0.0.1:5000"
	@echo "make test   - lint, type-check, layer contract, and the whole test suite"
	@echo "make lint   - ruff, mypy (engine, connectors), import-linter"
	@echo "make bench  - benchmarks; figures go to docs/performance.md"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.stamp-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.stamp-run

venv: $(VENV)/.stamp-run
dev-venv: $(VENV)/.stamp-dev

translations: venv
	$(BIN)/pybabel compile -d webui/translations > /dev/null

run: venv translations
	ROUTEMAP_DEMO=1 ROUTEMAP_DEV=1 $(BIN)/routemap init
	ROUTEMAP_DEMO=1 ROUTEMAP_DEV=1 $(BIN)/routemap demo-data
	ROUTEMAP_DEMO=1 ROUTEMAP_DEV=1 $(BIN)/routemap serve --host 127.0.0.1 --port 5000

chromium:
	@scripts/ensure-chromium.sh

mailservers:
	@scripts/ensure-dovecot.sh

lint: dev-venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check engine connectors crm webui tests bench
	$(BIN)/mypy engine connectors
	$(BIN)/lint-imports

test: dev-venv translations chromium mailservers lint
	$(BIN)/pytest -p no:cacheprovider -ra

bench: dev-venv
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/feed.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/analytics.py
	$(BIN)/python bench/mail.py

vendor:
	scripts/vendor-frontend.sh

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
