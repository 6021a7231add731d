# Fresh machine: `make run` (service with demo data on SQLite) or `make test` (the whole suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install run test test-postgres bench clean

$(BIN)/bangfu: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/bangfu

run: install
	$(BIN)/bangfu init
	$(BIN)/bangfu demo
	$(BIN)/bangfu serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

test-postgres: install
	BANGFU_TEST_DATABASE_URL=$${BANGFU_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/cases.py --cases 50
	$(BIN)/python bench/inbox.py --cases 100000

clean:
	rm -rf $(VENV) instance *.egg-info
