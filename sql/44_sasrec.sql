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
