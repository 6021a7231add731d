# Fresh machine: `make run` (service with demo data on SQLite) or `make test` (the whole suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
BUNDLE := service/web/static/dist/manifest.json
CHROMIUM := /usr/lib/chromium/locales/zh-CN.pak
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run test test-postgres wheel wheel-check lock bench clean

# Exact versions from the lock files (made by `make lock` from pyproject.toml's ranges), then the project itself.
$(BIN)/bangfu: pyproject.toml requirements-test.lock
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Front-end libraries come from the npm registry and are bundled here; nothing is committed or loaded from a CDN.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(BUNDLE): node_modules/.package-lock.json frontend/build.mjs $(shell find frontend/src -type f)
	npm run --silent build

# Browser tests drive Debian's Chromium (a test tool's own browser download does not work here).
# Chromium with its zh-CN locale pack (chromium-l10n): date inputs in the tests read 2026/12/01 as in China.
$(CHROMIUM):
	@[ "$$(id -u)" = 0 ] || { echo "Chromium is missing: run 'sudo apt-get install chromium chromium-l10n fonts-noto-cjk'"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-l10n fonts-noto-cjk >/dev/null

install: $(BIN)/bangfu $(BUNDLE)

# Development mode: a random secret key kept in instance/ instead of BANGFU_SECRET_KEY (see README: production).
run: install
	BANGFU_ENV=development $(BIN)/bangfu init
	BANGFU_ENV=development $(BIN)/bangfu demo $(if $(DEMO_YEARS),--years $(DEMO_YEARS))
	BANGFU_ENV=development $(BIN)/bangfu serve --host $(HOST) --port $(PORT)

test: install $(CHROMIUM)
	npm run --silent check
	$(BIN)/python -m pytest -q -n 2

test-postgres: install $(CHROMIUM)
	BANGFU_TEST_DATABASE_URL=$${BANGFU_TEST_DATABASE_URL:-$(PG_URL)} $(BIN)/python -m pytest -q -n 2

# The wheel an operator installs: the package, its templates, the front-end bundle, the bundled models and forms.
wheel: install
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .

# The wheel in a fresh virtualenv outside the checkout, running the README walk-through (SQLite, PostgreSQL).
wheel-check: install
	.ci/wheel-walkthrough

lock: $(BIN)/bangfu
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --custom-compile-command "make lock" \
		pyproject.toml -o requirements.lock
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --custom-compile-command "make lock" \
		--extra test pyproject.toml -o requirements-test.lock

bench: install
	$(BIN)/python bench/cases.py --cases 200
	$(BIN)/python bench/inbox.py --cases 100000

clean:
	rm -rf $(VENV) instance *.egg-info build dist node_modules service/web/static/dist
