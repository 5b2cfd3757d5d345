#!/usr/bin/env bash
# The package's generated files, made by the labdeck binary from its clap definitions:
#   assets/debian/gen-assets.sh BINARY OUTDIR
# writes OUTDIR/labdeck.1.gz (man page), labdeck.bash, _labdeck (zsh), labdeck.fish.
set -euo pipefail
bin="$1"
out="$2"
mkdir -p "$out"
"$bin" generate man | gzip -9n >"$out/labdeck.1.gz"
"$bin" generate completions bash >"$out/labdeck.bash"
"$bin" generate completions zsh >"$out/_labdeck"
"$bin" generate completions fish >"$out/labdeck.fish"
