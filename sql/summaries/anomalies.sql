-- Counts of source rows that would break a summary's row schema: interceptions ending before they
-- start and negative token counts. A cheap scan; only when it finds
-- something are the rows read and judged one by one (pandera), to name them.
SELECT
  CAST((SELECT COUNT(*) FROM interceptions AS i WHERE i.ended_at < i.started_at) AS BIGINT) AS ended_before_start,
  CAST((
    SELECT COUNT(*)
    FROM token_usages AS t
    WHERE LEAST(t.input_tokens, t.output_tokens, t.cache_read_input_tokens, t.cache_write_input_tokens) < 0
  ) AS BIGINT) AS negative_tokens
