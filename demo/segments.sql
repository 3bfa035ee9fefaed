-- Segment fit on the generated customers and transactions (seed report 002).
--
-- Does the static profitability segment explain behaviour?  A customer is
-- "misclassified" when its predicted retention lies more than 0.15 from its
-- segment's mean.  The misclassified customers are clustered with k-means on
-- total revenue, transaction count and transaction-amount volatility
-- (custvalue.kmeans_fit, standardised); custvalue.silhouette for k = 2..6
-- shows how many groups the data holds; the k = 3 clusters are profiled and
-- named in the seed's terms (low-value potential, high-value at risk,
-- mid-value swingers) with the stability measures (coefficient of variation
-- of the amounts, transactions per month, a stability score) and the
-- seasonal dependency (custvalue.seasonality_index over Q1-Q4).
--
-- The cluster assignment lives in a materialized view (fit and assign in one
-- statement, every object schema-qualified) refreshed CONCURRENTLY by pg_cron.
--
-- Usage:  psql -X -f demo/segments.sql   (after segment_data.sql)

\set ON_ERROR_STOP on
\pset pager off
\pset footer off
\pset null '-'
SET client_min_messages = warning;

DROP MATERIALIZED VIEW IF EXISTS seg.customer_clusters;
DROP VIEW IF EXISTS seg.misclassified;
DROP VIEW IF EXISTS seg.customer_behaviour;

