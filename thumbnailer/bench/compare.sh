#!/usr/bin/env bash
# Side by side, in one run, pinned to one core: picup's thumbnail-bench (full job: decode once,
# orientation, 256 px WebP + 1440 px JPEG, thumbhash; in process as before #14, in the warm
# sandboxed decode child the thumbnailer now uses, and in a cold one, its start and confinement
# included) against the libvips job that makes the same
# two outputs (vipsthumbnail -s 256 to WebP plus -s 1440 to JPEG, q80), and the video poster
# against `ffmpeg -ss 1 -frames:v 1`. Best of N runs each. Needs libvips-tools and ffmpeg.
set -euo pipefail
cd "$(dirname "$0")/../.."
CORPUS=${CORPUS:-../shared/corpus}
RUNS=${RUNS:-5}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export VIPS_CONCURRENCY=1
cargo build --release -q -p picup-thumbnailer --bin thumbnail-bench

# The fastest of $RUNS runs of one command, in ms (hyperfine, no shell in between).
min_ms() {
  hyperfine -N --runs "$RUNS" --warmup 1 --export-json "$OUT/h.json" "$1" >/dev/null 2>&1
  python3 -c "import json; print(round(json.load(open('$OUT/h.json'))['results'][0]['min'] * 1000, 1))"
}

printf '%-28s %12s %12s %12s %10s %8s\n' file in_process_ms warm_child_ms cold_child_ms other_ms speedup
for file in "$CORPUS"/jpeg/42_IndexError.jpg "$CORPUS"/jpeg/empty_gps.jpg "$CORPUS"/jpeg/handwritten-notes.jpg \
            "$CORPUS"/jpeg/craft-beer.jpg "$CORPUS"/heic/iphone_13_pro_max.HEIC "$CORPUS"/heic/samsung-one-ui-6.heic \
            "$CORPUS"/heic/HMD_Nokia_8.3_5G.heif "$CORPUS"/heic/example.heic "$CORPUS"/video/quicktime-hvc1.mov "$CORPUS"/video/mp42-hvc1.mp4; do
  # The decode child inherits the pinning.
  read -r in_process ours cold < <(taskset -c 1 ./target/release/thumbnail-bench --rounds "$RUNS" "$file" | awk 'NR==2 {print $(NF-2), $(NF-1), $NF}')
  case "$file" in
    *.mov|*.mp4) theirs=$(min_ms "taskset -c 1 ffmpeg -nostdin -v error -y -ss 1 -i $file -frames:v 1 -vf scale=512:-1 $OUT/f.jpg") ;;
    *) small=$(min_ms "taskset -c 1 vipsthumbnail $file -s 256 -o $OUT/t.webp[Q=80,strip]")
       large=$(min_ms "taskset -c 1 vipsthumbnail $file -s 1440 -o $OUT/p.jpg[Q=80,strip]")
       theirs=$(echo "$small + $large" | bc -l) ;;
  esac
  printf '%-28s %12s %12s %12s %10s %7.2fx\n' "$(basename "$file")" "$in_process" "$ours" "$cold" "$theirs" "$(echo "$theirs / $ours" | bc -l)"
done
