-- Issue 16, reviews (part 1): the review source, its registration and the
-- view insight_reviews (src/sql/features/review_source.sql).

CREATE TABLE @extschema@.insight_review_sources (
    source_kind      text PRIMARY KEY DEFAULT 'reviews' CHECK (source_kind OPERATOR(pg_catalog.=) 'reviews'),
    source           regclass NOT NULL,
    text_column      name NOT NULL,
    label_column     name NOT NULL,
    customer_column  name,
    item_column      name,
    time_column      name,
    options          jsonb NOT NULL,
    registered_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    registered_by    name NOT NULL DEFAULT CURRENT_USER
);

COMMENT ON TABLE @extschema@.insight_review_sources IS
'The registered review source (one row): relation, column mapping and label options with their defaults filled in. Written by insight_register_reviews().';

COMMENT ON COLUMN @extschema@.insight_review_sources.source_kind IS 'Always ''reviews'': the key that keeps the table to one registration.';
COMMENT ON COLUMN @extschema@.insight_review_sources.source IS 'The registered relation (table, partitioned table, view, materialized view or foreign table).';
COMMENT ON COLUMN @extschema@.insight_review_sources.text_column IS 'Column of the review''s text (text, varchar or char).';
COMMENT ON COLUMN @extschema@.insight_review_sources.label_column IS 'Column of the label (boolean, or a number 1 / 0 with options label = "binary") or of the rating (a number, with label = "rating").';
COMMENT ON COLUMN @extschema@.insight_review_sources.customer_column IS 'Column of the customer key (integer, numeric, text or uuid type); NULL: the reviews carry no customer.';
COMMENT ON COLUMN @extschema@.insight_review_sources.item_column IS 'Column of the item (or category) key (integer, numeric, text or uuid type); NULL: the reviews carry no item.';
COMMENT ON COLUMN @extschema@.insight_review_sources.time_column IS 'Column of the review''s time (timestamptz, timestamp or date; the last two read as UTC); NULL: the reviews carry no time.';
COMMENT ON COLUMN @extschema@.insight_review_sources.options IS 'Label options as given, completed with insight_reviews_default_options().';
COMMENT ON COLUMN @extschema@.insight_review_sources.registered_at IS 'When the source was registered.';
COMMENT ON COLUMN @extschema@.insight_review_sources.registered_by IS 'The role that registered it.';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.insight_review_sources', '');

--@ function src/sql/features/review_source.sql insight_reviews_default_options
--@ comment src/sql/features/review_source.sql insight_reviews_default_options

--@ function src/sql/features/review_source.sql insight_reviews_options
--@ comment src/sql/features/review_source.sql insight_reviews_options

--@ function src/sql/features/review_source.sql insight_register_reviews
--@ comment src/sql/features/review_source.sql insight_register_reviews

--@ function src/sql/features/review_source.sql insight_review_rows
--@ comment src/sql/features/review_source.sql insight_review_rows

CREATE VIEW @extschema@.insight_reviews WITH (security_invoker = true) AS
    SELECT * FROM @extschema@.insight_review_rows();

COMMENT ON VIEW @extschema@.insight_reviews IS
'The reviews of the registered source (insight_register_reviews), one row per row of the source, read with the caller''s privileges (security_invoker).';
COMMENT ON COLUMN @extschema@.insight_reviews.customer_id IS 'The customer who wrote the review, as text; NULL when the source has no customer column.';
COMMENT ON COLUMN @extschema@.insight_reviews.item_id IS 'The item (or category) reviewed, as text; NULL when the source has no item column.';
COMMENT ON COLUMN @extschema@.insight_reviews.reviewed_at IS 'When the review was written (timestamptz; timestamp and date columns read as UTC); NULL when the source has no time column.';
COMMENT ON COLUMN @extschema@.insight_reviews.review IS 'The review''s text; NULL texts are kept here and skipped (and counted) by training and scoring.';
COMMENT ON COLUMN @extschema@.insight_reviews.rating IS 'The rating as float8 when the option label is "rating"; NULL otherwise.';
COMMENT ON COLUMN @extschema@.insight_reviews.positive IS 'The label: true positive, false negative, NULL left out of training (a rating strictly between negative_max and positive_min, or no label).';

-- Issue 16, reviews (part 2): the tokeniser (src/sql/features/text.sql).
--@ function src/sql/features/text.sql insight_text_tokens
--@ comment src/sql/features/text.sql insight_text_tokens
--@ function src/sql/features/text.sql insight_text_hash
--@ comment src/sql/features/text.sql insight_text_hash

-- Issue 16, reviews (part 3): the text model (src/sql/models/text/sentiment.sql).
--@ function src/sql/models/text/sentiment.sql insight_text_fit
--@ comment src/sql/models/text/sentiment.sql insight_text_fit
--@ function src/sql/models/text/sentiment.sql insight_text_predict
--@ comment src/sql/models/text/sentiment.sql insight_text_predict
--@ function src/sql/models/text/sentiment.sql insight_text_contributions
--@ comment src/sql/models/text/sentiment.sql insight_text_contributions

