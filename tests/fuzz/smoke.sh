#!/bin/sh
# smoke.sh: a short libFuzzer run of the /sync parser, for the normal test suite.
# Builds tests/fuzz/fuzz-sync.c and the matrix sources with clang (the main build uses
# gcc), then fuzzes for FUZZ_SECONDS (20) over the fixture seed corpus.
# Exits 77 (meson: skipped) when clang or libFuzzer is missing.
set -eu

src=${TACT_SOURCE_ROOT:?}
fixtures=${TACT_FIXTURES_DIR:?}
seconds=${FUZZ_SECONDS:-20}

command -v clang >/dev/null 2>&1 || { echo "clang not found: skipping"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: skipping"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tact-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

flags=$(pkg-config --cflags --libs glib-2.0 gio-2.0 json-glib-1.0 libsoup-3.0)
# shellcheck disable=SC2086
if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -DG_LOG_DOMAIN='"Tact-Matrix"' -DGETTEXT_PACKAGE='"tact"' -DTACT_VERSION='"fuzz"' \
      -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74 \
      -I"$src/src/matrix" -I"$src/src" \
      "$src/tests/fuzz/fuzz-sync.c" "$src/src/matrix/tact-event.c" \
      "$src/src/matrix/tact-matrix-error.c" \
      $flags -o "$work/fuzz-sync" 2>"$work/build.log"; then
  if grep -q -- "-lclang_rt.fuzzer\|libclang_rt.fuzzer\|cannot find.*fuzzer" "$work/build.log"; then
    cat "$work/build.log"; echo "libFuzzer runtime missing (libclang-rt-14-dev): skipping"; exit 77
  fi
  cat "$work/build.log"; exit 1
fi

python3 "$src/tests/fuzz/make-corpus.py" "$fixtures" "$work/seeds"
mkdir "$work/corpus"

# json-glib leaks nothing we care about here; leak checking would flag GLib's one-time
# allocations, so it is off. Anything else (crash, ASan/UBSan report, critical) fails.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  "$work/fuzz-sync" -max_total_time="$seconds" -rss_limit_mb=1024 -max_len=65536 \
  -timeout=10 -artifact_prefix="$work/" "$work/corpus" "$work/seeds" 2>&1 | tail -n 25
status=$?
# POSIX sh has no pipefail: look for artifacts instead.
# (ls with several patterns fails when any one matches nothing: test each file.)
found=0
for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
  [ -f "$f" ] || continue
  found=1
  echo "artifact: $f"; head -c 2000 "$f" | od -c | head -n 40
done
[ $found -eq 0 ] || exit 1
exit $status
