#!/bin/sh
# Checks po/POTFILES.in: sorted (LC_ALL=C), no duplicates, every listed file
# exists, and every file under src/ and data/ with a translatable string is
# listed (or in po/POTFILES.skip).  Usage: check-potfiles.sh SOURCE_ROOT
set -eu
export LC_ALL=C

root=${1:?usage: check-potfiles.sh SOURCE_ROOT}
cd "$root"
potfiles=po/POTFILES.in
skip=po/POTFILES.skip
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0

# Listed files: drop comments and blank lines.
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$potfiles" > "$tmp/listed"

if ! sort -c "$tmp/listed" 2>"$tmp/sort-err"; then
  echo "FAIL: $potfiles is not sorted (LC_ALL=C): $(cat "$tmp/sort-err")"
  echo "      expected order:"
  sort "$tmp/listed" | sed 's/^/        /'
  status=1
fi

dups=$(uniq -d "$tmp/listed")
if [ -n "$dups" ]; then
  echo "FAIL: listed more than once in $potfiles:"
  echo "$dups" | sed 's/^/        /'
  status=1
fi

while IFS= read -r f; do
  if [ ! -f "$f" ]; then
    echo "FAIL: $potfiles lists $f, which does not exist"
    status=1
  fi
done < "$tmp/listed"

if [ -f "$skip" ]; then
  sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$skip" > "$tmp/skipped"
else
  : > "$tmp/skipped"
fi

# Files with _("…"), N_("…"), C_("…"), NC_("…") or translatable="yes".
grep -rlIE '(^|[^A-Za-z0-9_])(N|C|NC)?_\("|translatable="yes"' src data 2>/dev/null \
  | sort > "$tmp/found" || true

cat "$tmp/listed" "$tmp/skipped" | sort -u > "$tmp/known"
missing=$(comm -23 "$tmp/found" "$tmp/known")
if [ -n "$missing" ]; then
  echo "FAIL: files with translatable strings missing from $potfiles:"
  echo "$missing" | sed 's/^/        /'
  status=1
fi

if [ "$status" -eq 0 ]; then
  echo "ok: $potfiles is sorted and lists $(wc -l < "$tmp/listed") files," \
       "covering all $(wc -l < "$tmp/found") files with translatable strings"
fi
exit "$status"
