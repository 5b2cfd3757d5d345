#!/usr/bin/env bash
# A console with 100k guests: RSS of the console process (the simulator runs in its own
# process), time until the Inventory shows them all, and requests per poll cycle.
# Run from the repository root: benches/inventory_100k.sh [GUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
guests=${1:-100000}
cargo build --release -q
bin="$PWD/target/release/labdeck"
home=$(mktemp -d)
export XDG_DATA_HOME=$home/data XDG_STATE_HOME=$home/state XDG_CONFIG_HOME=$home/config
db="sqlite://$home/inv.db"
port=18006

sim=
trap 'kill $sim 2>/dev/null; tmux kill-session -t labdeck-100k 2>/dev/null; rm -rf "$home"' EXIT
source benches/sim_cluster.sh
start_sim_cluster "$guests" "$port"

# A separate `labdeck poll` takes the lease first, so the console only reads and draws.
"$bin" --database-url "$db" poll > /dev/null 2>&1 &
poller=$!
trap 'kill $sim $poller 2>/dev/null; tmux kill-session -t labdeck-100k 2>/dev/null; rm -rf "$home"' EXIT
sleep 2
tmux new-session -d -s labdeck-100k -x 200 -y 60 \
  "env ${MALLOC_ARENA_MAX:+MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX} XDG_DATA_HOME=$XDG_DATA_HOME XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $bin --database-url $db"
sleep 1
tmux send-keys -t labdeck-100k -l bench; tmux send-keys -t labdeck-100k Tab
tmux send-keys -t labdeck-100k -l "correct horse battery"; tmux send-keys -t labdeck-100k Enter
start=$(date +%s.%N)
want=$guests
until tmux capture-pane -p -t labdeck-100k | grep -q "guests ($want)"; do
  sleep 0.2
  if (( $(echo "$(date +%s.%N) - $start > 120" | bc) )); then echo "timed out"; tmux capture-pane -p -t labdeck-100k | head -12; exit 1; fi
done
shown=$(date +%s.%N)
pid=$(pgrep -fx "$bin --database-url $db" | head -n1)
echo "inventory of $want guests on screen $(echo "$shown - $start" | bc) s after sign-in (first poll of Proxmox included)"
echo "console RSS right after the first load: $(( $(awk '/VmRSS/{print $2}' "/proc/$pid/status") / 1024 )) MiB"
# Three poll cycles (10 s each) with their delta reloads: RSS sampled twice a second.
for _ in $(seq 1 60); do awk '/VmRSS/{print $2}' "/proc/$pid/status"; sleep 0.5; done | sort -n > "$home/rss"
hwm=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")
echo "console RSS with $want guests over 30 s of poll cycles: min $(( $(head -1 "$home/rss") / 1024 )) / median $(( $(sed -n 30p "$home/rss") / 1024 )) / max $(( $(tail -1 "$home/rss") / 1024 )) MiB (peak since start $((hwm / 1024)) MiB)"
echo "console RSS split: $(awk '/RssAnon|RssFile|RssShmem/{printf "%s %d MiB  ", $1, $2 / 1024}' "/proc/$pid/status")"
prss=$(awk '/VmRSS/{print $2}' "/proc/$poller/status"); phwm=$(awk '/VmHWM/{print $2}' "/proc/$poller/status")
echo "poller (labdeck poll) RSS: $((prss / 1024)) MiB (peak $((phwm / 1024)) MiB)"
# Filter per keystroke, as a person types it, timed by the screen.
t0=$(date +%s%N)
tmux send-keys -t labdeck-100k '/'; tmux send-keys -t labdeck-100k -l 'lab-0 status:running'
until tmux capture-pane -p -t labdeck-100k | grep -q "/lab-0 status:running"; do sleep 0.01; done
t1=$(date +%s%N)
echo "20 keystrokes of filter typed and drawn in $(( (t1 - t0) / 1000000 )) ms (includes tmux round trips)"
