#!/usr/bin/env bash
# Load on picup-api as the image builds it (profile `production`, HTTP only; BIN= another build)
# with PostgreSQL and Redis (the production shape), measured with wrk
# from the same machine: /healthz (the ceiling), a page of 50 media with signed URLs (first page
# and one deep in an album of ROWS media), and upload reservations; at 16, 64 and 256
# connections. Prints requests/s, p50 and p99, and the api's peak RSS. With the album's timeline
# (#19): its months list and a jump to the month half-way down.
#
#   ROWS=10000000 api/bench/load.sh     (default 1000000; needs wrk, PostgreSQL and Redis)
#   SPACING_MS (60000: a photo a minute back in time), CONNECTIONS ("16 64 256"),
#   MEASURE ("healthz first first-br first-gzip deep reserve months jump", and "me": which lines to measure). Each line also
#   gives the api's and PostgreSQL's CPU per request, from /proc around the wrk run.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-1000000}
DURATION=${DURATION:-10s}
SPACING_MS=${SPACING_MS:-60000}
CONNECTIONS=${CONNECTIONS:-16 64 256}
MEASURE=${MEASURE:-healthz first first-br first-gzip deep reserve months jump}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
REDIS=${REDIS:-redis://127.0.0.1:6379}
DB=picup_load
PORT=18300
BASE="http://127.0.0.1:$PORT"
BIN=${BIN:-target/production/picup-api}
[ -x "$BIN" ] || cargo build --profile production -q -p picup-api --no-default-features

psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
redis-cli --scan --pattern 'picup_load:*' | xargs -r redis-cli del >/dev/null
data=$(mktemp -d)
# The binary starts as from a new image: none of its file in the page cache, so its pages in RSS are
# those it reads, not what a build or copy just left there (a binary just built idles 4 MiB larger).
python3 -c 'import os, sys; os.posix_fadvise(os.open(sys.argv[1], os.O_RDONLY), 0, 0, os.POSIX_FADV_DONTNEED)' "$BIN"
DATABASE_URL="$PG/$DB" REDIS_URL="$REDIS" PICUP_REDIS_PREFIX=picup_load PICUP_DATA_DIR="$data" \
  PICUP_HTTP_ADDR="127.0.0.1:$PORT" PICUP_EMBEDDED_S3_ADDR=127.0.0.1:18301 \
  PICUP_RATE_USER_PER_SECOND=1000000 PICUP_RATE_USER_BURST=1000000 \
  PICUP_RATE_IP_PER_SECOND=1000000 PICUP_RATE_IP_BURST=1000000 RUST_LOG=error \
  "$BIN" serve > "$data/api.log" 2>&1 &
api=$!
finish() {
  kill $api 2>/dev/null || true
  wait $api 2>/dev/null || true
  rm -rf "$data"
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" || true
}
trap finish EXIT
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.1; done

json='content-type: application/json'
curl -fs -X POST "$BASE/api/v1/auth/register" -H "$json" \
  -d '{"email":"load@family.test","password":"a long family password","display_name":"Load"}' >/dev/null
TOKEN=$(curl -fs -X POST "$BASE/api/v1/auth/login" -H "$json" \
  -d '{"email":"load@family.test","password":"a long family password"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
ALBUM=$(curl -fs -X POST "$BASE/api/v1/albums" -H "$json" -H "authorization: Bearer $TOKEN" \
  -d '{"title":"Load"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
OWNER=$(psql "$PG/$DB" -Atc "SELECT id FROM users LIMIT 1")

# ROWS ready photos in one album, one every SPACING_MS going back in time.
started=$SECONDS
psql "$PG/$DB" -qc "
  INSERT INTO media (id, album_id, owner_id, kind, status, filename, content_type, size_bytes, object_key,
      thumbnail_key, preview_key, taken_at, width, height, created_at, updated_at)
  SELECT 1000 + n, $ALBUM, $OWNER, 'photo', 'ready', 'IMG_' || n || '.JPG', 'image/jpeg', 3000000,
      'originals/$OWNER/' || (1000 + n) || '.jpg', 'derivatives/$OWNER/' || (1000 + n) || '/thumb.webp',
      'derivatives/$OWNER/' || (1000 + n) || '/preview.jpg', 1700000000000 - n * $SPACING_MS, 4032, 3024,
      1700000000000, 1700000000000
  FROM generate_series(1::bigint, $ROWS::bigint) AS n;
  ANALYZE media;"
echo "seeded $ROWS media rows in $((SECONDS - started)) s"

# The cursor of the page that starts 90% of the way down the album (what OFFSET would scan to).
DEEP=$((ROWS * 9 / 10))
CURSOR="$((1700000000000 - DEEP * SPACING_MS)).$((1000 + DEEP))"
FIRST="$BASE/api/v1/albums/$ALBUM/media?limit=50"
DEEP_URL="$BASE/api/v1/albums/$ALBUM/media?limit=50&cursor=$CURSOR"
curl -fs -H "authorization: Bearer $TOKEN" "$DEEP_URL" | python3 -c 'import json, sys; page = json.load(sys.stdin); assert len(page["items"]) == 50, page'
MONTHS_URL="$BASE/api/v1/albums/$ALBUM/months"
# The month half-way down the album: what the old way reached only after ROWS / 100 pages.
MIDDLE=$(date -u -d "@$(( (1700000000000 - ROWS / 2 * SPACING_MS) / 1000 ))" +%Y-%m)
JUMP_URL="$BASE/api/v1/albums/$ALBUM/media?limit=50&month=$MIDDLE"
months=$(curl -fs -H "authorization: Bearer $TOKEN" "$MONTHS_URL" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["months"]))')
newer=$(psql "$PG/$DB" -Atc "SELECT count(*) FROM media WHERE taken_at >= $(date -u -d "$MIDDLE-01 +1 month" +%s)000")
echo "the album's timeline: $months months; a jump to $MIDDLE replaces $(( (newer + 49) / 50 )) pages of scrolling"
page_bytes() { curl -fs -o /dev/null -w '%{size_download}' -H "authorization: Bearer $TOKEN" "$@" "$FIRST"; }
echo "a page of 50 on the wire: $(page_bytes) B uncompressed, $(page_bytes -H 'accept-encoding: br') B brotli, $(page_bytes -H 'accept-encoding: gzip') B gzip"

lua=$(mktemp)
cat > "$lua" <<LUA
wrk.method = "POST"
wrk.body = '{"filename":"a.jpg","size":1000,"content_type":"image/jpeg"}'
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $TOKEN"
LUA

# CPU time in clock ticks: the api's, and each PostgreSQL process's (its backends do the queries),
# as "pid ticks" lines; a backend that ends during the run takes its ticks with it, so only the
# processes alive at the end are counted (from 0 for those that began during the run).
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pg_ticks() { for pid in $(pgrep -x postgres); do echo "$pid $(ticks "$pid" 2>/dev/null || echo 0)"; done; }
pg_spent() { awk 'NR == FNR { before[$1] = $2; next } { spent += $2 - ($1 in before ? before[$1] : 0) } END { print spent + 0 }' <(echo "$1") <(echo "$2"); }
HZ=$(getconf CLK_TCK)
measure() { # label url [wrk args...]
  local label=$1 url=$2; shift 2
  for connections in $CONNECTIONS; do
    local api_before pg_before
    api_before=$(ticks $api); pg_before=$(pg_ticks)
    out=$(wrk -t2 -c"$connections" -d"$DURATION" --latency "$@" "$url" 2>&1)
    api_cpu=$(( $(ticks $api) - api_before )); pg_cpu=$(pg_spent "$pg_before" "$(pg_ticks)")
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    [ -n "${SHOW:-}" ] && echo "$out"
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    timeouts=$(echo "$out" | awk '/Socket errors/ {print $NF}')
    cpu=$(awk -v a="$api_cpu" -v p="$pg_cpu" -v n="$requests" -v hz="$HZ" \
      'BEGIN { if (n > 0) printf "CPU/request: api %.3f ms, PostgreSQL %.3f ms", a * 1000 / hz / n, p * 1000 / hz / n }')
    printf '%-26s %5s conns %10s req/s  p50 %8s  p99 %8s  non-2xx %s  timeouts %s  %s\n' \
      "$label" "$connections" "$rps" "$p50" "$p99" "${errors:-0}" "${timeouts:-0}" "$cpu"
  done
}
echo "api: $(nproc) cores shared with wrk; $ROWS media in the album"
echo "api idle RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$api/status)"
# RSS is the heap (anonymous memory) plus the pages of the program's own file it has touched, and
# how many of those are mapped depends on what the page cache holds (a binary just built is all
# there): so the largest of each, sampled every 0.1 s while wrk runs, is printed beside the peak.
sample_memory() {
  local anon=0 file=0 a f
  while [ ! -e "$data/measured" ]; do
    read -r a f < <(awk '/^RssAnon/ {a = $2} /^RssFile/ {f = $2} END {print a + 0, f + 0}' /proc/$api/status)
    (( a > anon )) && anon=$a
    (( f > file )) && file=$f
    sleep 0.1
  done
  echo "anonymous at most $anon kB, the program's file at most $file kB" > "$data/memory"
}
sample_memory &
sampler=$!
# Not counted: 3 s of signed-in requests, so the first line measured does not pay for the api's
# database connections being opened and the new rows' first reads (a months line measured first
# had a p99 of 26-45 ms; measured after others, 8.5 ms).
wrk -t2 -c16 -d3s -H "authorization: Bearer $TOKEN" "$FIRST" >/dev/null 2>&1
wants() { [[ " $MEASURE " == *" $1 "* ]]; }
wants healthz && measure "/healthz" "$BASE/healthz"
# A signed-in request that does nothing else: what every page pays before its own work.
wants me && measure "/me (signed in, no work)" "$BASE/api/v1/me" -H "authorization: Bearer $TOKEN"
wants first && measure "list 50 (first page)" "$FIRST" -H "authorization: Bearer $TOKEN"
# As browsers ask for it: compressed.
wants first-br && measure "list 50, brotli" "$FIRST" -H "authorization: Bearer $TOKEN" -H "accept-encoding: br"
wants first-gzip && measure "list 50, gzip" "$FIRST" -H "authorization: Bearer $TOKEN" -H "accept-encoding: gzip"
wants deep && measure "list 50 (90% down)" "$DEEP_URL" -H "authorization: Bearer $TOKEN"
wants reserve && measure "reserve an upload" "$BASE/api/v1/albums/$ALBUM/uploads" -s "$lua"
wants months && measure "months of the album" "$MONTHS_URL" -H "authorization: Bearer $TOKEN"
wants jump && measure "jump to $MIDDLE" "$JUMP_URL" -H "authorization: Bearer $TOKEN"
touch "$data/measured"
wait $sampler
echo "api peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$api/status) ($(cat "$data/memory"))"
rm -f "$lua"
