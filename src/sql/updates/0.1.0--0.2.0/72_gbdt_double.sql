-- GBDT prediction and explanation in double precision (issue 17): the trees
-- of XGBoost's model walked by insight (src/models/trees/gbdt_trees.h); the
-- comments of insight_gbdt_predict and insight_gbdt_explain
-- (src/sql/models/trees/gbdt.sql) say so.

--@ comment src/sql/models/trees/gbdt.sql insight_gbdt_predict

--@ comment src/sql/models/trees/gbdt.sql insight_gbdt_explain
