#!/usr/bin/env bash
# Measures (1) exec → first frame of the sign-in screen and (2) idle CPU of a signed-in
# console over 30 s. Run from the repository root: benches/idle_and_start.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)"; exit 1; }
# LABDECK_BIN measures another build (say, main's, to compare) instead of this tree's.
[ -n "${LABDECK_BIN:-}" ] || cargo build --release -q
bin="${LABDECK_BIN:-$PWD/target/release/labdeck}"
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

echo "== idle CPU, signed in, Admin tab open, no cluster, 30 s =="
tmux kill-session -t labdeck-idle 2>/dev/null || true
tmux new-session -d -s labdeck-idle -x 200 -y 60 \
  "env XDG_DATA_HOME=$XDG_DATA_HOME XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $bin --database-url $db"
sleep 1
tmux send-keys -t labdeck-idle -l ada; tmux send-keys -t labdeck-idle Tab; tmux send-keys -t labdeck-idle -l "$pw"; tmux send-keys -t labdeck-idle Enter
sleep 3
# An admin lands on the Inventory; the palette opens Admin wherever its tab sits.
tmux send-keys -t labdeck-idle ':'; tmux send-keys -t labdeck-idle -l admin; tmux send-keys -t labdeck-idle Enter
sleep 1
tmux capture-pane -p -t labdeck-idle | grep -q "users (10)" || { echo "sign-in failed"; tmux capture-pane -p -t labdeck-idle; exit 1; }
sleep 12   # let the blocking thread that hashed the password exit before counting
pid=$(pgrep -f "^$bin --database-url $db" | head -n1)
# CPU time in nanoseconds, all threads (schedstat is exact; /proc/PID/stat counts 10 ms ticks).
ticks() { cat /proc/$pid/task/*/schedstat | awk '{s+=$1} END {printf "%d", s}'; }
hz=1000000000
t0=$(ticks); s0=$(date +%s.%N)
sleep 30
t1=$(ticks); s1=$(date +%s.%N)
rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s0="$s0" -v s1="$s1" -v rss="$rss" \
  'BEGIN { printf "cpu: %.1f ms in %.1f s = %.3f%% of one core; RSS %.1f MiB\n", (b-a)/1e6, s1-s0, (b-a)/hz/(s1-s0)*100, rss/1024 }'

echo "== idle CPU, Support › live chats (the engine looks for changes every 250 ms), 30 s =="
tmux send-keys -t labdeck-idle ':'; tmux send-keys -t labdeck-idle -l support; tmux send-keys -t labdeck-idle Enter
sleep 2
tmux capture-pane -p -t labdeck-idle | grep -q "live chats (" || { echo "no live queue"; tmux capture-pane -p -t labdeck-idle; exit 1; }
t0=$(ticks); s0=$(date +%s.%N)
sleep 30
t1=$(ticks); s1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s0="$s0" -v s1="$s1" \
  'BEGIN { printf "cpu: %.1f ms in %.1f s = %.3f%% of one core\n", (b-a)/1e6, s1-s0, (b-a)/hz/(s1-s0)*100 }'
tmux kill-session -t labdeck-idle

echo "== idle CPU with the poller running: Inventory open, simulator (36 guests) polled every 10 s (the default), 60 s =="
"$bin" sim --guests 30 --bind 127.0.0.1:18016 > "$home/sim.out" 2>&1 &
sim=$!
for _ in $(seq 1 50); do grep -q "token secret" "$home/sim.out" 2>/dev/null && break; sleep 0.1; done
fp=$(grep -oE '([0-9A-F]{2}:){31}[0-9A-F]{2}' "$home/sim.out" | head -1)
secret=$(grep "token secret" "$home/sim.out" | awk '{print $3}')
db2="sqlite://$home/poll.db"
echo "correct horse battery" | "$bin" --database-url "$db2" user add bench --role admin --password-stdin > /dev/null
echo "$secret" | "$bin" --database-url "$db2" cluster add sim --host 127.0.0.1 --port 18016 --token-id 'root@pam!labdeck' --token-secret-stdin --fingerprint "$fp" > /dev/null
tmux new-session -d -s labdeck-idle -x 200 -y 60 \
  "env XDG_DATA_HOME=$XDG_DATA_HOME XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $bin --database-url $db2"
sleep 1
tmux send-keys -t labdeck-idle -l bench; tmux send-keys -t labdeck-idle Tab; tmux send-keys -t labdeck-idle -l "correct horse battery"; tmux send-keys -t labdeck-idle Enter
sleep 12
tmux capture-pane -p -t labdeck-idle | grep -q "guests (3" || { echo "inventory did not load"; tmux capture-pane -p -t labdeck-idle | head; kill $sim; exit 1; }
pid=$(pgrep -fx "$bin --database-url $db2" | head -n1)
t0=$(ticks); s0=$(date +%s.%N)
sleep 60
t1=$(ticks); s1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s0="$s0" -v s1="$s1" \
  'BEGIN { printf "cpu: %.1f ms in %.1f s = %.3f%% of one core (6 poll cycles, each: fetch, diff, commit, console re-read, redraw)\n", (b-a)/1e6, s1-s0, (b-a)/hz/(s1-s0)*100 }'
tmux kill-session -t labdeck-idle
kill $sim
rm -rf "$home"
