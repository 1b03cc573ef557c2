-- The attribution of the interceptions whose facts are staged (a build or a refresh, step 0),
-- computed once: the facts and the verdicts staged beside them both read it, through
-- staged_attribution.sql, instead of resolving every interception twice.
-- engine: duckdb
CREATE OR REPLACE TEMP TABLE temp.main._attribution AS
SELECT
  a.*
FROM attribution AS a