-- Issue 16, reviews (part 3): the sentiment task (src/sql/tasks/sentiment.sql).
--@ function src/sql/tasks/sentiment.sql insight_sentiment_default_params
--@ comment src/sql/tasks/sentiment.sql insight_sentiment_default_params
--@ function src/sql/tasks/sentiment.sql insight_sentiment_held_out
--@ comment src/sql/tasks/sentiment.sql insight_sentiment_held_out
--@ function src/sql/tasks/sentiment.sql insight_sentiment_setup
--@ comment src/sql/tasks/sentiment.sql insight_sentiment_setup
--@ function src/sql/tasks/sentiment.sql insight_sentiment_fit
--@ comment src/sql/tasks/sentiment.sql insight_sentiment_fit
--@ function src/sql/tasks/sentiment.sql insight_sentiment_prepare
--@ comment src/sql/tasks/sentiment.sql insight_sentiment_prepare
--@ function src/sql/tasks/sentiment.sql insight_sentiment_evaluate
--@ comment src/sql/tasks/sentiment.sql insight_sentiment_evaluate
--@ function src/sql/tasks/sentiment.sql insight_sentiment_serve
--@ comment src/sql/tasks/sentiment.sql insight_sentiment_serve
--@ function src/sql/tasks/sentiment.sql insight_sentiment_compare
--@ comment src/sql/tasks/sentiment.sql insight_sentiment_compare

INSERT INTO @extschema@.insight_task_steps
    (task, prepare, evaluate, serve, compare, metric, higher_is_better, kept_notice, builtin)
VALUES ('sentiment', '@extschema@.insight_sentiment_prepare(@extschema@.insight_training)',
        '@extschema@.insight_sentiment_evaluate(@extschema@.insight_training)',
        '@extschema@.insight_sentiment_serve(@extschema@.insight_training)',
        '@extschema@.insight_sentiment_compare(@extschema@.insight_training, @extschema@.insight_models)',
        'auc', true,
        'sentiment model %1$s stays a candidate: its holdout AUC %2$s is below the %3$s of active model %4$s on the same holdout',
        true);

--@ function src/sql/tasks/sentiment.sql insight_train_sentiment
--@ comment src/sql/tasks/sentiment.sql insight_train_sentiment
--@ function src/sql/tasks/sentiment.sql insight_sentiment
--@ comment src/sql/tasks/sentiment.sql insight_sentiment

-- Issue 16, reviews (part 4): per item and per customer.
--@ function src/sql/tasks/sentiment.sql insight_review_sentiment_by
--@ comment src/sql/tasks/sentiment.sql insight_review_sentiment_by

CREATE VIEW @extschema@.insight_item_sentiment WITH (security_invoker = true) AS
SELECT g.key AS item_id, g.reviews, g.scored_reviews, g.mean_sentiment, g.share_negative,
       g.labelled_share_negative, g.model_id
  FROM @extschema@.insight_review_sentiment_by(false) g;

COMMENT ON VIEW @extschema@.insight_item_sentiment IS
'Per item (or category) of the registered reviews: how many, how they score under the active sentiment model (insight_sentiment), and how many are negative. One pass over insight_reviews (security_invoker: the caller''s privileges on the source).';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.item_id IS 'The item (or category), as text; reviews without an item are left out.';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.reviews IS 'Number of reviews of the item (with or without a text or a label).';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.scored_reviews IS 'Number of them scored: with a text, when a sentiment model can serve (0 otherwise).';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.mean_sentiment IS 'Mean probability positive of the scored reviews (0 to 1); NULL when none is scored.';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.share_negative IS 'Share of the scored reviews with a probability positive below 0.5 (0 to 1); NULL when none is scored.';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.labelled_share_negative IS 'Share of the labelled reviews (positive not NULL) whose label is negative (0 to 1): what the customers said, next to what the model reads; NULL without labels.';
COMMENT ON COLUMN @extschema@.insight_item_sentiment.model_id IS 'The sentiment model that scored them (insight_models.model_id); NULL when none can serve.';

CREATE VIEW @extschema@.insight_customer_sentiment WITH (security_invoker = true) AS
SELECT g.key AS customer_id, g.reviews, g.scored_reviews, g.mean_sentiment, g.share_negative,
       g.labelled_share_negative, g.last_review_at, g.model_id
  FROM @extschema@.insight_review_sentiment_by(true) g;

COMMENT ON VIEW @extschema@.insight_customer_sentiment IS
'Per customer of the registered reviews: how many reviews they wrote, how those score under the active sentiment model (insight_sentiment), how many are negative, and when they last wrote one. One pass over insight_reviews (security_invoker).';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.customer_id IS 'The customer, as text; reviews without a customer are left out.';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.reviews IS 'Number of reviews the customer wrote (with or without a text or a label).';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.scored_reviews IS 'Number of them scored: with a text, when a sentiment model can serve (0 otherwise).';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.mean_sentiment IS 'Mean probability positive of the scored reviews (0 to 1); NULL when none is scored.';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.share_negative IS 'Share of the scored reviews with a probability positive below 0.5 (0 to 1); NULL when none is scored.';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.labelled_share_negative IS 'Share of the customer''s labelled reviews whose label is negative (0 to 1); NULL without labels.';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.last_review_at IS 'The time of the customer''s latest review (timestamptz); NULL when the source has no time column.';
COMMENT ON COLUMN @extschema@.insight_customer_sentiment.model_id IS 'The sentiment model that scored them (insight_models.model_id); NULL when none can serve.';

-- Issue 16, reviews (part 4): why.
--@ function src/sql/tasks/sentiment.sql insight_sentiment_explain
--@ comment src/sql/tasks/sentiment.sql insight_sentiment_explain
--@ function src/sql/tasks/sentiment.sql insight_review_terms
--@ comment src/sql/tasks/sentiment.sql insight_review_terms

-- insight_register_reviews writes: insight_admin only
--@ function src/sql/ops/privileges.sql insight_writer_functions
--@ comment src/sql/ops/privileges.sql insight_writer_functions
SELECT @extschema@.insight_apply_privileges();
