#!/usr/bin/env bash
# Two picup-api binaries under load.sh in one run, taken in turn ROUNDS times (default 2), so a
# noisy machine weighs on both alike; every line of each is printed with its label and round.
#
#   api/bench/load-compare.sh BEFORE_BIN AFTER_BIN
#   (load.sh's settings pass through: ROWS, MEASURE, CONNECTIONS, DURATION, SPACING_MS)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -eq 2 ] || { echo "usage: $0 BEFORE_BIN AFTER_BIN" >&2; exit 2; }
for round in $(seq 1 "${ROUNDS:-2}"); do
  for label in before after; do
    if [ "$label" = before ]; then bin=$1; else bin=$2; fi
    BIN=$bin api/bench/load.sh | sed "s/^/$label #$round: /"
  done
done
