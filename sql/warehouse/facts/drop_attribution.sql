-- The facts and verdicts are staged: drop the attribution they were staged from (a build or a
-- refresh, step 1).
-- engine: duckdb
DROP TABLE IF EXISTS temp.main._attribution
