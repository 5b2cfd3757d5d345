#!/usr/bin/env bash
# Run every test on SQLite and PostgreSQL, plus the end-to-end tests in tmux.
# Extra arguments go to cargo test (tests/run.sh --test store_identity).
#
# PostgreSQL: the server named by LABDECK_TEST_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/test) when it answers; otherwise a throwaway server of
# our own: initdb into a temporary directory, pg_ctl on a free loopback port, stopped and
# deleted when this script exits. Run as root on a machine without PostgreSQL or tmux, it
# installs Debian's packages first.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "tests/run.sh: $*" >&2; }
is_root() { [ "$(id -u)" = 0 ]; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! command -v tmux >/dev/null; then
  if is_root && command -v apt-get >/dev/null; then
    say "installing tmux (for the end-to-end tests)"
    apt_install tmux
  else
    say "tmux is required for the end-to-end tests (apt-get install tmux)"
    exit 1
  fi
fi

# The SSH end-to-end tests (tests/e2e_ssh.rs) drive the real OpenSSH client.
if ! command -v ssh >/dev/null || ! command -v ssh-keygen >/dev/null; then
  if is_root && command -v apt-get >/dev/null; then
    say "installing openssh-client (for the SSH end-to-end tests)"
    apt_install openssh-client
  else
    say "ssh and ssh-keygen are required for the SSH end-to-end tests (apt-get install openssh-client)"
    exit 1
  fi
fi

# The directory holding initdb and pg_ctl: PATH first, then Debian's versioned directories.
pg_bindir() {
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  done
}

# Does the server at $1 accept us? psql proves the database exists too; pg_isready only
# that something answers.
answers() {
  if command -v psql >/dev/null; then
    psql "$1" -qAtc 'SELECT 1' >/dev/null 2>&1
  elif command -v pg_isready >/dev/null; then
    pg_isready -q -t 3 -d "$1"
  else
    return 1
  fi
}

# A loopback port nothing listens on (bash's /dev/tcp connects when something does).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  return 1
}

pg_tmp=""
pg_as=()
stop_own_postgres() {
  if [ -n "$pg_tmp" ]; then
    "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$pg_tmp"
  fi
}

start_own_postgres() {
  pg_bin="$(pg_bindir)"
  if [ -z "$pg_bin" ]; then
    if is_root && command -v apt-get >/dev/null; then
      say "installing PostgreSQL (apt-get install postgresql)"
      apt_install postgresql postgresql-client
      pg_bin="$(pg_bindir)"
    fi
    if [ -z "$pg_bin" ]; then
      say "no PostgreSQL answers at ${LABDECK_TEST_POSTGRES_URL} and none is installed to start one"
      say "install it (apt-get install postgresql), run this script as root, or set LABDECK_TEST_POSTGRES_URL"
      exit 1
    fi
  fi
  pg_tmp="$(mktemp -d /tmp/labdeck-pg.XXXXXX)"
  trap stop_own_postgres EXIT
  trap 'exit 130' INT TERM
  # initdb refuses to run as root: as root, the server runs as the postgres system user (or
  # nobody), which owns the temporary directory.
  if is_root; then
    local user=postgres
    getent passwd postgres >/dev/null || user=nobody
    chown "$user" "$pg_tmp"
    pg_as=(runuser -u "$user" --)
  else
    pg_as=(env)
  fi
  "${pg_as[@]}" "$pg_bin/initdb" -D "$pg_tmp/data" -U postgres -A trust -E UTF8 --no-sync >"$pg_tmp/initdb.log" 2>&1 \
    || { cat "$pg_tmp/initdb.log" >&2; exit 1; }
  local port started=0
  for _ in 1 2 3; do
    port="$(free_port)"
    # A throwaway server: nothing here needs to survive a crash, so no fsync.
    if "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_tmp/data" -l "$pg_tmp/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_tmp -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null; then
      started=1
      break
    fi
  done
  if [ "$started" != 1 ]; then
    cat "$pg_tmp/server.log" >&2
    exit 1
  fi
  "${pg_as[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres test
  export LABDECK_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/test"
  say "started a throwaway PostgreSQL ($("$pg_bin/pg_ctl" --version)) at $LABDECK_TEST_POSTGRES_URL; it goes away at exit"
}

export LABDECK_TEST_POSTGRES_URL="${LABDECK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
if answers "$LABDECK_TEST_POSTGRES_URL"; then
  say "PostgreSQL: using $LABDECK_TEST_POSTGRES_URL"
  # Each PostgreSQL test works in its own schema t_<uuid>; drop the ones earlier runs left.
  if command -v psql >/dev/null; then
    psql "$LABDECK_TEST_POSTGRES_URL" -qAt -c "SELECT 'DROP SCHEMA ' || nspname || ' CASCADE;' FROM pg_namespace WHERE nspname LIKE 't\_%'" \
      | psql "$LABDECK_TEST_POSTGRES_URL" -q >/dev/null 2>&1 || true
  fi
else
  say "PostgreSQL: nothing answers at $LABDECK_TEST_POSTGRES_URL; starting our own"
  start_own_postgres
fi

cargo test "$@"
