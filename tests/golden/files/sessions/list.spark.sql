SELECT
  s.session_id,
  s.initiator_id,
  u.username AS initiator_username,
  u.name AS initiator_name,
  s.interceptions,
  s.provider_names,
  s.models,
  s.started_at,
  s.last_ended_at
FROM (
  SELECT
    m.session_id,
    m.initiator_id,
    CAST(COUNT(*) AS BIGINT) AS interceptions,
    CAST(COUNT(DISTINCT m.provider_name) AS BIGINT) AS provider_names,
    CAST(COUNT(DISTINCT m.model) AS BIGINT) AS models,
    MIN(m.started_at) AS started_at,
    MAX(m.ended_at) AS last_ended_at
  FROM matched AS m
  GROUP BY
    m.session_id,
    m.initiator_id
  ORDER BY
    MIN(m.started_at) DESC,
    m.session_id DESC,
    m.initiator_id DESC
  LIMIT CAST(:limit AS INT)
) AS s
LEFT JOIN user_names AS u
  ON u.user_id = s.initiator_id
ORDER BY
  s.started_at DESC,
  s.session_id DESC,
  s.initiator_id DESC
