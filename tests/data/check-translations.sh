#!/bin/sh
# check-translations.sh PO...: every message of each catalogue is translated and none is fuzzy
# (issue 9: "every string translated"). msgfmt --check alone passes untranslated entries.
# Run `ninja -C _build tact-update-po` (and help-tact-<lang>-update-po) after adding strings.
set -eu
status=0
for po in "$@"; do
  untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
  # msgattrib prints the header entry (msgid "") with any selection: it is not a message.
  [ "$untranslated" -gt 0 ] && untranslated=$((untranslated - 1))
  [ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
  if [ "$untranslated" -ne 0 ] || [ "$fuzzy" -ne 0 ]; then
    echo "FAIL: $po: $untranslated untranslated, $fuzzy fuzzy"
    msgattrib --untranslated --only-fuzzy --no-obsolete "$po" 2>/dev/null | grep '^msgid "..*"' | head -5
    msgattrib --untranslated --no-obsolete "$po" | grep '^msgid "..*"' | head -5
    status=1
  else
    echo "ok: $po: every message translated"
  fi
done
exit $status
