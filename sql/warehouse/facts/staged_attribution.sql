-- The attribution stage_attribution.sql computed: what the attribution relation stands for while
-- a build or a refresh stages the facts and the verdicts (stage.sql).
-- engine: duckdb
SELECT
  a.*
FROM temp.main._attribution AS a
