-- SASRec (issue 15): the causal self-attention of the neural-network core
-- (finite-difference gradient checks, padding, errors) and the SASRec model
-- (src/models/deep/sasrec*.c).  PyTorch itself: test/peer/sasrec_torch.py.
SET client_min_messages = warning;   -- the per-epoch NOTICEs
\set VERBOSITY default

-- Finite-difference gradient checks of attention layers, in double
-- precision, as sql/43_nn.sql does for the other layers: two sequences of
-- three rows of width 4; |fd - g| / max(|fd| + |g|, 1e-3) over every weight
-- (the floor is 1e-3, not 43_nn's 1e-7: the first row of a sequence attends
-- to itself alone, so its query weights have a gradient of exactly 0, where
-- the central difference is rounding noise of about 1e-10).
CREATE FUNCTION pg_temp.gradcheck(layers text, loss text, x float8[], y float8[], pad boolean[], h float8 DEFAULT 1e-5)
RETURNS TABLE (parameters integer, max_error float8)
LANGUAGE plpgsql AS $$
DECLARE
    w float8[];
    g float8[];
    lp float8;
    lm float8;
    e float8 := 0;
BEGIN
    SELECT d.gradient, d.weights INTO g, w FROM insight_nn_diagnose(layers, loss, x, y, seed => 7, padding => pad) d;
    FOR k IN 1 .. array_length(w, 1) LOOP
        SELECT d.loss INTO lp FROM insight_nn_diagnose(layers, loss, x, y,
            w[1:k-1] || (w[k] + h) || w[k+1:], seed => 7, padding => pad) d;
        SELECT d.loss INTO lm FROM insight_nn_diagnose(layers, loss, x, y,
            w[1:k-1] || (w[k] - h) || w[k+1:], seed => 7, padding => pad) d;
        e := greatest(e, abs((lp - lm) / (2 * h) - g[k]) / greatest(abs((lp - lm) / (2 * h)) + abs(g[k]), 1e-3));
    END LOOP;
    RETURN QUERY SELECT array_length(w, 1), e;
END
$$;
CREATE TABLE attention_rows AS
SELECT '{{0.5,-1.2,0.3,0.8},{1.5,0.2,-0.7,-0.1},{-0.3,0.8,1.1,0.4},{0.9,-0.4,-1.3,0.2},{-1.1,1.4,0.2,-0.6},{0.2,0.1,0.6,1.3}}'::float8[] AS x,
       '{0.5,-1,2.5,0,1,-0.5}'::float8[] AS y;
SELECT name, parameters, max_error < 1e-6 AS ok, CASE WHEN max_error >= 1e-6 THEN max_error END AS failed
  FROM attention_rows, (VALUES
    ('one head', 'attention:1:3,linear:1', NULL::boolean[]),
    ('two heads', 'attention:2:3,gelu,linear:1', NULL),
    ('two heads, padding', 'attention:2:3,linear:1', '{t,f,f,t,t,f}'),
    ('keys from the input (a SASRec block)',
     'layernorm,attention:2:3:0,residual:1,layernorm,linear:4,relu,linear:4,residual:4,layernorm,linear:1', '{t,f,f,f,f,f}'),
    ('two blocks, keys from an earlier activation',
     'linear:4,attention:1:3,residual:1,layernorm,attention:2:3:1,residual:4,linear:1', NULL)
  ) c(name, layers, pad),
  LATERAL pg_temp.gradcheck(layers, 'mse', x, y, pad)
 ORDER BY name;
-- float4 (the training core) agrees with float8 to float4 rounding (1e-4:
-- the softmax and two layer norms add their rounding)
SELECT max(abs(a - b) / greatest(abs(a) + abs(b), 1e-3)) < 1e-4 AS float4_close,
       round(max(abs(a - b) / greatest(abs(a) + abs(b), 1e-3))::numeric, 8) AS max_error
  FROM attention_rows,
       insight_nn_diagnose('layernorm,attention:2:3:0,residual:1,linear:1', 'mse', x, y, seed => 3, padding => '{t,f,f,f,f,f}') f8,
       insight_nn_diagnose('layernorm,attention:2:3:0,residual:1,linear:1', 'mse', x, y, seed => 3, padding => '{t,f,f,f,f,f}', dtype => 'float4') f4,
       unnest(f8.gradient, f4.gradient) u(a, b);
-- A padding row is ignored as a key, and its own output is 0: its input
-- changes nothing (the loss over the three rows stays the same); as a real
-- row it changes the loss.
SELECT a.loss = b.loss AS padding_ignored, a.loss <> c.loss AS real_row_matters
  FROM insight_nn_diagnose('attention:1:3,linear:1', 'mse', '{{9,9,9,9},{1,2,3,4},{4,3,2,1}}', '{0,0,0}', padding => '{t,f,f}') a,
       insight_nn_diagnose('attention:1:3,linear:1', 'mse', '{{-5,3,7,1},{1,2,3,4},{4,3,2,1}}', '{0,0,0}', padding => '{t,f,f}') b,
       insight_nn_diagnose('attention:1:3,linear:1', 'mse', '{{-5,3,7,1},{1,2,3,4},{4,3,2,1}}', '{0,0,0}', padding => '{f,f,f}') c;
