"""Fill empty msgstr entries of a catalog from a JSON dict {msgid: translation} (translator aid)."""

from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po

po_path, json_path = sys.argv[1], sys.argv[2]
with open(po_path, "rb") as handle:
    catalog = read_po(handle)
with open(json_path, encoding="utf-8") as handle:
    table = json.load(handle)
missing = []
for message in catalog:
    if not message.id:
        continue
    if message.id in table and not message.string:
        message.string = table[message.id]
    if not message.string:
        missing.append(message.id)
with open(po_path, "wb") as handle:
    write_po(handle, catalog, omit_header=False, sort_output=True, width=100)
for msgid in missing:
    print("untranslated:", msgid)
