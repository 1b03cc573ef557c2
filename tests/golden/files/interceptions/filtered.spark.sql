SELECT
  i.*
FROM interceptions AS i
WHERE
  NOT i.ended_at IS NULL
  AND (
    CAST(:initiator_id AS STRING) IS NULL
    OR i.initiator_id = CAST(:initiator_id AS STRING)
  )
  AND (
    CAST(:started_after AS TIMESTAMP) IS NULL
    OR i.started_at >= CAST(:started_after AS TIMESTAMP)
  )
  AND (
    CAST(:started_before AS TIMESTAMP) IS NULL
    OR i.started_at <= CAST(:started_before AS TIMESTAMP)
  )
  AND (
    CAST(:provider_name AS STRING) IS NULL
    OR i.provider_name = CAST(:provider_name AS STRING)
  )
  AND (
    CAST(:model AS STRING) IS NULL OR i.model = CAST(:model AS STRING)
  )
  AND (
    CAST(:client AS STRING) IS NULL
    OR COALESCE(i.client, 'Unknown') = CAST(:client AS STRING)
  )
  AND (
    CAST(:session_id AS STRING) IS NULL OR i.session_id = CAST(:session_id AS STRING)
  )
