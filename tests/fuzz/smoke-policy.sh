#!/bin/sh
# smoke-policy.sh TARGET: a short libFuzzer run of a src/policy fuzz target, for the normal
# test suite. TARGET is profile, scan or attachment (tests/fuzz/fuzz-TARGET.c).
# Builds the target and src/policy/*.c with clang (the main build uses gcc) with ASan and
# UBSan, then fuzzes for FUZZ_SECONDS (12) over a generated seed corpus
# (make-policy-corpus.py). Exits 77 (meson: skipped) when clang or libFuzzer is missing.
# FUZZ_KEEP=DIR keeps the binary, corpus and artifacts in DIR (for longer runs by hand).
set -eu

target=${1:?usage: smoke-policy.sh profile|scan|attachment}
src=${TACT_SOURCE_ROOT:?}
seconds=${FUZZ_SECONDS:-12}

command -v clang >/dev/null 2>&1 || { echo "clang not found: skipping"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: skipping"; exit 77; }
pkgs="glib-2.0 gio-2.0 json-glib-1.0 libhs opencc libxml-2.0 libarchive"
pkg-config --exists $pkgs || { echo "pkg-config: $pkgs not all found: skipping"; exit 77; }

if [ -n "${FUZZ_KEEP:-}" ]; then
  work=$FUZZ_KEEP; mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/tact-fuzz-$target.XXXXXX")
  trap 'rm -rf "$work"' EXIT INT TERM
fi

flags=$(pkg-config --cflags --libs $pkgs)
# shellcheck disable=SC2086
if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -DG_LOG_DOMAIN='"Tact-Policy"' -DGETTEXT_PACKAGE='"tact"' -DTACT_VERSION='"fuzz"' \
      -DTACT_PKGDATADIR='"/nonexistent"' -DTACT_SOURCE_DATADIR="\"$src/data\"" -DTACT_BUILD_DATADIR='"/nonexistent"' \
      -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74 \
      -I"$src/src" -I"$src/src/policy" \
      "$src/tests/fuzz/fuzz-$target.c" "$src"/src/policy/*.c \
      $flags -lm -o "$work/fuzz-$target" 2>"$work/build.log"; then
  if grep -q -- "-lclang_rt.fuzzer\|libclang_rt.fuzzer\|cannot find.*fuzzer" "$work/build.log"; then
    cat "$work/build.log"; echo "libFuzzer runtime missing (libclang-rt-14-dev): skipping"; exit 77
  fi
  cat "$work/build.log"; exit 1
fi

rm -rf "$work/seeds"
python3 "$src/tests/fuzz/make-policy-corpus.py" "$target" "$src" "$work/seeds"
mkdir -p "$work/corpus"

# Leak checking would flag GLib's and OpenCC's one-time allocations, so it is off.
# Anything else (crash, ASan/UBSan report, critical or warning, timeout, OOM) fails.
status=0
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  "$work/fuzz-$target" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
  -timeout=10 -error_exitcode=1 -artifact_prefix="$work/" "$work/corpus" "$work/seeds" \
  >"$work/fuzz.log" 2>&1 || status=$?
tail -n 25 "$work/fuzz.log"
# libFuzzer's own exit code for a crash is 77, which meson reads as "skipped": judge by
# the artifacts (each tested alone: ls with several patterns fails if one matches nothing).
found=0
for f in "$work"/crash-* "$work"/timeout-* "$work"/oom-*; do
  [ -f "$f" ] || continue
  found=1
  echo "artifact: $f"; head -c 2000 "$f" | od -c | head -n 40
done
[ $found -eq 0 ] || exit 1
[ $status -eq 0 ] || { echo "fuzzer exited with $status"; exit 1; }
exit 0
