-- insight_scaler_fit / insight_scaler_transform: the aggregate pattern every
-- model uses (bytea state updated in place, combine function, parallel safe).
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE TABLE pts (x float8[]);
INSERT INTO pts VALUES ('{1,10,5}'), ('{2,20,5}'), ('{3,30,5}'), ('{4,40,5}'),
                       (NULL), ('{5,NULL,5}');
-- means (2.5, 25, 5); population sd (sqrt(1.25), sqrt(125), constant -> 1); 2 rows skipped
SELECT insight_model_info(insight_scaler_fit(x)) - 'checksum' FROM pts;
SELECT insight_scaler_transform(insight_scaler_fit(x), '{1,10,5}') FROM pts;
SELECT insight_scaler_transform(insight_scaler_fit(x), '{1,NULL,5}') FROM pts;

-- empty input and all-NULL input give NULL
SELECT insight_scaler_fit(x) IS NULL AS is_null FROM pts WHERE false;
SELECT insight_scaler_fit(x) IS NULL AS is_null FROM pts WHERE x IS NULL OR x[2] IS NULL;

-- errors: mixed lengths, NaN, Infinity, 2-D, empty arrays, wrong width at transform
SELECT insight_scaler_fit(x) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) v(x);
SELECT insight_scaler_fit(x) FROM (VALUES ('{1,NaN}'::float8[])) v(x);
SELECT insight_scaler_fit(x) FROM (VALUES ('{1,-Infinity}'::float8[])) v(x);
SELECT insight_scaler_fit(x) FROM (VALUES ('{{1,2},{3,4}}'::float8[])) v(x);
SELECT insight_scaler_fit(x) FROM (VALUES ('{}'::float8[])) v(x);
SELECT insight_scaler_transform(insight_scaler_fit(x), '{1,2}') FROM pts;
SELECT insight_scaler_transform(insight_scaler_fit(x), '{1,2,3,4}') FROM pts;
-- a finite value whose standardized value overflows
SELECT insight_scaler_transform(insight_scaler_fit(x), '{-1.7976931348623157e308}')
  FROM (VALUES ('{1e308}'::float8[]), ('{1e308}')) v(x);
-- finite input whose mean or variance overflows
SELECT insight_scaler_fit(x) FROM (VALUES ('{1e308}'::float8[]), ('{-1e308}'), ('{1e308}')) v(x);
-- a state that is not a scaler state
SELECT insight_scaler_final('\x0102'::bytea);
SELECT insight_scaler_combine(NULL, '\x00000000ffffffff'::bytea);

-- the sums are exact and rounded once: the same bytes in any order of the
-- rows; a mean correctly rounded where running means are not (70 / 3 rounds
-- to 23.333333333333332; 1e16 + 1 - 1e16 over rows in any order)
SELECT insight_scaler_fit(x ORDER BY i) = insight_scaler_fit(x ORDER BY -i) AS same_bytes_reversed,
       insight_scaler_fit(x ORDER BY i) = insight_scaler_fit(x ORDER BY md5(i::text)) AS same_bytes_shuffled,
       ARRAY(SELECT e::float8 FROM jsonb_array_elements(insight_model_info(insight_scaler_fit(x ORDER BY md5(i::text))) -> 'means') e) AS means,
       ARRAY(SELECT e::float8 FROM jsonb_array_elements(insight_model_info(insight_scaler_fit(x ORDER BY md5(i::text))) -> 'scales') e) AS scales
  FROM (VALUES (1, '{10, 1e16, 5e-324}'::float8[]), (2, '{20, 1, 5e-324}'), (3, '{40, -1e16, 0}')) v(i, x);
-- crafted states: another format, carries out of range, a digit that
-- overflows, a negative sum of squares, sums no rows can give
SELECT insight_scaler_final(decode(repeat('00', 28), 'hex'));
SELECT insight_scaler_final(set_byte(insight_scaler_accum(NULL, '{2}'), 11, 4));
SELECT insight_scaler_combine(insight_scaler_accum(NULL, '{2}'),
                              overlay(insight_scaler_accum(NULL, '{2}') PLACING '\xffffffffffffff7f'::bytea FROM 293));
