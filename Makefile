# Two entry points, both safe on a fresh clone:
#   make serve   set up, build the site and serve it with live reload
#   make test    set up (Python packages, Chromium, Pyodide runtime) and run every test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The checkers the tests run over the built site (Nu HTML Checker, axe-core), pinned in
# package-lock.json. vnu-jar's install script would download a Java runtime: the JRE comes
# from apt (make browser) instead.
NODE_STAMP := node_modules/.installed

.PHONY: setup browser checkers serve build test bench

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

checkers: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
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

test: setup browser checkers
	$(PY) -m pytest

bench: setup
	$(PY) -m pip install --quiet -e ".[test,bench]"
	$(PY) bench/run.py
