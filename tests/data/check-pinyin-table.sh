#!/bin/sh
# check-pinyin-table.sh SOURCE_ROOT: the committed src/policy/tact-pinyin-table.c is what
# build-aux/gen-pinyin-table.py writes from this machine's Unihan_Readings (unicode-data).
set -eu
root=$1
readings=/usr/share/unicode/Unihan_Readings.txt.bz2
if [ ! -r "$readings" ]; then
  echo "$readings is missing: install unicode-data (build-aux/debian-packages.txt lists it)" >&2
  exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
/usr/bin/python3 "$root/build-aux/gen-pinyin-table.py" "$readings" > "$tmp"
if ! cmp -s "$tmp" "$root/src/policy/tact-pinyin-table.c"; then
  echo "src/policy/tact-pinyin-table.c differs from what build-aux/gen-pinyin-table.py writes:" >&2
  diff -u "$root/src/policy/tact-pinyin-table.c" "$tmp" | head -20 >&2
  exit 1
fi
echo "ok: src/policy/tact-pinyin-table.c matches Unihan_Readings"
