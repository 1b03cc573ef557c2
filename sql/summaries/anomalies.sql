-- Source rows a summary of the interceptions started in [:since, :until) reads that break its row
-- schema (schemas.SummaryRows; every anomaly of schemas.ROW_ANOMALIES), one row per anomaly
-- found: how many rows hold it and the smallest interception id among them. Read from the facts
-- (one row per interception row, with its token usage rows' negative counts), so that a
-- warehouse answers from its stored facts. Token usage rows are judged one by one, so a negative
-- count is found even when the interception's other token rows outweigh it in the sums; they are
-- counted once per interception id even when that id is held by several rows. Duplicate ids are
-- looked for only where ids are not unique by construction (:unique_ids: Coder's primary key, a
-- warehouse's merge by id). No row at all: nothing found.
-- An end before the start is found as a negative duration (the same rows: NULL where either end
-- is): a stored column's statistics then let DuckDB skip the scan when no row has one, where
-- comparing two columns read both, and the ids beside them, for every row (0.15 s of a command).
-- :since       timestamptz?  first started_at included (NULL: no lower bound)
-- :until       timestamptz?  first started_at excluded (NULL: no upper bound)
-- :unique_ids  bool = false  the source's interception ids are unique by construction
WITH in_range AS (
  SELECT
    f.interception_id,
    f.initiator_id,
    f.model,
    f.started_at,
    f.duration_us,
    f.negative_input_tokens,
    f.negative_output_tokens,
    f.negative_cache_read_input_tokens,
    f.negative_cache_write_input_tokens
  FROM facts AS f
  WHERE
    (CAST(:since AS TIMESTAMPTZ) IS NULL OR f.started_at >= CAST(:since AS TIMESTAMPTZ))
    AND (CAST(:until AS TIMESTAMPTZ) IS NULL OR f.started_at < CAST(:until AS TIMESTAMPTZ))
), negative_tokens AS (
  -- Rows of one id carry the same child counts: DISTINCT counts each token row once.
  SELECT DISTINCT
    r.interception_id,
    r.negative_input_tokens,
    r.negative_output_tokens,
    r.negative_cache_read_input_tokens,
    r.negative_cache_write_input_tokens
  FROM in_range AS r
  WHERE
    r.negative_input_tokens > 0
    OR r.negative_output_tokens > 0
    OR r.negative_cache_read_input_tokens > 0
    OR r.negative_cache_write_input_tokens > 0
), found AS (
  SELECT 'ended_before_start' AS anomaly, 1 AS row_count, r.interception_id AS id
  FROM in_range AS r
  WHERE r.duration_us < 0
  UNION ALL
  SELECT 'missing_value', 1, r.interception_id FROM in_range AS r
  WHERE r.interception_id IS NULL OR r.initiator_id IS NULL OR r.model IS NULL OR r.started_at IS NULL
  UNION ALL
  SELECT 'duplicate_id', 1, r.interception_id FROM in_range AS r
  WHERE NOT CAST(:unique_ids AS BOOLEAN) AND NOT r.interception_id IS NULL
  GROUP BY r.interception_id
  HAVING COUNT(*) > 1
  UNION ALL
  SELECT 'negative_input_tokens', t.negative_input_tokens, t.interception_id FROM negative_tokens AS t
  WHERE t.negative_input_tokens > 0
  UNION ALL
  SELECT 'negative_output_tokens', t.negative_output_tokens, t.interception_id FROM negative_tokens AS t
  WHERE t.negative_output_tokens > 0
  UNION ALL
  SELECT 'negative_cache_read_input_tokens', t.negative_cache_read_input_tokens, t.interception_id
  FROM negative_tokens AS t
  WHERE t.negative_cache_read_input_tokens > 0
  UNION ALL
  SELECT 'negative_cache_write_input_tokens', t.negative_cache_write_input_tokens, t.interception_id
  FROM negative_tokens AS t
  WHERE t.negative_cache_write_input_tokens > 0
)
SELECT
  CAST(f.anomaly AS VARCHAR) AS anomaly,
  CAST(SUM(f.row_count) AS BIGINT) AS row_count,
  MIN(CAST(f.id AS VARCHAR)) AS example_id
FROM found AS f
GROUP BY f.anomaly
ORDER BY f.anomaly
