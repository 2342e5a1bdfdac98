#!/usr/bin/env bash
# Re-extract translatable messages and merge them into the catalogs (then translate the new
# empty msgstr entries in src/loket/locale/id/LC_MESSAGES/loket.po). `make i18n` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
"$PYBABEL" extract -F babel.cfg -k _ -k N_ -k translate:2 -k invalid:3 -k NotFound:2 -k Conflict:2 \
  -k InvalidInput:2 -k DomainError:2 -k Forbidden:2 -k Unauthorized:2 -k TooMany:2 \
  --no-location --sort-output --omit-header --project=loket -o src/loket/locale/loket.pot .
for lang in id en; do
  po=src/loket/locale/$lang/LC_MESSAGES/loket.po
  if [ -f "$po" ]; then
    "$PYBABEL" update -D loket -l "$lang" -i src/loket/locale/loket.pot -d src/loket/locale --no-fuzzy-matching --omit-header --ignore-obsolete
  else
    "$PYBABEL" init -D loket -l "$lang" -i src/loket/locale/loket.pot -d src/loket/locale
  fi
done
