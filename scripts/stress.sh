#!/usr/bin/env bash
# make stress: the long, bounded reliability checks, in about 15-20 minutes
# on a 2-core machine, each printing what it tried and what held:
#
#   1. valgrind   kernel unit tests under memcheck
#   2. fuzz       libFuzzer over every kernel reader        STRESS_FUZZ_SECONDS=180 (in all)
#   3. database   cancellation of every aggregate over 5M rows, peak memory
#                 of every fit (serial, parallel) against max_fit_memory,
#                 serial = parallel = partition-wise for every aggregate,
#                 pg_dump/pg_restore of every model type and fit state
#                                                            STRESS_CANCEL_ROWS=5000000
#                                                            STRESS_MEMORY_ROWS=2000000
#                                                            STRESS_EQUAL_ROWS=200000
#   4. pgbench    8 clients scoring, fitting and refreshing the demo's
#                 materialized views for 60 s; results equal to a serial run
#                                                            STRESS_PGBENCH_CLIENTS=8
#                                                            STRESS_PGBENCH_SECONDS=60
#   5. sqlsmith   random SQL, no crash, no internal error    STRESS_SQLSMITH_QUERIES=20000
#   6. sanitizers the whole of make test with ASan + UBSan (includes the
#                 bad-input and crafted-state suites)
#
# STRESS_ONLY="fuzz pgbench" runs only the named steps.
set -uo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
only=${STRESS_ONLY:-valgrind fuzz database pgbench sqlsmith sanitizers}
results=()
step() {   # step NAME COMMAND...: run, time, remember the outcome
  local name=$1; shift
  [[ " $only " == *" $name "* ]] || return 0
  echo; echo "==== $name"
  local t0=$SECONDS
  if "$@"; then results+=("ok    $name ($((SECONDS - t0)) s)")
  else results+=("FAIL  $name ($((SECONDS - t0)) s)"); fi
}

database() {
  CUSTVALUE_SANITIZE=0 CUSTVALUE_COVERAGE=0 scripts/build.sh || return 1
  local env rc
  env=$(scripts/cluster.sh start stress) || return 1
  eval "$env"; export PGHOST PGPORT PGUSER
  /usr/bin/python3 test/stress/stress_db.py cancel memory equality dump; rc=$?
  scripts/cluster.sh stop stress
  return $rc
}

concurrency() {
  local rc
  CUSTVALUE_DEMO_SCALE=${STRESS_DEMO_SCALE:-2000} scripts/demo.sh > build/stress-demo.log 2>&1 \
    || { tail -20 build/stress-demo.log; return 1; }
  eval "$(scripts/cluster.sh env demo)"; export PGHOST PGPORT PGUSER
  STRESS_PGBENCH_DB=custvalue_demo /usr/bin/python3 test/stress/stress_db.py pgbench; rc=$?
  scripts/cluster.sh stop demo
  return $rc
}

mkdir -p build
start=$SECONDS
step valgrind scripts/valgrind.sh
step fuzz env FUZZ_TOTAL="${STRESS_FUZZ_SECONDS:-180}" scripts/fuzz.sh
step database database
step pgbench concurrency
step sqlsmith env SQLSMITH_QUERIES="${STRESS_SQLSMITH_QUERIES:-20000}" scripts/sqlsmith.sh
step sanitizers env CUSTVALUE_SANITIZE=1 scripts/test.sh
echo
echo "==== make stress: $((SECONDS - start)) s"
printf '   %s\n' "${results[@]}"
! printf '%s\n' "${results[@]}" | grep -q '^FAIL'
