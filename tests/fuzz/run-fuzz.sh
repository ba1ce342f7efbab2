#!/bin/sh
# run-fuzz.sh BUILD_DIR SECONDS [HARNESS...]: runs each libFuzzer target
# (all of them when none is named) for SECONDS, one after the other.
#
# Corpus: BUILD_DIR/corpus/HARNESS grows as the fuzzer finds new paths; it
# starts from tests/fuzz/corpus/HARNESS and from the real files of
# ../shared/fixtures that suit the reader, when that folder is there.
# Findings land in BUILD_DIR/findings/HARNESS/ (crash-*, leak-*, timeout-*,
# oom-*): minimise one with
#   BUILD_DIR/tests/fuzz/fuzz-HARNESS -minimize_crash=1 -runs=10000 FILE
# and once fixed, add it to tests/fuzz/corpus/HARNESS/ so every
# `make test` replays it.
set -u

build=$1
seconds=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
fixtures=$src/../../../shared/fixtures

all="glove word2vec-text word2vec-binary npy projector-tsv projector-bytes
     projector-config safetensors gguf detect vocab-lines vocab-metadata vocab-tokenizer
     vocab-encoder vocab-gguf numerics"
[ $# -gt 0 ] || set -- $all

# The real files each reader should see first (globs under fixtures/).
fixture_globs () {
  case $1 in
    glove)           echo "real/*.txt real/*glove*" ;;
    word2vec-text)   echo "real/*.vec real/*.txt real/*.modeldata real/gensim-word2vec_pre_kv_c" ;;
    word2vec-binary) echo "real/*.bin" ;;
    npy)             echo "real/*.npy llm/*.npy" ;;
    projector-tsv)   echo "real/*.tsv" ;;
    projector-bytes) echo "real/*.bytes" ;;
    projector-config) echo "real/*.json" ;;
    safetensors)     echo "real/*.safetensors llm/*.safetensors" ;;
    gguf)            echo "llm/*.gguf" ;;
    detect)          echo "real/* llm/*" ;;
    vocab-lines)     echo "real/*.tsv" ;;
    vocab-metadata)  echo "real/*.tsv" ;;
    vocab-gguf)      echo "real/*.gguf" ;;
    *)               echo "" ;;
  esac
}

# Inputs up to 1 MB, but a whole real vocabulary (50,000 tokens, each
# looked up and decoded) runs a few hundred times a second: 64 KB of one
# still holds thousands of tokens.
max_len_for () {
  case $1 in
    vocab-gguf) echo 65536 ;;
    # A matrix of up to 48 x 48 (or 48 x 3000) takes a few KB to describe.
    numerics)   echo 16384 ;;
    *)          echo 1048576 ;;
  esac
}

# UB and leaks abort like a crash; GLib's own caches live for the whole
# process (reachable), so LeakSanitizer needs no suppressions for them.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
summary=""
for h in "$@"; do
  exe=$build/tests/fuzz/fuzz-$h
  if [ ! -x "$exe" ]; then
    echo "run-fuzz: no $exe (configure with -Dfuzzing=true)" >&2
    exit 2
  fi
  corpus=$build/corpus/$h
  seeds=$build/seeds/$h
  findings=$build/findings/$h
  mkdir -p "$corpus" "$seeds" "$findings"
  if [ -d "$fixtures" ]; then
    for g in $(fixture_globs "$h"); do
      for f in "$fixtures"/$g; do
        [ -f "$f" ] && cp -f "$f" "$seeds/"
      done
    done
  fi
  before=$(ls "$findings" | wc -l)
  echo "== fuzz-$h for ${seconds}s"
  log=$build/findings/$h.log
  # Fork mode keeps fuzzing after a finding, so one run reports them all.
  nice -n 19 "$exe" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -max_len="$(max_len_for "$h")" -rss_limit_mb=4096 -timeout=30 \
    -artifact_prefix="$findings/" "$corpus" "$src/corpus/$h" "$seeds" >"$log" 2>&1
  rc=$?
  # Fork mode's status lines start with "#EXECUTIONS:".
  execs=$(sed -n 's/^#\([0-9]*\): cov.*/\1/p' "$log" | tail -n 1)
  found=$(( $(ls "$findings" | wc -l) - before ))
  grep -E '(==[0-9]+==ERROR|^SUMMARY|runtime error|^ERROR:)' "$log" | sort | uniq -c | head -n 10
  echo "   fuzz-$h: ${execs:-?} executions, $found new finding(s), exit $rc (log: $log)"
  summary="$summary
  $h: ${execs:-?} executions, $found finding(s)"
  [ "$rc" -eq 0 ] && [ "$found" -eq 0 ] || status=1
done
echo "fuzzing summary (${seconds}s each):$summary"
exit $status
