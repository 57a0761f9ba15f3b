-- The tokeniser of reviews (src/features/text.c, docs/reference/reviews.md):
-- words, word pairs, character n-grams, CJK n-grams, emoji; hashed buckets.
\set VERBOSITY terse
-- words lower-cased, the apostrophe inside a word kept, punctuation dropped
SELECT kind, token FROM insight_text_tokens('Don''t BUY it!');
-- a word pair only across spaces; punctuation ends it
SELECT string_agg(token, '|') AS pairs FROM insight_text_tokens('good, very  good. bad') WHERE kind = 'word pair';
-- Chinese: character 1- and 2-grams; Latin within CJK is a word
SELECT string_agg(kind || ':' || token, ' ') AS tokens FROM insight_text_tokens('iPhone手机好用', 262144) WHERE kind <> 'char n-gram';
-- digits, emoji, fullwidth ASCII, Latin-1, Greek and Cyrillic lower-cased
SELECT string_agg(kind || ':' || token, ' ') AS tokens
  FROM insight_text_tokens('5 STARS 👍👍 ＧＯＯＤ ÇA ΚΑΛΟ Хорошо Ÿ') WHERE kind IN ('word', 'emoji');
-- the 3- and 4-grams of "<word>", one-character words included
SELECT string_agg(token, ' ') AS grams FROM insight_text_tokens('Good a') WHERE kind = 'char n-gram';
-- nothing to tokenise
SELECT count(*) AS tokens FROM insight_text_tokens('');
SELECT count(*) AS tokens FROM insight_text_tokens('!!! ... ?? ――');
SELECT count(*) AS tokens FROM insight_text_tokens(NULL);
SELECT insight_text_hash('...') AS no_buckets;

-- buckets: the same token always in the same bucket, in range; hash = distinct ascending
SELECT bool_and(bucket >= 0 AND bucket < 1000) AS in_range, count(DISTINCT token) AS distinct_tokens
  FROM insight_text_tokens('the cheap phone broke, the cheap case too', 1000);
SELECT insight_text_hash('great great great', 1000) = (SELECT array_agg(DISTINCT bucket ORDER BY bucket)
                                                          FROM insight_text_tokens('great great great', 1000)) AS hash_is_distinct_buckets;
SELECT (SELECT bucket FROM insight_text_tokens('good', 16777216) WHERE kind = 'word') % 4096 =
       (SELECT bucket FROM insight_text_tokens('good', 4096) WHERE kind = 'word') AS same_hash_modulo;
SELECT insight_text_hash('good', 0);
SELECT insight_text_hash('good', 16777217);

-- bounded work: only the first 1 MiB is read (349,525 words "ab" and the "a" cut at 1,048,576 bytes)
SELECT count(*) FILTER (WHERE kind = 'word') AS words, count(*) FILTER (WHERE kind = 'word' AND token = 'a') AS cut_word
  FROM insight_text_tokens(repeat('ab ', 1000000));
SELECT cardinality(insight_text_hash(repeat('好评', 1000000))) AS cjk_buckets;

-- another server encoding: converted to UTF-8 by PostgreSQL, the same buckets;
-- SQL_ASCII: only ASCII (the install script itself cannot be read in EUC_CN
-- and other multi-byte encodings that are not UTF8, see reviews.md)
CREATE DATABASE insight_text_latin1 TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C';
CREATE DATABASE insight_text_ascii TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C';
SELECT insight_text_hash('Ça VA très bien') AS utf8_buckets \gset
\c insight_text_latin1
SET client_min_messages = warning;
SET client_encoding = 'UTF8';
CREATE EXTENSION insight;
SELECT string_agg(token, ' ') AS latin1_words FROM insight_text_tokens('Ça VA très bien') WHERE kind = 'word';
SELECT insight_text_hash('Ça VA très bien') = :'utf8_buckets' AS latin1_same_buckets;
\c insight_text_ascii
SET client_min_messages = warning;
SET client_encoding = 'UTF8';
CREATE EXTENSION insight;
SELECT string_agg(token, ' ') AS ascii_words FROM insight_text_tokens('plain OK text') WHERE kind = 'word';
SELECT count(*) FROM insight_text_tokens(convert_from('\x63616618'::bytea, 'SQL_ASCII') || convert_from('\xe9'::bytea, 'SQL_ASCII'));
\c insight_regress
DROP DATABASE insight_text_latin1;
DROP DATABASE insight_text_ascii;
