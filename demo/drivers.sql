-- Decision trees on the demo data: what drives customer value.
--
-- Seed 002: customers whose predicted retention lies more than 0.15 from
-- their profitability segment's mean are "misclassified".  A tree that
-- separates them from the others, given the transaction summaries AND the
-- segment itself, shows what the segment misses: it splits on revenue,
-- transaction counts, profit, fourth-quarter transactions and volatility,
-- and gives the segment an importance near 0.
--
-- Seed 000: a regression tree of the revenue won from deals on the health
-- dimensions (activity, contact quality, company size; the value dimension
-- is left out because it is computed from that revenue), with importances.
--
-- Usage:  psql -X -f demo/drivers.sql   (after drivers_data.sql, and
--         crm_data.sql + health.sql for the second part)

\set ON_ERROR_STOP on
\pset pager off
\pset footer off
SET client_min_messages = warning;

CREATE OR REPLACE VIEW drivers.labelled AS
SELECT c.*,
       abs(c.retention_probability
           - avg(c.retention_probability) OVER (PARTITION BY c.profitability_segment)) > 0.15 AS misclassified
FROM drivers.customers c;
COMMENT ON VIEW drivers.labelled IS 'customers with the misclassification flag: retention more than 0.15 from the segment mean';

DROP TABLE IF EXISTS drivers.models;
CREATE TABLE drivers.models AS
SELECT 'misclassified'::text AS name,
       custvalue.tree_fit(ARRAY[total_revenue, transaction_count, net_profit, q4_transactions,
                                transaction_value_volatility, avg_transactions_per_month],
                          ARRAY[profitability_segment], misclassified,
                          '{"max_depth": 4, "min_samples_leaf": 10,
                            "names": ["total_revenue", "transaction_count", "net_profit", "q4_transactions",
                                      "transaction_value_volatility", "avg_transactions_per_month",
                                      "profitability_segment"]}') AS tree
FROM drivers.labelled;
COMMENT ON TABLE drivers.models IS 'the demo''s decision trees';

SELECT count(*) FILTER (WHERE NOT misclassified) AS ok, count(*) FILTER (WHERE misclassified) AS mis
FROM drivers.labelled \gset
\echo
\echo '=== Seed 002: what separates the' :mis 'misclassified customers from the other' :ok
\echo '--- Rules (share of misclassified customers in each leaf), most misclassified first'
SELECT leaf, rule, rows AS customers, round(value::numeric, 3) AS share_misclassified
FROM custvalue.tree_rules((SELECT tree FROM drivers.models WHERE name = 'misclassified'))
ORDER BY value DESC, leaf;

\echo '--- Importances (the profitability segment enters as one column per level)'
SELECT feature, round(importance::numeric, 3) AS importance
FROM custvalue.tree_importance((SELECT tree FROM drivers.models WHERE name = 'misclassified'))
ORDER BY importance DESC, feature;
SELECT round(sum(importance)::numeric, 3) AS profitability_segment_importance
FROM custvalue.tree_importance((SELECT tree FROM drivers.models WHERE name = 'misclassified'))
WHERE feature LIKE 'profitability\_segment=%';

\echo '--- Why misclassified customers are flagged: the first one in each of the three most misclassified leaves'
WITH scored AS (
    SELECT l.customer_id, l.profitability_segment AS segment, l.retention_probability AS retention,
           custvalue.tree_leaf(m.tree, x, ARRAY[profitability_segment]) AS leaf,
           custvalue.tree_predict(m.tree, x, ARRAY[profitability_segment]) AS p,
           custvalue.tree_path(m.tree, x, ARRAY[profitability_segment]) AS path
    FROM drivers.labelled l, drivers.models m,
         LATERAL (SELECT ARRAY[total_revenue, transaction_count, net_profit, q4_transactions,
                               transaction_value_volatility, avg_transactions_per_month] AS x) f
    WHERE m.name = 'misclassified' AND l.misclassified
)
SELECT customer_id, segment, retention, round(p::numeric, 2) AS p_misclassified, path
FROM (SELECT DISTINCT ON (leaf) * FROM scored ORDER BY leaf, customer_id) first_per_leaf
ORDER BY p DESC, customer_id
LIMIT 3;

SELECT to_regclass('crm.company_health') IS NOT NULL AS have_crm \gset
\if :have_crm
INSERT INTO drivers.models
SELECT 'won_revenue',
       custvalue.tree_fit(ARRAY[activity_score, contact_score, size_score], won_amount::float8,
                          '{"max_depth": 3, "min_samples_leaf": 50,
                            "names": ["activity", "contact_quality", "company_size"]}')
FROM crm.company_health;

\echo
\echo '=== Seed 000: revenue won from deals, by the health dimensions'
\echo '--- Rules (mean revenue won in each leaf), highest first'
SELECT leaf, rule, rows AS companies, round(value::numeric) AS mean_revenue_won
FROM custvalue.tree_rules((SELECT tree FROM drivers.models WHERE name = 'won_revenue'))
ORDER BY value DESC, leaf;
\echo '--- Importances'
SELECT feature, round(importance::numeric, 3) AS importance
FROM custvalue.tree_importance((SELECT tree FROM drivers.models WHERE name = 'won_revenue'))
ORDER BY importance DESC, feature;
\endif
