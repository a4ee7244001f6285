#!/bin/sh
# check-classifier-model.sh TACT_POLICY TRAIN DEV MODEL: training again from the same
# splits with the build's options gives MODEL byte for byte.
set -eu
cli=$1 train=$2 dev=$3 model=$4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tact-model.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
"$cli" train --cost 128 --output "$tmp/again.model" "$train" "$dev" >/dev/null
if ! cmp "$tmp/again.model" "$model"; then
  echo "training again gave a different model: the build is not deterministic" >&2
  exit 1
fi
echo "ok: $(wc -c < "$model") bytes, the same twice ($(sha256sum "$model" | cut -c1-16))"
