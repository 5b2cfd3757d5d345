#!/usr/bin/env bash
# Measures (1) exec → first frame of the sign-in screen and (2) idle CPU of a signed-in
# console over 30 s. Run from the repository root: benches/idle_and_start.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)"; exit 1; }
cargo build --release -q
bin="$PWD/target/release/labdeck"
home=$(mktemp -d)
export XDG_DATA_HOME=$home/data XDG_STATE_HOME=$home/state XDG_CONFIG_HOME=$home/config
db="sqlite://$home/demo.db"
"$bin" demo --seed-only --database-url "$db" > "$home/accounts"
pw=$(awk '$2=="ada"{print $3}' "$home/accounts")

echo "== exec to first frame (sign-in screen drawn, SQLite demo database) =="
# script(1) gives the program a terminal; its own cost is measured alone for comparison.
hyperfine -N --warmup 3 --runs 30 \
  "script -qec 'env LABDECK_EXIT_AFTER_FIRST_FRAME=1 $bin --database-url $db' /dev/null" \
  "script -qec true /dev/null"

echo "== idle CPU, signed in, Admin tab open, 30 s =="
tmux kill-session -t labdeck-idle 2>/dev/null || true
tmux new-session -d -s labdeck-idle -x 200 -y 60 \
  "env XDG_DATA_HOME=$XDG_DATA_HOME XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $bin --database-url $db"
sleep 1
tmux send-keys -t labdeck-idle -l ada; tmux send-keys -t labdeck-idle Tab; tmux send-keys -t labdeck-idle -l "$pw"; tmux send-keys -t labdeck-idle Enter
sleep 3
tmux capture-pane -p -t labdeck-idle | grep -q "users (10)" || { echo "sign-in failed"; tmux capture-pane -p -t labdeck-idle; exit 1; }
pid=$(pgrep -f "^$bin --database-url $db" | head -n1)
ticks() { awk '{print $14+$15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); s0=$(date +%s.%N)
sleep 30
t1=$(ticks); s1=$(date +%s.%N)
rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s0="$s0" -v s1="$s1" -v rss="$rss" \
  'BEGIN { printf "cpu: %d ticks in %.1f s = %.3f%% of one core; RSS %.1f MiB\n", b-a, s1-s0, (b-a)/hz/(s1-s0)*100, rss/1024 }'
tmux kill-session -t labdeck-idle
rm -rf "$home"
