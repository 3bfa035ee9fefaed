#!/usr/bin/env bash
# make test: bootstrap, build, install, then on a throwaway cluster run
#   1. the kernel unit tests (plain C, no server),
#   2. pg_regress over sql/ + expected/,
#   3. the pgTAP suites in test/pgtap/ with pg_prove,
#   4. the shell-level tests in test/*.sh (pg_dump/pg_restore, ...),
#   5. the conformance tests in test/conformance/ (pandas, scikit-learn),,
# and finish with one "N passed, N failed" line; non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh || exit 1

passed=0; failed=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); }

cluster=test-$$
trap 'scripts/cluster.sh stop "$cluster" >/dev/null 2>&1' EXIT
eval "$(scripts/cluster.sh start "$cluster")" || exit 1
export PGHOST PGPORT PGUSER

echo "== kernel unit tests"
out=$(make -s unit 2>&1); rc=$?
echo "$out" | grep -E '^(not ok|# )' || true
ok=$(echo "$out" | grep -c '^ok' || true); nok=$(echo "$out" | grep -c '^not ok' || true)
[ $rc -ne 0 ] && [ "$nok" -eq 0 ] && nok=1
echo "   $ok passed, $nok failed"
count "$ok" "$nok"

echo "== regression (pg_regress)"
out=$(make -s installcheck PGUSER="$PGUSER" 2>&1); rc=$?
echo "$out" | grep -E '^(ok|not ok|test |     |\+|.*FAILED|.*failed)' | sed 's/^/   /' | head -60
total=$(echo "$out" | grep -cE '^(ok|not ok) ' || true)
bad=$(echo "$out" | grep -cE '^not ok ' || true)
if [ "$total" -eq 0 ]; then
  total=$(echo "$out" | grep -cE '^(test|     ) .* \.\.\. ' || true)
  bad=$(echo "$out" | grep -cE '\.\.\. FAILED' || true)
fi
[ $rc -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
if [ $rc -ne 0 ] && [ -f regression.diffs ]; then head -200 regression.diffs; fi
count $((total - bad)) "$bad"

echo "== pgTAP (pg_prove)"
psql -qX -d postgres -c "CREATE DATABASE custvalue_tap" >/dev/null
psql -qX -d custvalue_tap -c "CREATE EXTENSION pgtap; CREATE EXTENSION custvalue" >/dev/null
out=$(pg_prove -d custvalue_tap test/pgtap/*.sql 2>&1); rc=$?
echo "$out" | grep -vE '^test/pgtap/.* ok$' | sed 's/^/   /'
tests=$(echo "$out" | sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\).*/\1/p')
tbad=$(echo "$out" | sed -n 's/^ *Failed [0-9]*\/[0-9]* subtests.*//p' | wc -l)
fails=$(echo "$out" | grep -oE 'Failed: [0-9]+' | awk '{s+=$2} END {print s+0}')
[ -z "$tests" ] && tests=0
[ $rc -ne 0 ] && [ "$fails" -eq 0 ] && fails=1
[ "$fails" -gt "$tests" ] && tests=$fails
count $((tests - fails)) "$fails"

echo "== shell-level tests"
for t in test/*.sh; do
  [ -e "$t" ] || continue
  if out=$(bash "$t" 2>&1); then echo "   ok   $t"; count 1 0
  else echo "   FAIL $t"; echo "$out" | sed 's/^/      /' | tail -30; count 0 1; fi
done

echo "== conformance against reference implementations (pandas, scikit-learn)"
for t in test/conformance/[!_]*.py; do
  [ -e "$t" ] || continue
  if out=$(/usr/bin/python3 "$t" 2>&1); then echo "   ok   $t"; count 1 0
  else echo "   FAIL $t"; echo "$out" | sed 's/^/      /' | tail -30; count 0 1; fi
done

echo
echo "custvalue: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
