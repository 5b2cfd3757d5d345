#!/usr/bin/env bash
# Bytes the console writes to its terminal (DESIGN: an unchanged screen writes nothing; a
# steady frame at 200×60 is at most 5 KB). tmux's pipe-pane records exactly what the
# program writes to the pane. Run from the repository root: benches/frame_bytes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
bin="$PWD/target/release/labdeck"
home=$(mktemp -d)
export XDG_DATA_HOME=$home/data XDG_STATE_HOME=$home/state XDG_CONFIG_HOME=$home/config
db="sqlite://$home/demo.db"
s=labdeck-bytes
trap 'tmux kill-session -t $s 2>/dev/null; rm -rf "$home"' EXIT
"$bin" demo --seed-only --database-url "$db" > "$home/accounts"
pw=$(awk '$2=="ada"{print $3}' "$home/accounts")
# 1,000 guests from a simulator in its own process, polled every 10 s (the default).
"$bin" sim --guests 1000 --bind 127.0.0.1:18026 > "$home/sim.out" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; tmux kill-session -t $s 2>/dev/null; rm -rf "$home"' EXIT
for _ in $(seq 1 50); do grep -q "token secret" "$home/sim.out" 2>/dev/null && break; sleep 0.1; done
fp=$(grep -oE '([0-9A-F]{2}:){31}[0-9A-F]{2}' "$home/sim.out" | head -1)
secret=$(grep "token secret" "$home/sim.out" | awk '{print $3}')
echo "$secret" | "$bin" --database-url "$db" cluster add sim --host 127.0.0.1 --port 18026 --token-id 'root@pam!labdeck' --token-secret-stdin --fingerprint "$fp" > /dev/null
tmux kill-session -t $s 2>/dev/null || true
tmux new-session -d -s $s -x 200 -y 60 \
  "env XDG_DATA_HOME=$XDG_DATA_HOME XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $bin --database-url $db"
sleep 1
tmux send-keys -t $s -l ada; tmux send-keys -t $s Tab; tmux send-keys -t $s -l "$pw"; tmux send-keys -t $s Enter
sleep 4
tmux capture-pane -p -t $s | grep -q "guests (10" || { echo "sign-in failed"; tmux capture-pane -p -t $s; exit 1; }

# Record the pane's output from here on. `take` sets B to what was written since the last
# call (no subshells: they would lose the running total).
log=$home/pane.out; : > "$log"
tmux pipe-pane -o -t $s "cat >> $log"
seen=0; B=0; frames=0; F=0
take() {
  sleep "${1:-0.5}"
  local n f; n=$(stat -c %s "$log"); f=$({ grep -aoF $'\e[?2026h' "$log" || true; } | wc -l)
  B=$((n - seen)); seen=$n; F=$((f - frames)); frames=$f
}
take 1
per_key() { # per_key LABEL KEY COUNT: median and max bytes of the frames the keys caused
  local label=$1 key=$2 n=$3 out=()
  for _ in $(seq 1 "$n"); do tmux send-keys -t $s "$key"; take 0.4; out+=("$B"); done
  printf '%s\n' "${out[@]}" | sort -n |
    awk -v l="$label" '{a[NR]=$1} END {printf "%s: median %d B, max %d B over %d keys\n", l, a[int((NR+1)/2)], a[NR], NR}'
}

echo "== unchanged screen: Admin › users, 20 s with nothing happening (pollers running) =="
tmux send-keys -t $s ':'; tmux send-keys -t $s -l admin; tmux send-keys -t $s Enter
take 2
take 20
echo "bytes written in 20 s: $B (the clock in the status bar redraws when its minute turns)"
per_key "a key that changes nothing (Admin › users, up at the top)" k 5

echo "== steady frames: one key each =="
per_key "Admin › users, down" j 8
per_key "Admin › users, up" k 8
tmux send-keys -t $s ':'; tmux send-keys -t $s -l inventory; tmux send-keys -t $s Enter
take 2
take 30
echo "Inventory left alone 30 s, pollers running: $F frames, $B B ($(( F > 0 ? B / F : 0 )) B a frame)"
per_key "Inventory guests, down" j 20
per_key "Inventory guests, page down" PageDown 3
[ -n "${FRAME_DUMP:-}" ] && tail -c "$B" "$log" > "$FRAME_DUMP"
per_key "Inventory guests, page up" PageUp 3
tmux send-keys -t $s /; take 0.4
per_key "Inventory filter, typing" a 1
per_key "Inventory filter, typing" l 1
tmux send-keys -t $s Escape; take 0.4

echo "== whole-screen changes (not steady frames) =="
tmux send-keys -t $s ':'; tmux send-keys -t $s -l admin; take 0.4; tmux send-keys -t $s Enter
take 1; echo "switch Inventory → Admin: $B B"
tmux send-keys -t $s '?'; take 1; echo "open help: $B B"
tmux send-keys -t $s Escape; take 1; echo "close help: $B B"
