#!/usr/bin/env bash
# The api's resident memory through bursts of sign-ins: idle, after registering, then after each
# of three bursts of N logins at once (Argon2id works in 12 MiB per hash; 19 MiB before #19) with
# how long the burst took, and a little later, after a few requests. Each binary given is
# measured in turn, in one run, on PostgreSQL and Redis (the production shape).
#
#   api/bench/login-memory.sh [BIN...]     (default target/release/picup-api; N=8)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-8}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
BASE=http://127.0.0.1:18500
json='content-type: application/json'
login='{"email":"a@family.test","password":"a long family password"}'
for bin in "${@:-target/release/picup-api}"; do
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS picup_login_memory" -c "CREATE DATABASE picup_login_memory"
  data=$(mktemp -d)
  # As from a new image: none of the binary in the page cache (load.sh says why).
  python3 -c 'import os, sys; os.posix_fadvise(os.open(sys.argv[1], os.O_RDONLY), 0, 0, os.POSIX_FADV_DONTNEED)' "$bin"
  DATABASE_URL="$PG/picup_login_memory" REDIS_URL=redis://127.0.0.1:6379 PICUP_REDIS_PREFIX=picup_login_memory \
    PICUP_DATA_DIR="$data" PICUP_HTTP_ADDR=127.0.0.1:18500 PICUP_EMBEDDED_S3_ADDR=127.0.0.1:18501 RUST_LOG=error \
    PICUP_RATE_AUTH_PER_MINUTE=100000 PICUP_RATE_IP_BURST=100000 PICUP_RATE_IP_PER_SECOND=100000 \
    "$bin" serve > "$data/api.log" 2>&1 &
  api=$!
  for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.1; done
  rss() { awk '/VmRSS/ {printf "%.1f MiB", $2 / 1024}' "/proc/$api/status"; }
  line="== $bin: idle $(rss)"
  curl -fs -X POST "$BASE/api/v1/auth/register" -H "$json" \
    -d '{"email":"a@family.test","password":"a long family password","display_name":"A"}' >/dev/null
  line+=", registered $(rss)"
  for round in 1 2 3; do
    pids=()
    started=$(date +%s%N)
    for _ in $(seq 1 "$N"); do
      curl -fs -o /dev/null -X POST "$BASE/api/v1/auth/login" -H "$json" -d "$login" &
      pids+=($!)
    done
    wait "${pids[@]}"
    line+=", $N logins at once x$round $(rss) in $(( ($(date +%s%N) - started) / 1000000 )) ms"
  done
  # The allocator gives freed memory back a second later, when a thread next asks it for some.
  sleep 2
  for _ in $(seq 1 20); do curl -fs -o /dev/null "$BASE/healthz"; done
  line+=", 2 s and 20 requests later $(rss)"
  echo "$line"
  kill $api
  wait $api 2>/dev/null || true
  rm -rf "$data"
done
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS picup_login_memory"
