SELECT
  i.*
FROM interceptions AS i
WHERE
  NOT i.ended_at IS NULL
  AND (
    CAST(%(initiator_id)s AS UUID) IS NULL
    OR i.initiator_id = CAST(%(initiator_id)s AS UUID)
  )
  AND (
    CAST(%(started_after)s AS TIMESTAMPTZ) IS NULL
    OR i.started_at >= CAST(%(started_after)s AS TIMESTAMPTZ)
  )
  AND (
    CAST(%(started_before)s AS TIMESTAMPTZ) IS NULL
    OR i.started_at <= CAST(%(started_before)s AS TIMESTAMPTZ)
  )
  AND (
    CAST(%(provider_name)s AS TEXT) IS NULL
    OR i.provider_name = CAST(%(provider_name)s AS TEXT)
  )
  AND (
    CAST(%(model)s AS TEXT) IS NULL OR i.model = CAST(%(model)s AS TEXT)
  )
  AND (
    CAST(%(client)s AS TEXT) IS NULL
    OR COALESCE(i.client, 'Unknown') = CAST(%(client)s AS TEXT)
  )
  AND (
    CAST(%(session_id)s AS TEXT) IS NULL
    OR i.session_id = CAST(%(session_id)s AS TEXT)
  )
