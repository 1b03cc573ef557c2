SELECT
  CAST(COUNT(a.present) AS BIGINT) AS rows_total,
  CAST(COUNT(*) FILTER(WHERE
    a.present AND a.ended_at IS NULL) AS BIGINT) AS in_flight,
  CAST(COUNT(a.ended_at) AS BIGINT) AS summarised,
  CAST(COUNT(*) FILTER(WHERE
    NOT a.ended_at IS NULL AND a.provider_key IS NULL) AS BIGINT) AS unattributed,
  CAST(COUNT(*) FILTER(WHERE
    NOT a.ended_at IS NULL AND a.method IN ('ambiguous_type', 'ambiguous_name')) AS BIGINT) AS ambiguous,
  CAST(COUNT(*) FILTER(WHERE
    NOT a.ended_at IS NULL
    AND POSITION('decided_by_current_providers' IN a.warnings) > 0) AS BIGINT) AS decided_later,
  CAST(COUNT(*) FILTER(WHERE
    a.started_at < nw.started_at - CAST(%(retention_days)s AS INT) * INTERVAL '1 DAY') AS BIGINT) AS outside_retention,
  CAST(MAX(nw.future_dated) AS BIGINT) AS future_dated
FROM newest_start AS nw
LEFT JOIN (
  SELECT
    TRUE AS present,
    r.started_at,
    r.ended_at,
    r.provider_key,
    r.method,
    r.warnings
  FROM facts AS r
  WHERE
    (
      CAST(%(since)s AS TIMESTAMPTZ) IS NULL
      OR r.started_at >= CAST(%(since)s AS TIMESTAMPTZ)
    )
    AND (
      CAST(%(until)s AS TIMESTAMPTZ) IS NULL
      OR r.started_at < CAST(%(until)s AS TIMESTAMPTZ)
    )
) AS a
  ON TRUE
