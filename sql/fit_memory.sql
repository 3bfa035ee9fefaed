-- custvalue.max_fit_memory bounds what a fit allocates.  Each case runs in
-- a fresh backend and reads the backend's peak resident memory (VmHWM in
-- /proc/<pid>/status) before and after the fit: a fit that fits the cap
-- stays within the documented 24 bytes per distinct value of each
-- dimension (plus a little), a fit that would pass the cap fails with
-- 54000 before its backend holds much more than the cap, and in a
-- parallel plan the leader stays within 2 x the cap: its own partial state
-- takes at most half the cap (a partial state keeps room for the copy the
-- plan makes of it), the merged state together with the partial states
-- the executor holds for it at most the cap.
CREATE TABLE fm_data AS
SELECT i::float8 AS r, (i * 7)::float8 AS f, i * 1.5 AS m, -i::float8 AS n
  FROM generate_series(1, 600000) i;    -- 600,000 distinct values in each of 4 dimensions
ANALYZE fm_data;
CREATE FUNCTION peak_kb() RETURNS bigint LANGUAGE sql AS
$$ SELECT substring(pg_read_file('/proc/' || pg_backend_pid() || '/status') FROM 'VmHWM:\s*(\d+) kB')::bigint $$;
CREATE FUNCTION err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '\d+ kB', 'N kB', 'g');
END $$;
-- Under AddressSanitizer (make test SANITIZE=1) every allocation carries
-- redzones and freed memory sits in a quarantine, so resident memory says
-- nothing about the fit's own bound: that build reports each bound
-- comparison as skipped (expected/fit_memory_1.out) and checks the rest.
LOAD 'custvalue';
SELECT pg_read_file('/proc/' || pg_backend_pid() || '/maps') ~ 'libasan' AS sanitized \gset
\set skipped '''skipped: AddressSanitizer inflates resident memory'''

-- Serial, within the cap: 4 x 600,000 distinct values at 24 bytes are
-- about 56 MB; the fit succeeds under a 64MB cap and its backend grows by
-- less than 1.2 x 24 bytes a value.
\c
SET max_parallel_workers_per_gather = 0;
SELECT count(*) FROM fm_data;
SELECT peak_kb() AS base \gset
SET custvalue.max_fit_memory = '64MB';
SELECT custvalue.rfmn_fit(r, f, m, n) IS NOT NULL AS fitted FROM fm_data;
\if :sanitized
SELECT :skipped AS within_24_bytes_a_value;
\else
SELECT (peak_kb() - :base) * 1024 < 1.2 * 24 * 4 * 600000 AS within_24_bytes_a_value;
\endif

-- Serial, past the cap: 54000, and the backend grew by less than 1.25 x the cap.
\c
SET max_parallel_workers_per_gather = 0;
SELECT count(*) FROM fm_data;
SELECT peak_kb() AS base \gset
SET custvalue.max_fit_memory = '24MB';
SELECT err('SELECT custvalue.rfmn_fit(r, f, m, n) FROM fm_data');
\if :sanitized
SELECT :skipped AS within_cap,
       (peak_kb() - :base) > 0.5 * 24 * 1024 AS measured_the_fit;
\else
SELECT (peak_kb() - :base) < 1.25 * 24 * 1024 AS within_cap,
       (peak_kb() - :base) > 0.5 * 24 * 1024 AS measured_the_fit;
\endif

-- The same for scorecard_fit, whose state is the same kind.
\c
SET max_parallel_workers_per_gather = 0;
SELECT count(*) FROM fm_data;
SELECT peak_kb() AS base \gset
SET custvalue.max_fit_memory = '24MB';
SELECT err('SELECT custvalue.scorecard_fit(ARRAY[r, f, m, n]) FROM fm_data');
\if :sanitized
SELECT :skipped AS within_cap;
\else
SELECT (peak_kb() - :base) < 1.25 * 24 * 1024 AS within_cap;
\endif

-- Forced parallel, past the cap: the leader merges the partial states and
-- fails with 54000 when the merged state and the partial states merged
-- into it would pass the cap.
-- The leader first reads every page of the table itself (a serial scan),
-- so that the shared buffers it maps count in the baseline, not in the
-- fit's peak: a parallel warm-up left the leader pages it had not mapped.
\c
SET max_parallel_workers_per_gather = 0;
SELECT count(*) FROM fm_data;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT peak_kb() AS base \gset
SET custvalue.max_fit_memory = '24MB';
SELECT err('SELECT custvalue.rfmn_fit(r, f, m, n) FROM fm_data');
\if :sanitized
SELECT :skipped AS leader_within_2_caps;
\else
SELECT (peak_kb() - :base) < 2 * 24 * 1024 AS leader_within_2_caps;
\endif

-- Row fits: the state reserves the working memory of the fit on the rows
-- it keeps, so a sampled fit prunes to max_rows when it reaches the cap
-- and the whole fit stays within it.  A row of 4 values takes 64 bytes (40
-- kept, 24 to sort) and k-means needs 72 more for each of the 150,000 rows
-- it keeps (10.8 MB): at a 24 MB cap the state samples down to max_rows
-- whenever it reaches the cap (twice max_rows would take 30 MB with the
-- reserve), and the model is the one a 200 MB cap gives (a sample does
-- not depend on when it was pruned).
\c
SET max_parallel_workers_per_gather = 0;
SELECT count(*) FROM fm_data;
SELECT peak_kb() AS base \gset
SET custvalue.max_fit_memory = '24MB';
CREATE TABLE fm_km AS
SELECT custvalue.kmeans_fit(ARRAY[r, f, m, n], 3, '{"max_rows": 150000}')::text AS model FROM fm_data;
\if :sanitized
SELECT :skipped AS within_cap,
       (peak_kb() - :base) > 0.5 * 24 * 1024 AS measured_the_fit;
\else
SELECT (peak_kb() - :base) < 1.25 * 24 * 1024 AS within_cap,
       (peak_kb() - :base) > 0.5 * 24 * 1024 AS measured_the_fit;
\endif
SET custvalue.max_fit_memory = '200MB';
SELECT (SELECT model FROM fm_km) = custvalue.kmeans_fit(ARRAY[r, f, m, n], 3, '{"max_rows": 150000}')::text
       AS same_model_as_200mb
  FROM fm_data;

-- The same fit in a parallel plan: each worker's partial state keeps to
-- half the cap, and the leader stays within 2 x the cap; at 24 MB the
-- merged state with the partial states held for it passes the cap (54000),
-- at 64 MB the parallel fit gives the serial model.
\c
SET max_parallel_workers_per_gather = 0;
SELECT count(*) FROM fm_data;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT peak_kb() AS base \gset
SET custvalue.max_fit_memory = '24MB';
SELECT err('SELECT custvalue.kmeans_fit(ARRAY[r, f, m, n], 3, ''{"max_rows": 150000}'') FROM fm_data');
SET custvalue.max_fit_memory = '64MB';
SELECT (SELECT model FROM fm_km) = custvalue.kmeans_fit(ARRAY[r, f, m, n], 3, '{"max_rows": 150000}')::text
       AS same_model_as_serial
  FROM fm_data;
\if :sanitized
SELECT :skipped AS leader_within_2_caps;
\else
SELECT (peak_kb() - :base) < 2 * 64 * 1024 AS leader_within_2_caps;
\endif

