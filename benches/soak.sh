#!/usr/bin/env bash
# A bounded soak: for SOAK_SECS (default 600 = 10 min) a signed-in console shows the live
# visitor queue, `labdeck poll` keeps a 10,000-guest simulator polled (10 s interval) and 50
# visitors chat through `labdeck serve --http` (one message each every ~6 s). RSS and CPU of
# the console, the poller and the server are sampled every 30 s; the summary gives each one's
# CPU share and RSS growth per hour (last sample minus the one at 60 s, scaled). Note the
# load average printed first: figures taken while others build are not headline figures.
#   benches/soak.sh                 # this tree's release build
#   SOAK_SECS=120 LABDECK_BIN=/path/to/labdeck benches/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in tmux curl; do command -v $tool >/dev/null || { echo "needs $tool"; exit 1; }; done
[ -n "${LABDECK_BIN:-}" ] || cargo build --release -q
bin="${LABDECK_BIN:-$PWD/target/release/labdeck}"
secs="${SOAK_SECS:-600}"
every=30
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"

home=$(mktemp -d)
export XDG_DATA_HOME=$home/data XDG_STATE_HOME=$home/state XDG_CONFIG_HOME=$home/config
db="sqlite://$home/soak.db"
simport=18026
httpport=18027
pids=()
cleanup() {
  tmux kill-session -t labdeck-soak 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$home"
}
trap cleanup EXIT

"$bin" sim --guests 10000 --bind 127.0.0.1:$simport > "$home/sim.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q "token secret" "$home/sim.out" 2>/dev/null && break; sleep 0.1; done
fp=$(grep -oE '([0-9A-F]{2}:){31}[0-9A-F]{2}' "$home/sim.out" | head -1)
secret=$(grep "token secret" "$home/sim.out" | awk '{print $3}')
echo "correct horse battery" | "$bin" --database-url "$db" user add rep --role support --password-stdin > /dev/null
echo "$secret" | "$bin" --database-url "$db" cluster add sim --host 127.0.0.1 --port $simport \
  --token-id 'root@pam!labdeck' --token-secret-stdin --fingerprint "$fp" > /dev/null

"$bin" --database-url "$db" poll > /dev/null 2>&1 &
poll=$!; pids+=($poll)
"$bin" --database-url "$db" serve --http 127.0.0.1:$httpport --ip-rate 100 > /dev/null 2>&1 &
serve=$!; pids+=($serve)
tmux new-session -d -s labdeck-soak -x 200 -y 60 \
  "env XDG_DATA_HOME=$XDG_DATA_HOME XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $bin --database-url $db"
sleep 1
tmux send-keys -t labdeck-soak -l rep; tmux send-keys -t labdeck-soak Tab
tmux send-keys -t labdeck-soak -l "correct horse battery"; tmux send-keys -t labdeck-soak Enter
sleep 4
tmux send-keys -t labdeck-soak ':'; tmux send-keys -t labdeck-soak -l support; tmux send-keys -t labdeck-soak Enter
sleep 2
tmux capture-pane -p -t labdeck-soak | grep -q "live chats (" || { echo "the console did not open the queue"; tmux capture-pane -p -t labdeck-soak; exit 1; }
console=$(pgrep -fx "$bin --database-url $db" | head -n1)

# 50 visitors: start a chat, then a message every ~6 s until the soak ends.
visitor() {
  local i=$1 api="http://127.0.0.1:$httpport/api/chat" token
  token=$(curl -sf -H 'Content-Type: application/json' \
    -d "{\"name\":\"visitor $i\",\"subject\":\"soak $i\",\"message\":\"hello from $i\"}" "$api" |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || { echo "visitor $i could not start a chat" >&2; return; }
  local n=0
  while :; do
    sleep "$(( 5 + RANDOM % 3 ))"
    n=$((n + 1))
    curl -sf -o /dev/null -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
      -d "{\"text\":\"message $n from visitor $i\"}" "$api/messages" || echo "visitor $i: message $n refused" >&2
  done
}
for i in $(seq 1 50); do visitor "$i" & pids+=($!); sleep 0.05; done

# CPU time in ns (all threads, schedstat) and RSS in KiB of a process.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s+=$1} END {printf "%d", s}'; }
rss_kib() { awk '/VmRSS/{print $2}' /proc/"$1"/status; }
declare -A cpu0 rss60
start=$(date +%s.%N)
for who in console poll serve; do cpu0[$who]=$(cpu_ns "${!who}"); done
printf "%6s  %12s %12s %12s   (RSS MiB)\n" t console poll serve
for ((t = every; t <= secs; t += every)); do
  sleep $every
  for who in console poll serve; do kill -0 "${!who}" 2>/dev/null || { echo "$who died at ${t}s"; exit 1; }; done
  awk -v t="$t" -v a="$(rss_kib "$console")" -v b="$(rss_kib "$poll")" -v c="$(rss_kib "$serve")" \
    'BEGIN { printf "%5ss  %12.1f %12.1f %12.1f\n", t, a / 1024, b / 1024, c / 1024 }'
  if [ "$t" = 60 ]; then for who in console poll serve; do rss60[$who]=$(rss_kib "${!who}"); done; fi
done
end=$(date +%s.%N)
echo "== summary: ${secs}s, 50 visitors, 10,000 guests; load average now: $(cut -d' ' -f1-3 /proc/loadavg) =="
for who in console poll serve; do
  pid=${!who}
  awk -v a="${cpu0[$who]}" -v b="$(cpu_ns "$pid")" -v s0="$start" -v s1="$end" -v r60="${rss60[$who]:-0}" \
    -v r="$(rss_kib "$pid")" -v who="$who" \
    'BEGIN { el = s1 - s0; grow = (el > 60 && r60 > 0) ? (r - r60) / 1024 / ((el - 60) / 3600) : 0;
             printf "%-8s cpu %.2f%% of one core; RSS %.1f MiB at the end, growth %+.1f MiB/h after the first minute\n",
                    who, (b - a) / 1e9 / el * 100, r / 1024, grow }'
done
tmux capture-pane -p -t labdeck-soak | grep -q "live chats (" || echo "WARNING: the console no longer shows the queue"
