#!/usr/bin/env bash
# Build the Debian package: a stripped release binary, its man page and completions, then
# cargo-deb (cargo install cargo-deb) with [package.metadata.deb] from Cargo.toml.
# The package lands in target/debian/ (extra arguments go to cargo deb).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked
# cargo-deb finds the binary in the target dir wherever it is; the generated assets are named
# by their path in the repository (target/deb-assets/).
assets/debian/gen-assets.sh "${CARGO_TARGET_DIR:-target}/release/labdeck" target/deb-assets
cargo deb --no-build "$@"
