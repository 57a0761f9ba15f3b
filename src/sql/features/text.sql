-- ---------------------------------------------------------------------------
-- Text without a dictionary (src/features/text.c, docs/reference/reviews.md):
-- the tokens of a text and their hashed buckets.
-- ---------------------------------------------------------------------------

-- IMMUTABLE: the tokens depend on the text and on the database's encoding,
-- which never changes.
CREATE FUNCTION @extschema@.insight_text_tokens(review text, buckets integer DEFAULT 262144)
RETURNS TABLE (kind text, token text, bucket integer)
AS 'MODULE_PATHNAME', 'insight_text_tokens'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_text_tokens(text, integer) IS
'For debugging: every token of a text, in order, as the text models see it: kind (''word'': a lower-cased run of letters and digits of any alphabetic script, an apostrophe between two of them included; ''word pair'': two words separated only by spaces; ''char n-gram'': the character 3- and 4-grams of "<word>" (fastText''s subwords, Bojanowski et al. 2017); ''cjk n-gram'': each Han, kana or Hangul character and each pair of consecutive ones; ''emoji''), token (its text) and bucket (FNV-1a 32 of kind and UTF-8 bytes, MurmurHash3 fmix32, modulo buckets: the hashing trick, Weinberger et al. 2009). Fullwidth ASCII is folded to ASCII; lower case by a fixed table (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic), never the locale; punctuation, symbols and spaces separate tokens. Only the first 1 MiB of the text is read. Any server encoding is converted to UTF-8 by PostgreSQL''s conversions; SQL_ASCII text with a byte above 127 is refused (0A000). Errors: 22023 buckets outside 1 .. 16777216.';

CREATE FUNCTION @extschema@.insight_text_hash(review text, buckets integer DEFAULT 262144)
RETURNS integer[]
AS 'MODULE_PATHNAME', 'insight_text_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.insight_text_hash(text, integer) IS
'The distinct buckets of the tokens of a text (insight_text_tokens), ascending: the binary bag of hashed n-grams the text models read (an empty array for a text without tokens). Errors as insight_text_tokens.';
