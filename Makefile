# The two commands a newcomer needs: `make test` and (from the demo issue on) `make demo`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: install test test-sqlite test-postgres lint demo clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed

## Every test on SQLite, then every database test again on a throwaway PostgreSQL.
test: install
	$(MAKE) --no-print-directory test-sqlite test-postgres

test-sqlite: install
	scripts/ensure-chromium.sh
	LAPOR_TEST_DATABASE=sqlite $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	scripts/ensure-nginx.sh
	scripts/with-postgres.sh $(BIN)/pytest -m db $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

## The whole system against local WhatsApp/Telegram simulators, with a browser sandbox.
demo: install
	$(BIN)/lapor-camat demo

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
