#!/usr/bin/env bash
# make valgrind: every kernel unit test (test/unit/test_*.c) built without
# sanitizers into build/valgrind/ and run under valgrind's memcheck; any
# invalid read or write, use of uninitialised memory, or invalid free
# fails the run.  Leaks are not errors: in the server kernel memory belongs
# to a memory context that an error or the end of the call releases (a
# cancelled cv_sort leaves its buffer to it by design).
set -uo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind: not installed (Debian package valgrind; scripts/bootstrap.sh installs it)" >&2; exit 1; }
kernels=${KERNEL_SRCS:-$(ls src/kernel/*.c)}
out=build/valgrind
mkdir -p "$out"
failed=0
for t in test/unit/test_*.c; do
  name=$(basename "$t" .c)
  # shellcheck disable=SC2086
  ${CC:-gcc} -std=c99 -O1 -g -Isrc/kernel -o "$out/$name" "$t" $kernels -lm || { failed=1; continue; }
  if valgrind -q --error-exitcode=99 --leak-check=no \
       --track-origins=yes "$out/$name" > "$out/$name.log" 2>&1; then
    printf '   ok   %-20s %s\n' "$name" "$(grep -c '^ok' "$out/$name.log") checks, no memcheck error"
  else
    echo "   FAIL $name"; grep -E '^==|^not ok' "$out/$name.log" | head -30 | sed 's/^/      /'
    failed=1
  fi
done
exit $failed
