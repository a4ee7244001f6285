#!/bin/sh
# check-hanfold-table.sh SOURCE_ROOT: the committed src/policy/tact-hanfold-table.c is what
# build-aux/gen-hanfold-table.py writes from this machine's Unihan_Variants (unicode-data).
set -eu
root=$1
variants=/usr/share/unicode/Unihan_Variants.txt.bz2
if [ ! -r "$variants" ]; then
  echo "$variants is missing: install unicode-data (build-aux/debian-packages.txt lists it)" >&2
  exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
/usr/bin/python3 "$root/build-aux/gen-hanfold-table.py" "$variants" > "$tmp"
if ! cmp -s "$tmp" "$root/src/policy/tact-hanfold-table.c"; then
  echo "src/policy/tact-hanfold-table.c differs from what build-aux/gen-hanfold-table.py writes:" >&2
  diff -u "$root/src/policy/tact-hanfold-table.c" "$tmp" | head -20 >&2
  exit 1
fi
echo "ok: src/policy/tact-hanfold-table.c matches Unihan_Variants"
