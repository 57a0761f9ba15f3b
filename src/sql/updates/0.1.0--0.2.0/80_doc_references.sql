-- Comments that pointed into the README now point into docs/.
COMMENT ON COLUMN @extschema@.insight_models.weights IS 'The model in insight''s binary format (see docs/model-format.md); read it with insight_model_info().';
