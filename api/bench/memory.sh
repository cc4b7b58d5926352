#!/usr/bin/env bash
# The api's resident memory with and without the media libraries, side by side in one run: the
# release picup-api built with its default `standalone` feature (thumbnailer, FFmpeg, libheif
# linked) and without it (what the image runs beside Redis), each started on PostgreSQL and
# Redis and loaded by api/bench/load.sh (wrk, up to 256 connections). Prints the libraries each
# links, its RSS idle and its peak RSS under load.
#
#   api/bench/memory.sh          (needs wrk, PostgreSQL and Redis; ROWS and DURATION as load.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
export ROWS=${ROWS:-10000} DURATION=${DURATION:-5s}
cargo build --release -q -p picup-api
cp target/release/picup-api target/release/picup-api-standalone
cargo build --release -q -p picup-api --no-default-features
cp target/release/picup-api target/release/picup-api-http-only
for variant in standalone http-only; do
  bin=target/release/picup-api-$variant
  media=$(ldd "$bin" | grep -cE 'libav|libheif|libswscale|libturbojpeg' || true)
  echo "== picup-api $variant: $(du -h "$bin" | cut -f1) binary, $media media libraries linked"
  BIN=$bin api/bench/load.sh | grep -E 'RSS|list 50 \(first page\) +256'
done
