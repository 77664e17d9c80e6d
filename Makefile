# Two entry points, both safe on a fresh clone:
#   make serve   set up, build the site and serve it with live reload
#   make test    set up (Python packages, Chromium, Pyodide runtime) and run every test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup browser serve build test bench

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

# Debian's Chromium for the browser tests (root on these machines; sudo elsewhere).
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@command -v java >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq default-jre-headless >/dev/null; }

build: setup
	$(PY) build.py build

serve: setup
	$(PY) build.py serve

# npm ci: the pinned browser-side test tools in package-lock.json (axe-core), into node_modules/.
test: setup browser
	npm ci --ignore-scripts --no-audit --no-fund
	$(PY) -m pytest

bench: setup
	$(PY) -m pip install --quiet -e ".[test,bench]"
	$(PY) bench/run.py