-- Errors of attention layers
\set VERBOSITY terse
SELECT 1 FROM attention_rows, insight_nn_diagnose('attention:3:3,linear:1', 'mse', x, y);
SELECT 1 FROM attention_rows, insight_nn_diagnose('attention:1:4,linear:1', 'mse', x, y);
SELECT 1 FROM attention_rows, insight_nn_diagnose('linear:2,attention:1:3:0,linear:1', 'mse', x, y);
SELECT 1 FROM attention_rows, insight_nn_diagnose('attention:1:3:0:1.5,linear:1', 'mse', x, y);
SELECT 1 FROM attention_rows, insight_nn_diagnose('attention:1,linear:1', 'mse', x, y);
SELECT 1 FROM attention_rows, insight_nn_diagnose('attention:1:3,linear:1', 'mse', x, y, padding => '{t,f}');
\set VERBOSITY default

-- ---------------------------------------------------------------------------
-- The SASRec model.  Fixed data: 60 customers, each buying items of a
-- cycle of 12 in order (customer c starts at item c mod 12, one order a
-- day), so the next item follows from the last; plus customer 'one' with a
-- single item (left out) and a repeated item within one order (counted once).
CREATE TABLE sasrec_rows (customer text, item int, at timestamptz);
INSERT INTO sasrec_rows
SELECT 'c' || c, (c + t) % 12 + 100, timestamptz '2024-01-01' + t * interval '1 day'
  FROM generate_series(1, 60) c, generate_series(0, 5 + c % 7) t;
INSERT INTO sasrec_rows VALUES ('one', 105, '2024-01-01'), ('c1', 102, '2024-01-01');
CREATE TABLE sasrec_models (name text PRIMARY KEY, model bytea);
INSERT INTO sasrec_models
SELECT 'small', insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', max_length => 6, hidden => 8,
                                   blocks => 2, heads => 2, dropout => 0.2, epochs => 60, batch_size => 16,
                                   learning_rate => 0.01, seed => 1)
UNION ALL
SELECT 'one epoch', insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', max_length => 6, hidden => 8,
                                   blocks => 2, heads => 2, dropout => 0.2, epochs => 1, batch_size => 16,
                                   learning_rate => 0.01, seed => 1)
UNION ALL
SELECT 'same seed', insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', max_length => 6, hidden => 8,
                                   blocks => 2, heads => 2, dropout => 0.2, epochs => 60, batch_size => 16,
                                   learning_rate => 0.01, seed => 1)
UNION ALL
SELECT 'other seed', insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', max_length => 6, hidden => 8,
                                   blocks => 2, heads => 2, dropout => 0.2, epochs => 60, batch_size => 16,
                                   learning_rate => 0.01, seed => 2);
-- what the model holds: 12 items, 60 sequences (not 'one'), the interactions
-- read (the repeated line once), its settings
SELECT i->>'algorithm' AS algorithm, i->'items' AS items, i->'sequences' AS sequences,
       i->'interactions' AS interactions, i->'parameters' AS parameters, i->>'layers' AS layers
  FROM sasrec_models, insight_model_info(model) i WHERE name = 'small';
-- training lowers the loss (the BCE of one negative starts near 2 log 2 = 1.386)
SELECT round((a.i->>'loss')::numeric, 1) AS first_epoch_loss,
       (b.i->>'loss')::float8 < 0.5 * (a.i->>'loss')::float8 AS learns,
       CASE WHEN (b.i->>'loss')::float8 >= 0.5 * (a.i->>'loss')::float8 THEN (b.i->>'loss') END AS failed
  FROM (SELECT insight_model_info(model) i FROM sasrec_models WHERE name = 'one epoch') a,
       (SELECT insight_model_info(model) i FROM sasrec_models WHERE name = 'small') b;
-- deterministic for a seed
SELECT (SELECT model FROM sasrec_models WHERE name = 'small') = (SELECT model FROM sasrec_models WHERE name = 'same seed') AS same_seed_same_bytes,
       (SELECT model FROM sasrec_models WHERE name = 'small') <> (SELECT model FROM sasrec_models WHERE name = 'other seed') AS other_seed_other_bytes;
