SELECT
  i.*
FROM interceptions AS i
WHERE
  NOT i.ended_at IS NULL
  AND (
    CAST($initiator_id AS UUID) IS NULL
    OR i.initiator_id = CAST($initiator_id AS UUID)
  )
  AND (
    CAST($started_after AS TIMESTAMPTZ) IS NULL
    OR i.started_at >= CAST($started_after AS TIMESTAMPTZ)
  )
  AND (
    CAST($started_before AS TIMESTAMPTZ) IS NULL
    OR i.started_at <= CAST($started_before AS TIMESTAMPTZ)
  )
  AND (
    CAST($provider_name AS TEXT) IS NULL
    OR i.provider_name = CAST($provider_name AS TEXT)
  )
  AND (
    CAST($model AS TEXT) IS NULL OR i.model = CAST($model AS TEXT)
  )
  AND (
    CAST($client AS TEXT) IS NULL
    OR COALESCE(i.client, 'Unknown') = CAST($client AS TEXT)
  )
  AND (
    CAST($session_id AS TEXT) IS NULL OR i.session_id = CAST($session_id AS TEXT)
  )
