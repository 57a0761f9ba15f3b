-- The propensity task (tasks/propensity.sql: item groups, the rows, the
-- metrics, the recommender's group audience, the steps, insight_propensity
-- and insight_propensity_audience) and its retraining adapter
-- (ops/trainers.sql).

-- Groups and the customers' history in them ---------------------------------------

--@ function src/sql/tasks/propensity.sql insight_item_group

--@ comment src/sql/tasks/propensity.sql insight_item_group

--@ function src/sql/tasks/propensity.sql insight_top_item_groups

--@ comment src/sql/tasks/propensity.sql insight_top_item_groups

--@ function src/sql/tasks/propensity.sql insight_propensity_rows

--@ comment src/sql/tasks/propensity.sql insight_propensity_rows

-- Metrics -------------------------------------------------------------------------

-- Per group: AUC (insight_auc) and lift in the top decile of each score column
-- of a table (customer_id, item_group, bought, and the named scores).
--@ function src/sql/tasks/propensity.sql insight_propensity_metrics

--@ comment src/sql/tasks/propensity.sql insight_propensity_metrics

-- Audiences to beat -----------------------------------------------------------------

-- The recommender's audience of a group: an ALS model fitted on the
-- interactions before cutoff, a customer's score for a group the sum of the
-- model's scores of the group's items, x_u . sum_i y_i.
--@ function src/sql/tasks/propensity.sql insight_recommender_group_scores

--@ comment src/sql/tasks/propensity.sql insight_recommender_group_scores

-- Parameters and steps ------------------------------------------------------------

--@ function src/sql/tasks/propensity.sql insight_propensity_defaults

--@ comment src/sql/tasks/propensity.sql insight_propensity_defaults

--@ function src/sql/tasks/propensity.sql insight_propensity_setup

--@ comment src/sql/tasks/propensity.sql insight_propensity_setup

--@ function src/sql/tasks/propensity.sql insight_propensity_prepare

--@ comment src/sql/tasks/propensity.sql insight_propensity_prepare

--@ function src/sql/tasks/propensity.sql insight_propensity_fit

--@ comment src/sql/tasks/propensity.sql insight_propensity_fit

--@ function src/sql/tasks/propensity.sql insight_propensity_evaluate

--@ comment src/sql/tasks/propensity.sql insight_propensity_evaluate

--@ function src/sql/tasks/propensity.sql insight_propensity_serve

--@ comment src/sql/tasks/propensity.sql insight_propensity_serve

--@ function src/sql/tasks/propensity.sql insight_propensity_compare

--@ comment src/sql/tasks/propensity.sql insight_propensity_compare

INSERT INTO @extschema@.insight_task_steps
    (task, prepare, evaluate, serve, compare, metric, higher_is_better, must_beat_baseline, kept_notice, builtin)
VALUES ('propensity', '@extschema@.insight_propensity_prepare(@extschema@.insight_training)',
        '@extschema@.insight_propensity_evaluate(@extschema@.insight_training)',
        '@extschema@.insight_propensity_serve(@extschema@.insight_training)',
        '@extschema@.insight_propensity_compare(@extschema@.insight_training, @extschema@.insight_models)',
        'mean_auc', true, true,
        'propensity model %1$s stays a candidate: its out-of-time mean AUC %2$s is below the %3$s of active model %4$s or the %5$s of the popularity audience',
        true);

--@ function src/sql/tasks/propensity.sql insight_train_propensity

--@ comment src/sql/tasks/propensity.sql insight_train_propensity

-- Scoring and targeting -----------------------------------------------------------

-- The active model's item groups, and the check of a group a caller names.
--@ function src/sql/tasks/propensity.sql insight_propensity_groups

--@ comment src/sql/tasks/propensity.sql insight_propensity_groups

--@ function src/sql/tasks/propensity.sql insight_propensity_model

--@ comment src/sql/tasks/propensity.sql insight_propensity_model

--@ function src/sql/tasks/propensity.sql insight_propensity

--@ comment src/sql/tasks/propensity.sql insight_propensity

--@ function src/sql/tasks/propensity.sql insight_propensity 2

--@ comment src/sql/tasks/propensity.sql insight_propensity 2

--@ function src/sql/tasks/propensity.sql insight_propensity_audience

--@ comment src/sql/tasks/propensity.sql insight_propensity_audience

-- propensity: the horizon as stored, the groups and the model's
-- hyper-parameters (the item groups are picked again)
--@ function src/sql/ops/trainers.sql insight_retrain_propensity

--@ comment src/sql/ops/trainers.sql insight_retrain_propensity

INSERT INTO @extschema@.insight_trainers (task, train_function, rows_metric, builtin) VALUES
    ('propensity', '@extschema@.insight_retrain_propensity(jsonb)', 'serve_rows', true);

-- insight_admin only, as every function that trains
SELECT @extschema@.insight_apply_privileges();
