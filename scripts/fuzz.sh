#!/usr/bin/env bash
# make fuzz: build the libFuzzer harness (test/fuzz/fuzz.c) with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer, and run every target for
# a bounded time from its seed corpus in test/fuzz/corpus/<target>/.
#
#   FUZZ_SECONDS=60     seconds per target (default 60)
#   FUZZ_TOTAL=N        instead, N seconds split evenly over all targets
#   FUZZ_RUNS=N         instead, N inputs per target from a fixed random
#                       seed: the same inputs on every run (make test uses
#                       FUZZ_RUNS=3000, a few seconds in all)
#   FUZZ_TARGETS="a b"  only these targets
#
# New inputs found while fuzzing go to build/fuzz/<target>/ (not in the
# repository); a crash leaves its input in build/fuzz/crash-<target>-* and
# fails the run.  Every input in the repository corpus is replayed first,
# so a crash kept there is a regression case.
set -uo pipefail
cd "$(dirname "$0")/.."
kernels=${KERNEL_SRCS:-$(ls src/kernel/*.c)}
out=build/fuzz
mkdir -p "$out"
bin=$out/fuzz.bin
CC=${FUZZ_CC:-clang}
if ! command -v "$CC" >/dev/null; then
  echo "fuzz: $CC not found (Debian package clang; scripts/bootstrap.sh installs it)" >&2; exit 1
fi
# shellcheck disable=SC2086
$CC -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Isrc/kernel -o "$bin" test/fuzz/fuzz.c $kernels -lm || exit 1

targets=${FUZZ_TARGETS:-$(CV_FUZZ_LIST=1 "$bin")}
ntargets=$(echo "$targets" | wc -w)
if [ -n "${FUZZ_TOTAL:-}" ]; then
  secs=$(awk -v t="$FUZZ_TOTAL" -v n="$ntargets" 'BEGIN { s = int(t / n); print s < 1 ? 1 : s }')
else
  secs=${FUZZ_SECONDS:-60}
fi
# Leaks are not findings: inside the server kernel memory belongs to a
# memory context that an error or the end of the call releases.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

failed=0
for t in $targets; do
  seeds=test/fuzz/corpus/$t
  work=$out/$t
  mkdir -p "$work" "$seeds"
  rm -f "$out"/crash-"$t"-* "$out"/oom-"$t"-* "$out"/leak-"$t"-* "$out"/timeout-"$t"-*
  # 1. replay the repository corpus (seeds and kept crash cases)
  if ! CV_FUZZ_TARGET=$t "$bin" -runs=0 -artifact_prefix="$out/crash-$t-" "$seeds" >"$out/$t.replay.log" 2>&1; then
    echo "   FAIL $t: an input of $seeds fails"; tail -30 "$out/$t.replay.log" | sed 's/^/      /'
    failed=1; continue
  fi
  # 2. fuzz for the time budget; allocations above 1 GB from inputs of a
  #    few kB, 10 s on one input, or 2 GB resident count as findings
  if [ -n "${FUZZ_RUNS:-}" ]; then budget=(-runs="$FUZZ_RUNS" -seed=1); how="fixed seed"
  else budget=(-max_total_time="$secs"); how="${secs} s"; fi
  CV_FUZZ_TARGET=$t "$bin" "${budget[@]}" -timeout=10 -malloc_limit_mb=1024 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/crash-$t-" \
      "$work" "$seeds" >"$out/$t.log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
  cov=$(grep -oE 'cov: [0-9]+' "$out/$t.log" | tail -1)
  if [ $rc -ne 0 ]; then
    echo "   FAIL $t after ${runs:-?} runs: $(grep -m1 -E 'SUMMARY|custvalue fuzz|ERROR: libFuzzer' "$out/$t.log")"
    ls "$out"/crash-"$t"-* 2>/dev/null | sed 's/^/      input: /'
    failed=1
  else
    printf '   ok   %-16s %9s runs (%s), %s\n' "$t" "${runs:-?}" "$how" "${cov:-}"
  fi
done
exit $failed
