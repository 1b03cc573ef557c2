-- Where each session and each thread of the stored facts lies, over its ended interceptions (the
-- only ones a figure counts): the row that stands for it (the smallest interception id), the
-- first and last start, how many there are, and which group keys vary across it, as bits (1 provider id, 2 provider
-- type, 4 model, 8 client, 16 initiator, 32 method, 64 group, 128 its UTC day, 256 its UTC week
-- (from Monday), 512 its start: in another zone a day or week may vary wherever the start does;
-- summaries.span_mask gives the bits of a summary's keys).
-- A figure counts a session lying whole in one group and in the range by its one marked row, and
-- only the others by the distinct count of their keys (summaries/keyed.sql): exact either way.
-- Every session and thread (a full build), or those a refresh marked (span_rows.sql).
-- relation: fact_spans
-- engine: duckdb
SELECT
  a.key_of,
  a.key,
  s.rep,
  s.first_started,
  s.last_started,
  s.size,
  s.varies
FROM (
  SELECT DISTINCT
    r.key_of,
    r.key
  FROM span_rows AS r
) AS a
-- A session or thread without an ended interception has no span: none of its rows is counted.
LEFT JOIN (
  SELECT
    e.key_of,
    e.key,
    MIN(e.interception_id) AS rep,
    MIN(e.started_at) AS first_started,
    MAX(e.started_at) AS last_started,
    CAST(COUNT(*) AS BIGINT) AS size,
    -- A key varies when two ended rows differ in it, NULL being a value of its own.
    CASE WHEN MIN(e.resolved_provider_id) <> MAX(e.resolved_provider_id) OR COUNT(e.resolved_provider_id) NOT IN (0, COUNT(*)) THEN 1 ELSE 0 END
    + CASE WHEN MIN(e.provider_type) <> MAX(e.provider_type) OR COUNT(e.provider_type) NOT IN (0, COUNT(*)) THEN 2 ELSE 0 END
    + CASE WHEN MIN(e.model) <> MAX(e.model) OR COUNT(e.model) NOT IN (0, COUNT(*)) THEN 4 ELSE 0 END
    + CASE WHEN MIN(e.client) <> MAX(e.client) OR COUNT(e.client) NOT IN (0, COUNT(*)) THEN 8 ELSE 0 END
    + CASE WHEN MIN(e.initiator_id) <> MAX(e.initiator_id) OR COUNT(e.initiator_id) NOT IN (0, COUNT(*)) THEN 16 ELSE 0 END
    + CASE WHEN MIN(e.method) <> MAX(e.method) OR COUNT(e.method) NOT IN (0, COUNT(*)) THEN 32 ELSE 0 END
    + CASE WHEN MIN(e.effective_group_id) <> MAX(e.effective_group_id) OR COUNT(e.effective_group_id) NOT IN (0, COUNT(*)) THEN 64 ELSE 0 END
    -- Days and weeks numbered from the epoch (1970-01-01 was a Thursday: + 3 starts them on Monday).
    + CASE WHEN FLOOR(EXTRACT(EPOCH FROM MIN(e.started_at)) / 86400) <> FLOOR(EXTRACT(EPOCH FROM MAX(e.started_at)) / 86400) THEN 128 ELSE 0 END
    + CASE
      WHEN FLOOR((FLOOR(EXTRACT(EPOCH FROM MIN(e.started_at)) / 86400) + 3) / 7)
        <> FLOOR((FLOOR(EXTRACT(EPOCH FROM MAX(e.started_at)) / 86400) + 3) / 7)
      THEN 256 ELSE 0
    END
    + CASE WHEN MIN(e.started_at) <> MAX(e.started_at) THEN 512 ELSE 0 END AS varies
  FROM span_rows AS e
  WHERE
    NOT e.ended_at IS NULL
  GROUP BY
    e.key_of,
    e.key
) AS s
  ON s.key_of = a.key_of AND s.key = a.key
