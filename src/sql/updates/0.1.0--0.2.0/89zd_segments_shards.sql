-- Issue 19, the segments task on the shards: the scaler fit and the
-- silhouette's rows no longer reach the coordinator one row per customer.
-- insight_scaler_fit keeps exact sums of x and x^2 (a fixed-point long
-- accumulator) and rounds once in its final function, so its result does not
-- depend on the order of the rows nor on their split: the segments task runs
-- it over the training table without ORDER BY, on Citus as a partial
-- aggregate on the shards (the state's format changes; the model's does
-- not).  The silhouette's rows are collected by a new aggregate,
-- insight_kmeans_sample (insight_kmeans_fit runs it), so that only the sample
-- reaches the coordinator.  insight_scaler_transform refuses a result that
-- overflows (22003) instead of returning an infinity.

-- features/scaler.sql

--@ comment src/sql/features/scaler.sql insight_scaler_accum

--@ comment src/sql/features/scaler.sql insight_scaler_combine

--@ comment src/sql/features/scaler.sql insight_scaler_final

--@ comment src/sql/features/scaler.sql insight_scaler_transform

COMMENT ON AGGREGATE @extschema@.insight_scaler_fit(float8[]) IS
'Fit a standardizer over feature rows: per feature the mean and the population standard deviation (ddof 0, as scikit-learn StandardScaler; 1 for a constant feature). Exact: the state keeps per feature the sums S of x and Q of x^2 exactly, in fixed-point accumulators wide enough for every double and its square (a long accumulator, Kulisch & Miranker 1981, Computer Arithmetic in Theory and Practice), and the final function rounds once, to nearest: mean = round(S / n), variance = round((n Q - S^2) / n^2), scale = sqrt(variance) (as Python''s float(Fraction(S, n)) and math.sqrt(float(Fraction(n Q - S^2, n^2)))). So the result is the same to the last bit whatever the order of the rows and however a parallel plan or Citus''s shards split them (partial aggregates on the shards). Rows with a NULL array or a NULL element are skipped and counted. Errors: arrays of different lengths, NaN or Infinity; more than 10,000 features (54000: the state keeps 1,616 bytes per feature); a variance that overflows a double (22003). NULL for no usable row.';

-- models/cluster/kmeans.sql

--@ function src/sql/models/cluster/kmeans.sql insight_kmeans_sample_accum

--@ comment src/sql/models/cluster/kmeans.sql insight_kmeans_sample_accum

--@ function src/sql/models/cluster/kmeans.sql insight_kmeans_sample_combine

--@ comment src/sql/models/cluster/kmeans.sql insight_kmeans_sample_combine

--@ function src/sql/models/cluster/kmeans.sql insight_kmeans_sample_final

--@ comment src/sql/models/cluster/kmeans.sql insight_kmeans_sample_final

CREATE AGGREGATE @extschema@.insight_kmeans_sample(features float8[], fraction float8, seed bigint, max_rows integer) (
    SFUNC = @extschema@.insight_kmeans_sample_accum,
    STYPE = bytea,
    COMBINEFUNC = @extschema@.insight_kmeans_sample_combine,
    FINALFUNC = @extschema@.insight_kmeans_sample_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.insight_kmeans_sample(float8[], float8, bigint, integer) IS
'The rows on which insight_kmeans_fit computes the silhouette, collected where the rows are (parallel workers, Citus shards: each partial state holds its rows'' sample, at most twice their bytes, and only those reach the coordinator): a row is kept when u = (h >> 11) / 2^53 < fraction, h = hash_bytes_extended of its float8 values with the key seed XOR 0x5851F42D4C957F2D (every row for fraction >= 1), so the sample depends on the rows'' values only, not on their order or split; insight_kmeans_fit passes fraction 10000 / rows above 10,000 rows (else 1), its seed and max_rows 15000. Beyond max_rows kept rows, the max_rows with the smallest (hash, values) remain. Returns the rows sorted by their values (lexicographically, then by their bytes) as an m x d float8[][]; NULL when none is kept. Rows with a NULL array or element are skipped; arrays of different lengths (2202E), NaN or Infinity (22000) are errors.';

--@ comment src/sql/models/cluster/kmeans.sql insight_kmeans_fit

-- tasks/segments.sql

CREATE OR REPLACE FUNCTION @extschema@.insight_segments_prepare(t @extschema@.insight_training)
RETURNS @extschema@.insight_training
LANGUAGE plpgsql
AS $$
DECLARE
    features pg_catalog.text := @extschema@.insight_customer_features_sql(t.trained_as_of);
    rows_table pg_catalog.text;
BEGIN
    -- the log-RFM of every customer: on Citus on the shards (recency_days,
    -- orders and total_spend are features 1, 5 and 7)
    rows_table := @extschema@.insight_training_table('insight_segments_training',
        pg_catalog.format($q$
        SELECT %1$I.insight_log_rfm(f.recency_days, f.orders, f.total_spend) AS raw
          FROM %1$I.insight_customer_features(%2$L::pg_catalog.timestamptz) f
         ORDER BY f.customer_id $q$, '@extschema@', t.trained_as_of),
        pg_catalog.format($q$
        SELECT f.customer_id, %1$I.insight_log_rfm(f.x[1], f.x[5]::integer, f.x[7])
          FROM (%2$s) f $q$, '@extschema@', features),
        'raw float8[]');
    -- the scaler: exact sums, so the same bytes in any order of the rows (on
    -- Citus a partial aggregate on the shards: one state per shard reaches
    -- the coordinator; the k-means passes and the silhouette sample, too)
    EXECUTE pg_catalog.format('SELECT %I.insight_scaler_fit(r.raw) FROM %s r', '@extschema@', rows_table)
       INTO t.preprocessing;
    IF t.preprocessing IS NULL THEN
        RAISE EXCEPTION 'no customer has a purchase before %', t.trained_as_of
            USING ERRCODE = 'no_data_found',
                  HINT = 'Register a sales source with purchases, or pass a later as_of.';
    END IF;
    RETURN t;
END
$$;

COMMENT ON FUNCTION @extschema@.insight_segments_prepare(@extschema@.insight_training) IS
'Segments step prepare: the log-RFM of every customer with a purchase before as_of (insight_log_rfm) in the table insight_segments_training of insight_training_table (a temporary table, or on Citus, with the source distributed by customer, a table co-located with the source filled on the shards by one INSERT ... SELECT over insight_customer_features_sql), and the scaler fitted on it (insight_scaler_fit: exact sums, the same bytes in any order of the rows; on Citus a partial aggregate on the shards) (the model''s preprocessing); 02000 when there is no customer.';

--@ comment src/sql/tasks/segments.sql insight_train_segments
