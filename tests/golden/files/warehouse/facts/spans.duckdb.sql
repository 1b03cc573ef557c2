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
LEFT JOIN (
  SELECT
    e.key_of,
    e.key,
    MIN(e.interception_id) AS rep,
    MIN(e.started_at) AS first_started,
    MAX(e.started_at) AS last_started,
    CAST(COUNT(*) AS BIGINT) AS size,
    CASE
      WHEN MIN(e.resolved_provider_id) <> MAX(e.resolved_provider_id)
      OR NOT COUNT(e.resolved_provider_id) IN (0, COUNT(*))
      THEN 1
      ELSE 0
    END + CASE
      WHEN MIN(e.provider_type) <> MAX(e.provider_type)
      OR NOT COUNT(e.provider_type) IN (0, COUNT(*))
      THEN 2
      ELSE 0
    END + CASE
      WHEN MIN(e.model) <> MAX(e.model) OR NOT COUNT(e.model) IN (0, COUNT(*))
      THEN 4
      ELSE 0
    END + CASE
      WHEN MIN(e.client) <> MAX(e.client) OR NOT COUNT(e.client) IN (0, COUNT(*))
      THEN 8
      ELSE 0
    END + CASE
      WHEN MIN(e.initiator_id) <> MAX(e.initiator_id)
      OR NOT COUNT(e.initiator_id) IN (0, COUNT(*))
      THEN 16
      ELSE 0
    END + CASE
      WHEN MIN(e.method) <> MAX(e.method) OR NOT COUNT(e.method) IN (0, COUNT(*))
      THEN 32
      ELSE 0
    END + CASE
      WHEN MIN(e.effective_group_id) <> MAX(e.effective_group_id)
      OR NOT COUNT(e.effective_group_id) IN (0, COUNT(*))
      THEN 64
      ELSE 0
    END + CASE
      WHEN FLOOR(EXTRACT(EPOCH FROM MIN(e.started_at)) / 86400) <> FLOOR(EXTRACT(EPOCH FROM MAX(e.started_at)) / 86400)
      THEN 128
      ELSE 0
    END + CASE
      WHEN FLOOR((
        FLOOR(EXTRACT(EPOCH FROM MIN(e.started_at)) / 86400) + 3
      ) / 7) <> FLOOR((
        FLOOR(EXTRACT(EPOCH FROM MAX(e.started_at)) / 86400) + 3
      ) / 7)
      THEN 256
      ELSE 0
    END + CASE WHEN MIN(e.started_at) <> MAX(e.started_at) THEN 512 ELSE 0 END AS varies
  FROM span_rows AS e
  WHERE
    NOT e.ended_at IS NULL
  GROUP BY
    e.key_of,
    e.key
) AS s
  ON s.key_of = a.key_of AND s.key = a.key
