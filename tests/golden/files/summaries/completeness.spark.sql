SELECT
  CAST(COUNT(*) AS BIGINT) AS rows_total,
  CAST(COALESCE(SUM(CASE WHEN a.ended_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS in_flight,
  CAST(COALESCE(SUM(CASE WHEN a.ended_at IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT) AS summarised,
  CAST(COALESCE(
    SUM(
      CASE
        WHEN NOT a.ended_at IS NULL AND a.resolved_provider_id IS NULL
        THEN 1
        ELSE 0
      END
    ),
    0
  ) AS BIGINT) AS unattributed,
  CAST(COALESCE(
    SUM(
      CASE
        WHEN NOT a.ended_at IS NULL AND a.method IN ('ambiguous_type', 'ambiguous_name')
        THEN 1
        ELSE 0
      END
    ),
    0
  ) AS BIGINT) AS ambiguous,
  CAST(COALESCE(
    SUM(
      CASE
        WHEN NOT a.ended_at IS NULL AND LOCATE('decided_by_current_providers', a.warnings) > 0
        THEN 1
        ELSE 0
      END
    ),
    0
  ) AS BIGINT) AS decided_later,
  CAST(COALESCE(
    SUM(
      CASE
        WHEN a.started_at < nw.started_at - CAST(:retention_days AS INT) * INTERVAL '1' DAY
        THEN 1
        ELSE 0
      END
    ),
    0
  ) AS BIGINT) AS outside_retention,
  CAST((
    SELECT
      s.future_dated
    FROM newest_start AS s
  ) AS BIGINT) AS future_dated
FROM facts AS a
CROSS JOIN newest_start AS nw
WHERE
  (
    CAST(:since AS TIMESTAMP) IS NULL OR a.started_at >= CAST(:since AS TIMESTAMP)
  )
  AND (
    CAST(:until AS TIMESTAMP) IS NULL OR a.started_at < CAST(:until AS TIMESTAMP)
  )
