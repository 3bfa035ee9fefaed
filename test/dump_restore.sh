#!/usr/bin/env bash
# Model values survive pg_dump and pg_restore: a table holding fitted and
# hand-written scorecards (one fitted over subnormal and huge values) is
# dumped (custom format), restored into a new database, and every card's
# text and scores must be unchanged.
# Runs against the cluster in PGHOST/PGPORT/PGUSER (set by scripts/test.sh).
set -euo pipefail
bindir=$("${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" --bindir)
src=cv_dump_src_$$; dst=cv_dump_dst_$$; dump=$(mktemp)
trap 'psql -qX -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1; rm -f "$dump"' EXIT
psql -qX -d postgres -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst"
psql -qX -v ON_ERROR_STOP=1 -d "$src" <<'SQL'
CREATE EXTENSION custvalue;
CREATE TABLE customers AS
SELECT i AS id, (i % 5)::text AS region,
       ARRAY[(i * 37 % 365)::float8, (i % 40)::float8, CASE WHEN i % 9 = 0 THEN NULL ELSE i * 13.5 END] AS m
  FROM generate_series(1, 5000) i;
CREATE TABLE cards (region text PRIMARY KEY, card custvalue.scorecard, fitted_at date);
INSERT INTO cards
SELECT region, custvalue.scorecard_fit(m, '{"weights": [40, 30, 30], "higher_is_better": [false, true, true]}'), '2026-06-30'
  FROM customers GROUP BY region;
INSERT INTO cards VALUES ('hand', '{"kind": "scorecard", "version": 1, "measures": [
  {"name": "days", "weight": 2, "method": "recency", "half_life": 30},
  {"name": "size", "weight": 1, "method": "bands", "edges": [10, 20], "points": [0, 50, 100]}]}', '2026-06-30');
-- fitted over subnormal values past the exact range, and over huge ones
INSERT INTO cards
SELECT 'tiny', custvalue.scorecard_fit(ARRAY[i * 5e-324, i * 1e-320, i * 1e303]), '2026-06-30'
  FROM generate_series(1, 120000) i;
SQL
fingerprint() {
  psql -qXAt -v ON_ERROR_STOP=1 -d "$1" -c "
    SELECT md5(string_agg(c.region || c.card::text || s.total::text, '|' ORDER BY c.region))
      FROM cards c, LATERAL (SELECT sum(custvalue.health_score(c.card,
               CASE WHEN c.region = 'hand' THEN m[1:2] ELSE m END)) AS total FROM customers) s"
}
before=$(fingerprint "$src")
"$bindir/pg_dump" -Fc -f "$dump" "$src"
"$bindir/pg_restore" --exit-on-error -d "$dst" "$dump"
after=$(fingerprint "$dst")
rows=$(psql -qXAt -d "$dst" -c "SELECT count(*) FROM cards")
echo "cards restored: $rows, fingerprint before $before, after $after"
[ "$rows" = 7 ] && [ -n "$before" ] && [ "$before" = "$after" ]
