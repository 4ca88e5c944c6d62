# Two commands on a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The browser tests (tests/browser.py) drive Debian's chromium; installed when missing.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint typecheck complexity pytest bench clean chromium screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(CHROMIUM):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

chromium: $(CHROMIUM)

demo: $(STAMP)
	$(BIN)/unison demo
	$(BIN)/unison serve

test: $(STAMP) lint typecheck complexity pytest

lint: $(STAMP)
	$(BIN)/ruff check unison tests bench
	$(BIN)/ruff format --check unison tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# No function in unison/ above cyclomatic complexity 15, save scripts/complexity_allow.txt's.
complexity: $(STAMP)
	$(BIN)/python scripts/complexity.py

# PYTEST_WORKERS=0 runs the suite in one process (pytest-xdist's -n 0).
PYTEST_WORKERS ?= auto
pytest: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest -n $(PYTEST_WORKERS)

# PNGs of the console's main pages (English and Hebrew, desktop and phone) in screenshots/.
screenshots: $(STAMP) $(CHROMIUM)
	$(BIN)/python scripts/screenshots.py

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) unison.db unison.db-wal unison.db-shm
