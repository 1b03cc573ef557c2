SELECT
  p.id,
  p.initiator_id,
  u.username AS initiator_username,
  u.name AS initiator_name,
  p.provider,
  p.provider_name,
  p.provider_id,
  p.model,
  p.client,
  p.session_id,
  p.thread_root_id,
  p.api_key_id,
  p.started_at,
  p.ended_at
FROM (
  SELECT
    m.id,
    m.initiator_id,
    m.provider,
    m.provider_name,
    m.provider_id,
    m.model,
    COALESCE(m.client, 'Unknown') AS client,
    m.session_id,
    m.thread_root_id,
    m.api_key_id,
    m.started_at,
    m.ended_at
  FROM matched AS m
  WHERE
    CAST(:after_id AS STRING) IS NULL
    OR m.started_at < (
      SELECT
        c.started_at
      FROM interceptions AS c
      WHERE
        c.id = CAST(:after_id AS STRING)
    )
    OR (
      m.started_at = (
        SELECT
          c.started_at
        FROM interceptions AS c
        WHERE
          c.id = CAST(:after_id AS STRING)
      )
      AND m.id < CAST(:after_id AS STRING)
    )
  ORDER BY
    m.started_at DESC,
    m.id DESC
  LIMIT CAST(:limit AS INT)
) AS p
LEFT JOIN user_names AS u
  ON u.user_id = p.initiator_id
ORDER BY
  p.started_at DESC,
  p.id DESC
