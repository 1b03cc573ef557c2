SELECT
  a.interception_id AS interception_key,
  a.resolved_provider_id,
  a.resolved_provider_name AS provider_name,
  a.resolved_provider_type AS provider_type,
  a.model,
  COALESCE(a.client, 'Unknown') AS client,
  a.initiator_id,
  CAST(a.started_at AT TIME ZONE CAST($tz AS TEXT) AS DATE) AS day,
  CAST(DATE_TRUNC('WEEK', a.started_at AT TIME ZONE CAST($tz AS TEXT)) AS DATE) AS week,
  a.method,
  a.initiator_id AS initiator_key,
  CONCAT(a.session_id, ' ', CAST(a.initiator_id AS TEXT)) AS session_key,
  COALESCE(a.thread_root_id, a.interception_id) AS thread_key,
  a.started_at,
  CAST(ROUND(
    (
      EXTRACT(EPOCH FROM a.ended_at) - EXTRACT(EPOCH FROM a.started_at)
    ) * 1000000
  ) AS BIGINT) AS duration_us
FROM attribution AS a
WHERE
  NOT a.ended_at IS NULL
  AND (
    CAST($since AS TIMESTAMPTZ) IS NULL
    OR a.started_at >= CAST($since AS TIMESTAMPTZ)
  )
  AND (
    CAST($until AS TIMESTAMPTZ) IS NULL OR a.started_at < CAST($until AS TIMESTAMPTZ)
  )
