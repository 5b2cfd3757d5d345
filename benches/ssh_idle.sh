#!/usr/bin/env bash
# `labdeck serve --ssh` with real OpenSSH clients in tmux, over loopback: the server's RSS
# with no session, then with N (default 10) consoles signed in by key (per extra session),
# and its idle CPU over 30 s with those sessions open (all threads, from schedstat).
# Run from the repository root: benches/ssh_idle.sh [N]   (LABDECK_BIN: another build)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10}"
[ -n "${LABDECK_BIN:-}" ] || cargo build --release -q
bin="${LABDECK_BIN:-$PWD/target/release/labdeck}"
home=$(mktemp -d)
export XDG_DATA_HOME=$home/data XDG_STATE_HOME=$home/state XDG_CONFIG_HOME=$home/config
db="sqlite://$home/demo.db"
"$bin" demo --seed-only --database-url "$db" > /dev/null
ssh-keygen -q -t ed25519 -N "" -f "$home/key"
"$bin" --database-url "$db" user key add ada "$home/key.pub" > /dev/null
"$bin" --database-url "$db" serve --ssh 127.0.0.1:0 > "$home/serve.out" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; for i in $(seq 1 "$n"); do tmux kill-session -t "labdeck-sshb-$i" 2>/dev/null; done; rm -rf "$home"' EXIT
for _ in $(seq 1 50); do grep -q "console over SSH" "$home/serve.out" && break; sleep 0.2; done
port=$(sed -n 's/^console over SSH on 127.0.0.1:\([0-9]*\):.*/\1/p' "$home/serve.out")
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
sleep 3
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$server/status"; }
rss0=$(rss)
for i in $(seq 1 "$n"); do
  tmux new-session -d -s "labdeck-sshb-$i" -x 200 -y 60 \
    "ssh -tt -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes -i $home/key -p $port ada@127.0.0.1"
done
for i in $(seq 1 "$n"); do
  for _ in $(seq 1 100); do tmux capture-pane -p -t "labdeck-sshb-$i" | grep -q "guests" && break; sleep 0.2; done
done
sleep 5
rss1=$(rss)
echo "server RSS: ${rss0} KiB with no session, ${rss1} KiB with $n sessions: $(( (rss1 - rss0) / n )) KiB per session"
cpu() { cat /proc/$server/task/*/schedstat | awk '{s+=$1} END {printf "%d", s}'; }
sleep 10
c0=$(cpu); s0=$(date +%s.%N)
sleep 30
c1=$(cpu); s1=$(date +%s.%N)
awk -v c="$((c1 - c0))" -v a="$s0" -v b="$s1" -v n="$n" 'BEGIN { printf "server idle CPU with %d idle sessions: %.3f %% of one core (30 s)\n", n, c / ((b - a) * 1e9) * 100 }'