SELECT insight_scaler_final(set_byte(insight_scaler_accum(NULL, '{2}'), 1643, 192));
SELECT insight_scaler_final(set_byte(insight_scaler_accum(NULL, '{2}'), 28 + 40 * 8, 1));
SELECT length(insight_scaler_accum(NULL, '{2}')) AS state_bytes_for_one_feature;
-- at most 10,000 features (as logistic regression)
SELECT length(insight_scaler_accum(NULL, array_fill(1::float8, ARRAY[10000]))) AS state_bytes_for_10000_features;
SELECT insight_scaler_accum(NULL, array_fill(1::float8, ARRAY[10001]));

-- direct calls of the transition and combine functions behave like the aggregate
SELECT insight_model_info(insight_scaler_final(insight_scaler_combine(
           insight_scaler_accum(insight_scaler_accum(NULL, '{1,10}'), '{2,20}'),
           insight_scaler_accum(NULL, '{4,40}')))) -> 'means' AS means;
-- a combine function as the transition function of a user's aggregate reads
-- its second argument, here a value in a table's buffer page, without
-- writing into it (the first row's state has no rows, so the combine returns
-- the second with the skipped rows added)
CREATE TABLE scaler_states AS
SELECT k, s FROM (VALUES (1::int8, insight_scaler_accum(NULL, NULL)),
                         (2::int8, insight_scaler_accum(NULL, array_fill(2::float8, ARRAY[100])))) v(k, s);
CREATE TABLE scaler_states_before AS SELECT k, md5(s) AS h FROM scaler_states;
CREATE AGGREGATE combine_states(bytea) (SFUNC = insight_scaler_combine, STYPE = bytea);
SELECT insight_model_info(insight_scaler_final(combine_states(s))) -> 'rows_skipped' AS skipped
  FROM scaler_states;
SELECT count(*) AS changed_in_table
  FROM scaler_states JOIN scaler_states_before USING (k) WHERE md5(s) <> h;
DROP AGGREGATE combine_states(bytea);
DROP TABLE scaler_states, scaler_states_before;

-- a forced parallel plan gives the serial answer, also when a filter leaves
-- workers without rows and when no row qualifies
CREATE TABLE many AS
SELECT ARRAY[i, sqrt(i), (i % 7)::float8, 1e6 + i]::float8[] AS x FROM generate_series(1, 200000) i;
ANALYZE many;
CREATE TABLE serial AS SELECT insight_scaler_fit(x) AS w FROM many;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT insight_scaler_fit(x) FROM many;
SELECT (SELECT bool_and(abs(a::float8 - b::float8) <= 1e-9 * greatest(1, abs(a::float8)))
          FROM jsonb_array_elements_text(insight_model_info(p.w) -> 'means') WITH ORDINALITY pa(a, i)
          JOIN jsonb_array_elements_text(insight_model_info(s.w) -> 'means') WITH ORDINALITY sa(b, j) ON i = j)
       AND (SELECT bool_and(abs(a::float8 - b::float8) <= 1e-9 * greatest(1, abs(a::float8)))
          FROM jsonb_array_elements_text(insight_model_info(p.w) -> 'scales') WITH ORDINALITY pa(a, i)
          JOIN jsonb_array_elements_text(insight_model_info(s.w) -> 'scales') WITH ORDINALITY sa(b, j) ON i = j)
       AS parallel_equals_serial,
       insight_model_info(p.w) -> 'rows' AS rows
  FROM (SELECT insight_scaler_fit(x) AS w FROM many) p, serial s;
SELECT p.w = s.w AS parallel_same_bytes FROM (SELECT insight_scaler_fit(x) AS w FROM many) p, serial s;
SELECT insight_model_info(insight_scaler_fit(x)) -> 'rows' AS rows FROM many WHERE x[1] <= 3;
SELECT insight_scaler_fit(x) IS NULL AS no_rows FROM many WHERE x[1] < 0;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE pts, many, serial;
