# The README's two commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CATALOGS := $(patsubst %.po,%.mo,$(wildcard src/loket/locale/*/LC_MESSAGES/*.po))

.PHONY: install run test test-fast lint bench i18n clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Loket needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

# gettext catalogs are compiled in the build, from the .po files in the tree.
src/loket/locale/%.mo: src/loket/locale/%.po $(STAMP)
	$(BIN)/pybabel compile -D loket -i $< -o $@

install: $(STAMP) $(CATALOGS)

run: install
	$(BIN)/loket db upgrade
	$(BIN)/loket demo load --if-empty
	$(BIN)/loket serve

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not browser and not slow"

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/booking_rush.py --db sqlite
	$(BIN)/python bench/booking_rush.py --db postgresql

i18n: install
	bash scripts/i18n.sh

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
