#!/bin/sh
# check-unihan-table.sh SOURCE_ROOT GENERATOR UNIHAN_FILE TABLE: the committed TABLE (under
# src/policy) is what build-aux/GENERATOR writes from this machine's Unihan file
# (unicode-data): the pinyin table (Unihan_Readings) and the classifier's Han fold
# (Unihan_Variants) are generated at development time and checked here.
set -eu
root=$1 generator=$2 unihan=/usr/share/unicode/$3 table=$4
if [ ! -r "$unihan" ]; then
  echo "$unihan is missing: install unicode-data (build-aux/debian-packages.txt lists it)" >&2
  exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
/usr/bin/python3 "$root/build-aux/$generator" "$unihan" > "$tmp"
if ! cmp -s "$tmp" "$root/src/policy/$table"; then
  echo "src/policy/$table differs from what build-aux/$generator writes:" >&2
  diff -u "$root/src/policy/$table" "$tmp" | head -20 >&2
  exit 1
fi
echo "ok: src/policy/$table matches $(basename "$unihan")"
