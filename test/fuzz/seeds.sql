-- Valid model values (hex, one per line) to seed the fuzzer.  Every algorithm
-- that can be trained cheaply adds a line here.
SELECT encode(insight_scaler_fit(ARRAY[i, i * i, 1]::float8[]), 'hex')
  FROM generate_series(1, 50) i;
SELECT encode(insight_scaler_fit(ARRAY[i]::float8[]), 'hex')
  FROM generate_series(1, 3) i;
SET client_min_messages = warning;
SELECT encode(insight_logreg_fit($$SELECT ARRAY[i, i % 3]::float8[], i % 2 = 0 FROM generate_series(1, 20) i$$), 'hex');
