# Sourced by the benchmark scripts: start `labdeck sim --guests GUESTS` on PORT in its own
# process and register it as cluster "sim" (polled every 10 s) with an admin "bench" in the
# database. Expects $bin, $db and $home; sets $sim (the simulator's pid), $fp, $token, $secret.
start_sim_cluster() {
  local guests=$1 port=$2
  "$bin" sim --guests "$guests" --bind 127.0.0.1:"$port" > "$home/sim.out" 2>&1 &
  sim=$!
  for _ in $(seq 1 600); do grep -qi "fingerprint" "$home/sim.out" 2>/dev/null && break; sleep 0.1; done
  fp=$(grep -i "fingerprint" "$home/sim.out" | grep -oE '([0-9A-F]{2}:){31}[0-9A-F]{2}' | head -1)
  token=$(grep -iE "token" "$home/sim.out" | grep -oE '[a-z]+@[a-z]+![a-z0-9-]+' | head -1)
  secret=$(grep -iE "secret" "$home/sim.out" | grep -oE '[0-9a-f]{8}-[0-9a-f-]{27}' | head -1)
  echo "correct horse battery" | "$bin" --database-url "$db" user add bench --role admin --password-stdin > /dev/null
  echo "$secret" | "$bin" --database-url "$db" cluster add sim --host 127.0.0.1 --port "$port" --token-id "$token" \
    --token-secret-stdin --fingerprint "$fp" --poll-seconds 10 > /dev/null
}
