#!/usr/bin/env bash
# make demo: bootstrap, build and install custvalue, start the `demo` cluster
# (pg_cron scheduling in database custvalue_demo), load the generated CRM,
# product-usage and transaction data and the decision-tree customers, run
# the seed 000, 001, 002 and 003 analyses, and leave the cluster running.
# Running it again starts over on a fresh cluster.
#
# Scale: CUSTVALUE_DEMO_SCALE (or `make demo SCALE=...`) is the number of
# companies in the CRM data, default 10000; the usage data gets a tenth as
# many accounts (default 1000) unless CUSTVALUE_DEMO_ACCOUNTS says otherwise,
# and the transaction data as many customers unless CUSTVALUE_DEMO_CUSTOMERS
# says otherwise; the telecom churn data has CUSTVALUE_DEMO_SUBSCRIBERS
# subscribers (default 5000).
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

# A count of companies or accounts: a whole number, at most nine digits.
check_count() {
  if ! [[ $2 =~ ^[1-9][0-9]{0,8}$ ]]; then
    echo "custvalue: $1 must be a whole number from 1 to 999999999, not '$2'" >&2
    exit 2
  fi
}
scale=${CUSTVALUE_DEMO_SCALE:-10000}
check_count CUSTVALUE_DEMO_SCALE "$scale"
accounts=${CUSTVALUE_DEMO_ACCOUNTS:-$(( scale >= 10 ? scale / 10 : 1 ))}
check_count CUSTVALUE_DEMO_ACCOUNTS "$accounts"
subscribers=${CUSTVALUE_DEMO_SUBSCRIBERS:-5000}
check_count CUSTVALUE_DEMO_SUBSCRIBERS "$subscribers"
customers=${CUSTVALUE_DEMO_CUSTOMERS:-$(( scale >= 10 ? scale / 10 : 1 ))}
check_count CUSTVALUE_DEMO_CUSTOMERS "$customers"

scripts/build.sh

db=custvalue_demo
eval "$(CUSTVALUE_CRON_DB=$db scripts/cluster.sh start demo)"
export PGHOST PGPORT PGUSER
psql=("$("$PG_CONFIG" --bindir)/psql" -X -q -v ON_ERROR_STOP=1 -P pager=off)

"${psql[@]}" -d postgres -c "CREATE DATABASE $db"
"${psql[@]}" -d "$db" -c "CREATE EXTENSION custvalue" -c "CREATE EXTENSION pg_cron"

echo "== loading demo data ($scale companies, $accounts product-usage accounts, $customers customers with transactions, $subscribers telecom subscribers)"
start=$SECONDS
"${psql[@]}" -d "$db" -v scale="$scale" -f demo/crm_data.sql
"${psql[@]}" -d "$db" -v accounts="$accounts" -f demo/usage_data.sql
"${psql[@]}" -d "$db" -v customers="$customers" -f demo/segment_data.sql
"${psql[@]}" -d "$db" -f demo/drivers_data.sql
"${psql[@]}" -d "$db" -v subscribers="$subscribers" -f demo/churn_data.sql
echo "   loaded in $((SECONDS - start)) s"

"${psql[@]}" -d "$db" -f demo/health.sql
"${psql[@]}" -d "$db" -f demo/rfm.sql
"${psql[@]}" -d "$db" -f demo/segments.sql
"${psql[@]}" -d "$db" -f demo/drivers.sql
"${psql[@]}" -d "$db" -f demo/churn.sql
"${psql[@]}" -d "$db" -f demo/value.sql
"${psql[@]}" -d "$db" -f demo/clv_data.sql
"${psql[@]}" -d "$db" -f demo/clv.sql

stop="make demo-stop"
if [ -n "${CUSTVALUE_CLUSTER_ROOT:-}" ]; then stop="CUSTVALUE_CLUSTER_ROOT=$CUSTVALUE_CLUSTER_ROOT $stop"; fi
if [ "$PG_CONFIG" != /usr/lib/postgresql/15/bin/pg_config ]; then stop="PG_CONFIG=$PG_CONFIG $stop"; fi
cat <<EOF

== The demo cluster keeps running.
   Connect:  psql -h $PGHOST -p $PGPORT -U $PGUSER $db
   Try:      SELECT * FROM crm.company_health ORDER BY health LIMIT 5;
             SELECT segment, count(*) FROM usage.account_segments GROUP BY 1;
             SELECT * FROM telco.subscriber_risk ORDER BY churn_probability DESC LIMIT 5;
             SELECT cluster_name, count(*) FROM seg.customer_clusters GROUP BY 1;
             SELECT * FROM cron.job;
   Stop:     $stop
EOF
