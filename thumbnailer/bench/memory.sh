#!/usr/bin/env bash
# Peak memory of the album's process and of its sandboxed decode children, as a family runs picup
# (release picup-api, standalone: embedded SQLite and store), for a 24 MP photo and a 4K video.
# Uploads each through the HTTP api, waits until it is ready, and prints the api's peak RSS
# (VmHWM), the warm decode child's (VmHWM; it is then stopped, so the next file gets a fresh one)
# and a one-shot child's such as ffmpeg's for a playable copy (GNU time, through PICUP_DECODER).
#
#   thumbnailer/bench/memory.sh          (needs the corpus beside the checkout, ffmpeg, /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/../.."
CORPUS=${CORPUS:-../shared/corpus}
BIN=${BIN:-target/release/picup-api}
[ -x "$BIN" ] || cargo build --release -q -p picup-api
BIN=$(realpath "$BIN")
PORT=18400
BASE="http://127.0.0.1:$PORT"
data=$(mktemp -d)
chmod 755 "$data"

# The 4K video: 3 s of 3840x2160 HEVC, as a phone records it.
ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=3840x2160:rate=30 -t 3 -c:v libx265 -preset ultrafast \
  -x265-params log-level=none -tag:v hvc1 -pix_fmt yuv420p "$data/4k.mov"

# Each decode child runs under GNU time, which appends its peak RSS (KiB) to children.log.
cat > "$data/decoder.sh" <<EOF
#!/bin/sh
exec /usr/bin/time -a -o $data/children.log -f "%M %C" "$BIN" "\$@"
EOF
chmod 755 "$data/decoder.sh"

PICUP_DATA_DIR="$data" PICUP_HTTP_ADDR="127.0.0.1:$PORT" PICUP_EMBEDDED_S3_ADDR=127.0.0.1:18401 \
  PICUP_DECODER="$data/decoder.sh" RUST_LOG=warn "$BIN" serve > "$data/api.log" 2>&1 &
api=$!
trap 'kill $api 2>/dev/null || true; wait $api 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.1; done

json='content-type: application/json'
curl -fs -X POST "$BASE/api/v1/auth/register" -H "$json" \
  -d '{"email":"memory@family.test","password":"a long family password","display_name":"Memory"}' >/dev/null
TOKEN=$(curl -fs -X POST "$BASE/api/v1/auth/login" -H "$json" \
  -d '{"email":"memory@family.test","password":"a long family password"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
ALBUM=$(curl -fs -X POST "$BASE/api/v1/albums" -H "$json" -H "authorization: Bearer $TOKEN" \
  -d '{"title":"Memory"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
hwm() { awk '/VmHWM/ {print $2}' "/proc/$api/status"; }
echo "api idle: peak RSS $(hwm) KiB"

upload() { # file content-type
  local size reservation id url
  size=$(stat -c %s "$1")
  reservation=$(curl -fs -X POST "$BASE/api/v1/albums/$ALBUM/uploads" -H "$json" -H "authorization: Bearer $TOKEN" \
    -d "{\"filename\":\"$(basename "$1")\",\"size\":$size,\"content_type\":\"$2\"}")
  id=$(echo "$reservation" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  url=$(echo "$reservation" | python3 -c 'import json, sys; print(json.load(sys.stdin)["url"])')
  curl -fs -X PUT "$url" -H "content-type: $2" --data-binary @"$1" >/dev/null
  curl -fs -X POST "$BASE/api/v1/uploads/$id/complete" -H "$json" -H "authorization: Bearer $TOKEN" -d '{}' >/dev/null
  for _ in $(seq 1 600); do
    if ! curl -fs "$BASE/api/v1/albums/$ALBUM/media" -H "authorization: Bearer $TOKEN" | grep -q '"processing"'; then
      break
    fi
    sleep 0.2
  done
  echo "$(basename "$1") ($size bytes): api peak RSS so far $(hwm) KiB"
  local serving
  serving=$(pgrep -f 'decode-limited \{"work":\{"serve"' | head -1)
  echo "  warm decode child: peak RSS $(awk '/VmHWM/ {print $2}' "/proc/$serving/status") KiB"
  kill "$serving"
  python3 - "$data/children.log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    kib, _, command = line.strip().partition(" ")
    if "{" in command and "playable" in command:
        print(f"  one-shot child (ffmpeg, playable copy): peak RSS {kib} KiB")
PY
  : > "$data/children.log"
}
upload "$CORPUS/jpeg/craft-beer.jpg" image/jpeg
upload "$data/4k.mov" video/quicktime