-- The paper's evaluation (leave-one-out, sampled negatives, HR@k and
-- NDCG@k): trained without each customer's last item, evaluated on it.
-- Trained: the held-out next item of the cycle ranks first (HR@1 near 1);
-- untrained (one step of a tiny learning rate): near chance (about 1/6:
-- the 20 negatives repeat the 5 items outside a kept sequence); k =
-- negatives + 1 counts every sequence (HR exactly 1); 'one' is not a
-- sequence, and an item the model does not know skips its customer.
INSERT INTO sasrec_models
SELECT 'loo', insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows r WHERE at < (SELECT max(at) FROM sasrec_rows m WHERE m.customer = r.customer)',
                                 max_length => 6, hidden => 8, blocks => 2, heads => 2, dropout => 0.2, epochs => 60,
                                 batch_size => 16, learning_rate => 0.01, seed => 1)
UNION ALL
SELECT 'untrained', insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', max_length => 6, hidden => 8,
                                       epochs => 1, batch_size => 1000, learning_rate => 1e-9, seed => 1);
SELECT name, e.sequences, e.skipped, round(e.hit_rate::numeric, 2) AS hr, round(e.ndcg::numeric, 2) AS ndcg,
       CASE name WHEN 'loo' THEN e.hit_rate > 0.9 ELSE e.hit_rate < 0.3 END AS ok
  FROM sasrec_models, insight_sasrec_evaluate(model, 'SELECT customer, item, at FROM sasrec_rows', negatives => 20, k => 1, seed => 3) e
 WHERE name IN ('loo', 'untrained') ORDER BY name;
SELECT e.hit_rate = 1 AS all_within_k, e.ndcg BETWEEN 1 / log(2, 22) AND 1 AS ndcg_in_range
  FROM sasrec_models, insight_sasrec_evaluate(model, 'SELECT customer, item, at FROM sasrec_rows', negatives => 20, k => 21) e
 WHERE name = 'untrained';
SELECT e.sequences, e.skipped
  FROM sasrec_models, insight_sasrec_evaluate(model, 'SELECT customer, CASE WHEN customer = ''c2'' THEN 999 ELSE item END, at FROM sasrec_rows') e
 WHERE name = 'loo';
\set VERBOSITY terse
SELECT * FROM sasrec_models, insight_sasrec_evaluate(model, negatives => 0) WHERE name = 'loo';
SELECT * FROM sasrec_models, insight_sasrec_evaluate(model, negatives => 5, k => 7) WHERE name = 'loo';
\set VERBOSITY default

-- It predicts the cycle: after items 103, 104, 105 (ids 4, 5, 6) the next is
-- 106 (id 7), the top score of the last position among the 12 items
SELECT (SELECT j FROM generate_series(1, 12) j
         ORDER BY (SELECT sum(h[(5 * 8) + c] * w[j * 8 + c]) FROM generate_series(1, 8) c) DESC LIMIT 1) AS top_item
  FROM sasrec_models, insight_sasrec_diagnose(model, '{{0,0,0,4,5,6}}', '{{0,0,0,0,0,0}}', '{{1,1,1,1,1,1}}') d(l, h, g, w)
 WHERE name = 'small';

-- Causal mask: changing a later item never changes an earlier position's
-- hidden state (exactly), and changes its own and later ones
SELECT bool_and(a.hidden[k] = b.hidden[k]) FILTER (WHERE k <= 4 * 8) AS earlier_unchanged,
       bool_or(a.hidden[k] <> b.hidden[k]) FILTER (WHERE k > 4 * 8) AS later_changed
  FROM sasrec_models,
       insight_sasrec_diagnose(model, '{{0,3,4,5,6,7}}', '{{0,0,0,0,0,0}}', '{{1,1,1,1,1,1}}') a,
       insight_sasrec_diagnose(model, '{{0,3,4,5,11,2}}', '{{0,0,0,0,0,0}}', '{{1,1,1,1,1,1}}') b,
       generate_series(1, 6 * 8) k
 WHERE name = 'small';
-- The diagnostic function's loss and gradient cover every weight (their
-- values: test/peer/sasrec_torch.py against PyTorch)
SELECT d.loss > 0 AS has_loss, array_length(d.gradient, 1) = (insight_model_info(model)->>'parameters')::int AS gradient_length
  FROM sasrec_models, insight_sasrec_diagnose(model, '{{0,3,4,5,6,7},{1,2,3,4,5,6}}', '{{4,5,6,7,8,0},{2,3,4,5,6,7}}',
                                              '{{9,10,11,12,1,1},{12,11,10,9,8,1}}') d
 WHERE name = 'small';

