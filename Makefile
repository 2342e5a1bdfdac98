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

# gettext catalogs are compiled in the build, from the .po files in the tree. pybabel skips a
# fuzzy catalog with a message and success: the .mo removed first, so that a skip fails here.
src/loket/locale/%.mo: src/loket/locale/%.po $(STAMP)
	@rm -f $@
	$(BIN)/pybabel compile -D loket -i $< -o $@
	@test -f $@ || { echo "$< was not compiled (fuzzy?): see scripts/catalogs.py" >&2; exit 1; }

install: $(STAMP) $(CATALOGS)
	@$(BIN)/python -m loket.web.assets

# The cookie-signing key: made once, readable by its owner only (the server refuses the default).
SECRET_FILE ?= .loket-secret

run: install
	@test -s $(SECRET_FILE) || (umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > $(SECRET_FILE))
	$(BIN)/loket db upgrade
	$(BIN)/loket demo load --if-empty
	# The demo has no SMS or e-mail channel to send contact codes through (docs/settings.md).
	LOKET_SECRET_KEY_FILE=$(SECRET_FILE) LOKET_VERIFY_CONTACT=false $(BIN)/loket serve

# The suite runs in worker processes (pytest-xdist, tests handed out as workers free up): most
# tests spend their time waiting on a database, a `loket` process or a browser, so three workers
# keep two cores busy. `make test TEST_WORKERS=0` runs it in this one process.
TEST_WORKERS ?= 3
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

test: install
	$(PYTEST)

test-fast: install
	$(PYTEST) -m "not browser and not slow"

# Every check runs, then lint fails if any did: ruff, mypy, the import contracts of the layers
# (pyproject.toml [tool.importlinter]) and the gettext catalogs (none fuzzy or stale).
lint: install
	@status=0; \
	for check in "$(BIN)/ruff check src tests bench" "$(BIN)/mypy" "$(BIN)/lint-imports --no-cache --no-logo" \
	    "$(BIN)/python scripts/catalogs.py check"; do \
	  echo "$$check"; $$check || status=1; \
	done; \
	exit $$status

# Benchmarks print figures (never pass or fail on time). hotpaths: Loket against a bare
# FastAPI + asyncpg endpoint, driven by wrk (installed with apt-get when missing), as ratios.
bench: install
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/hotpaths.py
	$(BIN)/python bench/hotpaths.py --workers 2
	$(BIN)/python bench/drivers.py
	$(BIN)/python bench/booking_rush.py --db sqlite
	$(BIN)/python bench/booking_rush.py --db postgresql
	$(BIN)/python bench/floor.py --db postgresql
	$(BIN)/python bench/floor_statements.py
	$(BIN)/python bench/board_streams.py

# After adding, changing or removing a translatable message (`_()`, `N_()`, an error's msgid, a
# template's `{{ _("...") }}`): re-extract src/loket/locale/loket.pot, merge it into the id and en
# catalogs (new messages get an empty msgstr), then translate the new entries of
# src/loket/locale/id/LC_MESSAGES/loket.po and commit the three files. `make lint` fails until
# the catalogs match the sources. Details: scripts/catalogs.py.
i18n: install
	$(BIN)/python scripts/catalogs.py update

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
