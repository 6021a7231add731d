# Fresh machine: `make run` (service with demo data on SQLite) or `make test` (the whole suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
BUNDLE := service/web/static/dist/form.js
CHROMIUM := /usr/bin/chromium

.PHONY: install run test test-postgres bench clean

$(BIN)/bangfu: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# Front-end libraries come from the npm registry and are bundled here; nothing is committed or loaded from a CDN.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(BUNDLE): node_modules/.package-lock.json frontend/build.mjs $(shell find frontend/src -type f)
	npm run --silent build

# Browser tests drive Debian's Chromium (a test tool's own browser download does not work here).
$(CHROMIUM):
	@[ "$$(id -u)" = 0 ] || { echo "Chromium is missing: run 'sudo apt-get install chromium'"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null

install: $(BIN)/bangfu $(BUNDLE)

run: install
	$(BIN)/bangfu init
	$(BIN)/bangfu demo
	$(BIN)/bangfu serve --host $(HOST) --port $(PORT)

test: install $(CHROMIUM)
	npm run --silent check
	$(BIN)/python -m pytest -q

test-postgres: install $(CHROMIUM)
	BANGFU_TEST_DATABASE_URL=$${BANGFU_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/cases.py --cases 200
	$(BIN)/python bench/inbox.py --cases 100000

clean:
	rm -rf $(VENV) instance *.egg-info node_modules service/web/static/dist
