#!/usr/bin/env bash
# What `labdeck poll` costs as a whole process against `labdeck sim --guests N` (its own
# process): CPU per poll cycle and in percent of a core (all threads, from
# /proc/PID/task/*/schedstat over the window), RSS sampled every 50 ms, and the Proxmox
# requests a minute (the simulator's own count, by path). The database is SQLite unless
# LABDECK_DB names another.
#
# Run from the repository root: benches/poller_cost.sh [GUESTS] [WINDOW_SECONDS]
# WARMUP (seconds, default 60) passes first: the first cycles write every guest and ask every
# running guest for its addresses once; the window then measures the steady state.
# PERF=FILE also records a profile of the poller over the window (perf record -g).
set -euo pipefail
cd "$(dirname "$0")/.."
guests=${1:-10000}
window=${2:-60}
warmup=${WARMUP:-60}
[ -n "${LABDECK_BIN:-}" ] || cargo build --release -q
bin="${LABDECK_BIN:-$PWD/target/release/labdeck}"
home=$(mktemp -d)
export XDG_DATA_HOME=$home/data XDG_STATE_HOME=$home/state XDG_CONFIG_HOME=$home/config
db="${LABDECK_DB:-sqlite://$home/poll.db}"
port=$((20000 + RANDOM % 20000))

poller=
trap 'kill $sim $poller 2>/dev/null; rm -rf "$home"' EXIT
source benches/sim_cluster.sh
start_sim_cluster "$guests" "$port"

"$bin" --database-url "$db" poll > "$home/poll.out" 2>&1 &
poller=$!
sleep "$warmup"

cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s+=$1} END {printf "%d", s}'; }
requests() {
  curl -sk -H "Authorization: PVEAPIToken=$token=$secret" "https://127.0.0.1:$port/_sim/requests" \
    | python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; r=sum(v for k,v in d["by_path"].items() if k.endswith("/cluster/resources")); print(d["total"], r)'
}
read -r req0 cyc0 < <(requests)
[ -z "${PERF:-}" ] || perf record -q -g -p $poller -o "$PERF" -- sleep "$window" 2>/dev/null &
p0=$(cpu_ns $poller); s0=$(cpu_ns $sim); t0=$(date +%s.%N)
end=$(( $(date +%s) + window ))
while [ "$(date +%s)" -lt "$end" ]; do awk '/VmRSS/{print $2}' /proc/$poller/status; sleep 0.05; done | sort -n > "$home/rss"
p1=$(cpu_ns $poller); s1=$(cpu_ns $sim); t1=$(date +%s.%N)
read -r req1 cyc1 < <(requests)

secs=$(echo "$t1 - $t0" | bc -l)
cycles=$((cyc1 - cyc0))
n=$(wc -l < "$home/rss")
hwm=$(awk '/VmHWM/{print $2}' /proc/$poller/status)
echo "guests $guests, window ${secs%.*} s after ${warmup} s of warm-up, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "poll cycles in the window: $cycles"
if [ "$cycles" -gt 0 ]; then
  echo "poller CPU per cycle: $(( (p1 - p0) / cycles / 1000000 )) ms"
fi
echo "poller CPU: $(echo "scale=3; ($p1 - $p0) / 10000000 / $secs" | bc -l) % of a core; simulator: $(echo "scale=3; ($s1 - $s0) / 10000000 / $secs" | bc -l) %"
echo "Proxmox requests a minute: $(echo "scale=1; ($req1 - $req0) * 60 / $secs" | bc -l) ($((req1 - req0)) in the window, $cycles of them /cluster/resources)"
echo "poller RSS, sampled every 50 ms ($n samples): min $(( $(head -1 "$home/rss") / 1024 )) / median $(( $(sed -n "$(( (n + 1) / 2 ))p" "$home/rss") / 1024 )) / max $(( $(tail -1 "$home/rss") / 1024 )) MiB; peak since start $((hwm / 1024)) MiB"
