#!/usr/bin/env bash
# Install what building, testing and demonstrating custvalue needs on a
# Debian 12 machine that has only the PostgreSQL 15 server.  As root the
# missing Debian packages are installed; otherwise the script names them and
# the command that installs them, and fails.
set -euo pipefail

# package -> a file that proves it is installed
declare -A probe=(
  [postgresql-server-dev-15]=/usr/include/postgresql/15/server/postgres.h
  [postgresql-15-pgtap]=/usr/share/postgresql/15/extension/pgtap.control
  [libtap-parser-sourcehandler-pgtap-perl]=/usr/bin/pg_prove
  [postgresql-15-cron]=/usr/share/postgresql/15/extension/pg_cron.control
  [python3-sklearn]=/usr/lib/python3/dist-packages/sklearn/__init__.py
  [python3-psycopg2]=/usr/lib/python3/dist-packages/psycopg2/__init__.py
  [python3-pandas]=/usr/lib/python3/dist-packages/pandas/__init__.py
  [python3-scipy]=/usr/lib/python3/dist-packages/scipy/__init__.py
  [python3-statsmodels]=/usr/lib/python3/dist-packages/statsmodels/__init__.py
  [gcc]=/usr/bin/gcc
  [make]=/usr/bin/make
)
missing=()
for p in "${!probe[@]}"; do
  [ -e "${probe[$p]}" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "custvalue needs these Debian packages: ${missing[*]}" >&2
  echo "Install them as root with:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "custvalue: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