-- Per customer: value, frequency, stability and seasonality measures (the
-- README's recipes), and how far its predicted retention lies from its
-- segment's mean.
CREATE VIEW seg.customer_behaviour AS
SELECT c.customer_id, c.profitability_segment, c.retention_probability, c.composite_score,
       t.total_revenue, t.transaction_count, t.net_profit,
       t.transaction_count / 24.0 AS avg_transactions_per_month,
       t.volatility AS transaction_value_volatility,
       t.active_months,
       -- stability: 100 when amounts never vary and every month has a transaction
       100 * (1 - least(t.volatility, 1)) * t.active_months / 24.0 AS stability_score,
       t.q1, t.q2, t.q3, t.q4,
       t.seasonality,
       c.retention_probability - avg(c.retention_probability) OVER (PARTITION BY c.profitability_segment)
           AS retention_deviation
FROM seg.customers c
JOIN (SELECT customer_id,
             sum(amount) AS total_revenue,
             count(*)::float8 AS transaction_count,
             sum(amount - cost) AS net_profit,
             coalesce(stddev_pop(amount) / nullif(avg(amount), 0), 0) AS volatility,
             count(DISTINCT date_trunc('month', transacted_on))::float8 AS active_months,
             count(*) FILTER (WHERE extract(quarter FROM transacted_on) = 1) AS q1,
             count(*) FILTER (WHERE extract(quarter FROM transacted_on) = 2) AS q2,
             count(*) FILTER (WHERE extract(quarter FROM transacted_on) = 3) AS q3,
             count(*) FILTER (WHERE extract(quarter FROM transacted_on) = 4) AS q4,
             custvalue.seasonality_index(1, extract(quarter FROM transacted_on)::int, 4) AS seasonality
        FROM seg.transactions
       GROUP BY customer_id) t USING (customer_id);
COMMENT ON VIEW seg.customer_behaviour IS 'value, stability, seasonality and retention deviation per customer';

-- The misclassification check: retention more than 0.15 from the segment mean.
CREATE VIEW seg.misclassified AS
SELECT * FROM seg.customer_behaviour WHERE abs(retention_deviation) > 0.15;
COMMENT ON VIEW seg.misclassified IS 'customers whose predicted retention lies more than 0.15 from their segment''s mean';

-- Fit and assign in one statement: the model is refitted at every refresh.
-- Clusters are named from their mean revenue (0 is the largest cluster).
CREATE MATERIALIZED VIEW seg.customer_clusters AS
WITH m AS MATERIALIZED (
    SELECT * FROM seg.misclassified
), model AS (
    SELECT custvalue.kmeans_fit(ARRAY[total_revenue, transaction_count, transaction_value_volatility], 3,
               '{"names": ["total_revenue", "transaction_count", "volatility"]}') AS model
    FROM m
), assigned AS (
    SELECT m.*,
           custvalue.kmeans_cluster(model.model, ARRAY[total_revenue, transaction_count, transaction_value_volatility])
               AS cluster,
           custvalue.kmeans_distance(model.model, ARRAY[total_revenue, transaction_count, transaction_value_volatility])
               AS distance
    FROM m CROSS JOIN model
), named AS (
    SELECT cluster,
           CASE rank() OVER (ORDER BY avg(total_revenue) DESC)
                WHEN 1 THEN 'high-value at risk' WHEN 3 THEN 'low-value potential'
                ELSE 'mid-value swingers' END AS cluster_name
    FROM assigned GROUP BY cluster
)
SELECT a.*, n.cluster_name FROM assigned a JOIN named n USING (cluster);
CREATE UNIQUE INDEX customer_clusters_customer_id ON seg.customer_clusters (customer_id);
COMMENT ON MATERIALIZED VIEW seg.customer_clusters IS 'k-means cluster of each misclassified customer, refreshed by pg_cron';

SELECT count(*) AS n FROM seg.customers \gset
SELECT count(*) AS mis FROM seg.misclassified \gset
\echo
\echo '=== Segment fit (seed 002):' :mis 'of' :n 'customers misclassified (predicted retention more than 0.15 from their segment''s mean)'
\echo
\echo '--- Misclassified customers by profitability segment'
SELECT profitability_segment AS segment,
       count(*) AS customers,
       count(*) FILTER (WHERE abs(retention_deviation) > 0.15) AS misclassified,
       round(100.0 * count(*) FILTER (WHERE abs(retention_deviation) > 0.15) / count(*), 1) AS "share %",
       round(avg(retention_probability)::numeric, 3) AS "mean retention",
       round(avg(total_revenue)::numeric) AS "mean revenue"
FROM seg.customer_behaviour
GROUP BY profitability_segment
ORDER BY array_position(ARRAY['Premium', 'High Value', 'Standard', 'Low Value'], profitability_segment);

\echo '--- Silhouette of k-means on the misclassified customers, k = 2..6 (higher is better)'
WITH fits AS (
    SELECT k, custvalue.kmeans_fit(ARRAY[total_revenue, transaction_count, transaction_value_volatility], k) AS model
    FROM seg.misclassified, generate_series(2, 6) AS k
    GROUP BY k
)
SELECT k, round(s.silhouette::numeric, 3) AS silhouette, round((model::jsonb ->> 'inertia')::numeric, 1) AS inertia
FROM fits,
     LATERAL (SELECT custvalue.silhouette(
                         ARRAY[total_revenue, transaction_count, transaction_value_volatility],
                         custvalue.kmeans_cluster(model, ARRAY[total_revenue, transaction_count,
                                                               transaction_value_volatility]),
                         '{"standardize": true}') AS silhouette
                FROM seg.misclassified) s
ORDER BY k;

\echo '--- The k = 3 clusters: profile and name'
SELECT cluster, cluster_name,
       count(*) AS customers,
       round(avg(total_revenue)::numeric) AS "mean revenue",
       round(avg(transaction_count)::numeric, 1) AS "mean transactions",
       round(avg(transaction_value_volatility)::numeric, 2) AS "mean volatility",
       round(avg(net_profit)::numeric) AS "mean net profit",
       round(avg(retention_deviation)::numeric, 3) AS "retention vs segment",
       string_agg(DISTINCT profitability_segment, ', ') AS "filed under"
FROM seg.customer_clusters
GROUP BY cluster, cluster_name
ORDER BY cluster;

\echo '--- Centroids in original units (custvalue.kmeans_centroids)'
SELECT cluster, size,
       (SELECT array_agg(round(c::numeric, 2)) FROM unnest(centroid) c) AS "centroid (revenue, transactions, volatility)",
       round(within_ss::numeric, 2) AS within_ss
FROM custvalue.kmeans_centroids((
    SELECT custvalue.kmeans_fit(ARRAY[total_revenue, transaction_count, transaction_value_volatility], 3)
    FROM seg.misclassified));

\echo '--- Stability and seasonality by cluster'
SELECT cluster_name,
       round(avg(avg_transactions_per_month)::numeric, 2) AS "transactions / month",
       round(avg(transaction_value_volatility)::numeric, 2) AS "CV of amounts",
       round(avg(stability_score)::numeric, 1) AS "stability score",
       round(avg(seasonality)::numeric, 3) AS "seasonality index",
       round(100.0 * sum(q4) / sum(q1 + q2 + q3 + q4), 1) AS "Q4 share %"
FROM seg.customer_clusters
GROUP BY cluster_name
ORDER BY min(cluster);
\echo '    (all customers, for comparison)'
SELECT round(avg(avg_transactions_per_month)::numeric, 2) AS "transactions / month",
       round(avg(transaction_value_volatility)::numeric, 2) AS "CV of amounts",
       round(avg(stability_score)::numeric, 1) AS "stability score",
       round(avg(seasonality)::numeric, 3) AS "seasonality index",
       round(100.0 * sum(q4) / sum(q1 + q2 + q3 + q4), 1) AS "Q4 share %"
FROM seg.customer_behaviour;

\echo '--- Production pattern: pg_cron refreshes the clusters concurrently every night'
REFRESH MATERIALIZED VIEW CONCURRENTLY seg.customer_clusters;
SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = 'custvalue-clusters-refresh' \g /dev/null
SELECT cron.schedule('custvalue-clusters-refresh', '45 2 * * *',
                     $$REFRESH MATERIALIZED VIEW CONCURRENTLY seg.customer_clusters$$) \g /dev/null
SELECT jobid, jobname, schedule, command, database, username, active
FROM cron.job
WHERE jobname = 'custvalue-clusters-refresh';