-- Corrupted bytes are an error (XX001), never a crash
\set VERBOSITY terse
SELECT insight_model_info(overlay(model PLACING '\xff'::bytea FROM 200)) FROM sasrec_models WHERE name = 'small';
SELECT insight_model_info(substr(model, 1, 100)) FROM sasrec_models WHERE name = 'small';
SELECT 1 FROM sasrec_models, insight_sasrec_diagnose(overlay(model PLACING '\xff'::bytea FROM 60), '{{0,0,0,4,5,6}}', '{{0,0,0,0,0,0}}', '{{1,1,1,1,1,1}}') WHERE name = 'small';
-- Errors of the diagnostic function and of fitting
SELECT 1 FROM sasrec_models, insight_sasrec_diagnose(model, '{{0,0,4,5,6}}', '{{0,0,0,0,0}}', '{{1,1,1,1,1}}') WHERE name = 'small';
SELECT 1 FROM sasrec_models, insight_sasrec_diagnose(model, '{{0,0,0,4,5,13}}', '{{0,0,0,0,0,0}}', '{{1,1,1,1,1,1}}') WHERE name = 'small';
SELECT insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', hidden => 10, heads => 3);
SELECT insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', max_length => 0);
SELECT insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', dropout => 1);
SELECT insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', epochs => 0);
SELECT insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', negatives => 0);
SELECT insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', learning_rate => 'NaN');
SELECT insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', max_length => 1000, batch_size => 128);
SELECT insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', seed => NULL);
SELECT insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows WHERE false');
SELECT insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows WHERE customer = ''one''');
SELECT insight_sasrec_fit('SELECT customer, item FROM sasrec_rows');
SELECT insight_sasrec_fit('SELECT customer, item, at::date FROM sasrec_rows');
SET insight.max_training_memory = '1MB';
SELECT insight_sasrec_fit('SELECT customer, item, at FROM sasrec_rows', hidden => 512);
RESET insight.max_training_memory;
\set VERBOSITY default

-- The registered sales (Online Retail): one short epoch trains, every
-- customer with two items or more is a sequence
SELECT (i->>'items')::int > 3000 AS many_items, (i->>'sequences')::int > 3000 AS many_sequences,
       (i->>'loss')::float8 BETWEEN 0.5 AND 1.5 AS loss_in_range
  FROM insight_model_info(insight_sasrec_fit(max_length => 10, hidden => 16, blocks => 1, epochs => 1, batch_size => 256)) i;

-- SASRec's purchases as insight_recommender_rows packs them on Citus (each
-- distinct purchase numbered in its customer's sequence, collected by
-- insight_interactions_pack, read back with the number as the time), here
-- over the registered sales on one node (its template, from the function):
-- the same rows in the same order as the purchases themselves, so the same
-- model bytes, histories included
SELECT format(substring(p.prosrc FROM '\$q\$(WITH p AS MATERIALIZED .*)\$q\$, ''public'', l\.lines, before\)'),
              'public', 'SELECT customer_id, item_id, ordered_at, quantity FROM insight_sales', '2011-12-01'::timestamptz) AS packed_q
  FROM pg_proc p WHERE p.proname = 'insight_recommender_rows' \gset
SELECT insight_recommender_rows('sasrec', '{}', '2011-12-01') AS rows_q \gset
SELECT :'packed_q' ~ 'insight_interactions_pack\(n\.customer_id, n\.item_id, n\.place\)' AS packed,
       :'rows_q' !~ 'insight_interactions_pack' AS rows_on_one_node,
       insight_sasrec_fit(:'packed_q', max_length => 5, hidden => 8, blocks => 1, epochs => 1, with_history => true)
       = insight_sasrec_fit(:'rows_q', max_length => 5, hidden => 8, blocks => 1, epochs => 1, with_history => true) AS same_model_bytes;
-- packed purchases from outside are checked before the fit reads them: a
-- state cut short is XX001 "invalid packed rows" (insight_interactions_unpack),
-- a place that is not a number 22008 (to_timestamp); customer a, item b, place NaN
\set VERBOSITY terse
SELECT insight_sasrec_fit($$SELECT u.customer_id, u.item_id, pg_catalog.to_timestamp(u.value)
                             FROM insight_interactions_unpack('\x5041495201000000000000000261026202000000000000f8'::bytea) u$$);
SELECT insight_sasrec_fit($$SELECT u.customer_id, u.item_id, pg_catalog.to_timestamp(u.value)
                             FROM insight_interactions_unpack('\x5041495201000000000000000261026202000000000000f87f'::bytea) u$$);
\set VERBOSITY default

-- Cancellation: a fit that would run for minutes stops within 2 s of a 1 s
-- statement_timeout
CREATE TABLE sasrec_cancel (elapsed interval, code text);
SET statement_timeout = '1s';
DO $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    PERFORM insight_sasrec_fit(epochs => 100000);
EXCEPTION WHEN query_canceled THEN
    INSERT INTO sasrec_cancel VALUES (clock_timestamp() - t0, 'query_canceled');
END
$$;
RESET statement_timeout;
SELECT code, elapsed < interval '2 s' AS within_2s FROM sasrec_cancel;
