#!/usr/bin/env bash
# Throwaway PostgreSQL 15 clusters on a Unix socket in a scratch directory.
#   scripts/cluster.sh start NAME   initdb + start; prints the env to export
#   scripts/cluster.sh stop NAME    stop and remove
#   scripts/cluster.sh env NAME     print PGHOST/PGPORT/PGUSER of a running one
# The server refuses to run as root, so as root the cluster runs as the
# `postgres` system user.  pg_cron is preloaded so that scheduled refreshes
# can be shown and tested; it connects to run a job over the cluster's Unix
# socket (cron.host), as the cluster listens on no TCP port.
#
# With an extension built by make SANITIZE=1, the sanitizers write their
# reports into the data directory (asan.<pid>, ubsan.<pid>) or the server
# log; stop moves any to $root/sanitizer/, where make test looks for them.
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop|env NAME}
name=${2:?usage: cluster.sh start|stop|env NAME}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bindir=$("$PG_CONFIG" --bindir)
root=${CUSTVALUE_CLUSTER_ROOT:-/tmp/custvalue-clusters}
dir=$root/$name
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  owner=$(id -un)
  as_owner() { "$@"; }
fi

print_env() {
  echo "export PGHOST=$dir PGPORT=$(cat "$dir/port") PGUSER=$owner"
}

free_port() {
  local p
  for p in $(seq "$1" $(($1 + 200))); do
    if ! (echo >/dev/tcp/127.0.0.1/"$p") 2>/dev/null && [ ! -e "/tmp/.s.PGSQL.$p" ] \
       && ! ls "$root"/*/.s.PGSQL."$p" >/dev/null 2>&1; then
      echo "$p"; return
    fi
  done
  echo "no free port near $1" >&2; exit 1
}

case $cmd in
start)
  if [ -f "$dir/data/postmaster.pid" ]; then "$0" stop "$name" >/dev/null 2>&1 || true; fi
  mkdir -p "$root"; chmod 755 "$root"
  rm -rf "$dir"; mkdir -p "$dir"
  case $name in
    demo) base=54330 ;;
    bench) base=54350 ;;
    *) base=$((54400 + $(echo "$name" | cksum | cut -d' ' -f1) % 500 * 2)) ;;
  esac
  port=$(free_port $base)
  echo "$port" > "$dir/port"
  chown -R "$owner" "$dir"
  as_owner "$bindir/initdb" -D "$dir/data" -U "$owner" --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  cat >> "$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$dir'
shared_preload_libraries = 'pg_cron'
cron.database_name = '${CUSTVALUE_CRON_DB:-postgres}'
cron.host = '$dir'
max_worker_processes = 16
max_parallel_workers = 8
max_parallel_workers_per_gather = 2
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = '256MB'
work_mem = '64MB'
maintenance_work_mem = '256MB'
CONF
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  print_env
  ;;
stop)
  if [ -d "$dir/data" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    for f in "$dir"/data/asan.* "$dir"/data/ubsan.*; do
      [ -e "$f" ] || continue
      mkdir -p "$root/sanitizer"
      mv "$f" "$root/sanitizer/$name-$(basename "$f")"
    done
    # UBSan, combined with ASan, may write to stderr (the server log)
    # instead of its log_path: keep those reports too.
    san='runtime error:|ERROR: AddressSanitizer|SUMMARY: (Address|UndefinedBehavior)Sanitizer'
    if [ -f "$dir/server.log" ] && grep -qE "$san" "$dir/server.log"; then
      mkdir -p "$root/sanitizer"
      grep -E -A30 "$san" "$dir/server.log" > "$root/sanitizer/$name-server.log"
    fi
  fi
  rm -rf "$dir"
  ;;
env)
  [ -f "$dir/port" ] || { echo "cluster $name is not running" >&2; exit 1; }
  print_env
  ;;
*) echo "usage: cluster.sh start|stop|env NAME" >&2; exit 2 ;;
esac
