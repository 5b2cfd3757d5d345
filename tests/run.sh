#!/usr/bin/env bash
# Run every test on SQLite and PostgreSQL, plus the end-to-end tests in tmux.
# Needs: the Rust toolchain, tmux, and a PostgreSQL server (started here if it is local and
# stopped). LABDECK_TEST_POSTGRES_URL picks another server.
set -euo pipefail
cd "$(dirname "$0")/.."

export LABDECK_TEST_POSTGRES_URL="${LABDECK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

if ! command -v tmux >/dev/null; then
  echo "tests/run.sh: tmux is required for the end-to-end tests (apt-get install tmux)" >&2
  exit 1
fi

if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null; then
    echo "starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi

# Each PostgreSQL test works in its own schema t_<uuid>; drop the ones earlier runs left.
if command -v psql >/dev/null; then
  psql "$LABDECK_TEST_POSTGRES_URL" -qAt -c "SELECT 'DROP SCHEMA ' || nspname || ' CASCADE;' FROM pg_namespace WHERE nspname LIKE 't\_%'" \
    | psql "$LABDECK_TEST_POSTGRES_URL" -q >/dev/null 2>&1 || true
fi

cargo test "$@"
