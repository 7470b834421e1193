# The two commands a newcomer needs: `make test` and (from the demo issue on) `make demo`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PYTEST_ARGS ?=
PG_ARGS ?=

.PHONY: install test test-sqlite test-postgres test-replicas lint demo clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed

## Every test on SQLite and every database test again on a throwaway PostgreSQL, the two side by side (each
## keeps one core about three quarters busy); then the replicas behind nginx on their own, at full size.
test: install
	scripts/ensure-chromium.sh
	scripts/ensure-nginx.sh
	scripts/with-postgres.sh true
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres PG_ARGS=--ignore=tests/replicas
	$(MAKE) --no-print-directory test-replicas

test-sqlite: install
	scripts/ensure-chromium.sh
	LAPOR_TEST_DATABASE=sqlite $(BIN)/pytest -o cache_dir=.pytest_cache/sqlite $(PYTEST_ARGS)

test-postgres: install
	scripts/ensure-nginx.sh
	scripts/with-postgres.sh $(BIN)/pytest -m db -o cache_dir=.pytest_cache/postgres $(PG_ARGS) $(PYTEST_ARGS)

## Three replicas behind nginx, one killed mid-stream: 1,000 reports from 200 citizens and 300 desk taps (the
## issue's size).
test-replicas: install
	scripts/ensure-nginx.sh
	LAPOR_REPLICA_CITIZENS=200 LAPOR_REPLICA_REPORTS=5 LAPOR_REPLICA_TAPS=300 scripts/with-postgres.sh $(BIN)/pytest -m db \
		-o cache_dir=.pytest_cache/replicas tests/replicas $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

## The whole system against local WhatsApp/Telegram simulators, with a browser sandbox.
demo: install
	$(BIN)/lapor-camat demo

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
