WITH live_providers AS (
  SELECT
    p.id,
    p.name,
    p.type
  FROM providers AS p
  WHERE
    NOT p.deleted
), ended AS (
  SELECT
    i.id,
    i.provider,
    i.provider_name,
    i.provider_id
  FROM interceptions AS i
  WHERE
    NOT i.ended_at IS NULL
), predicate AS (
  SELECT
    e.id AS interception_id,
    l.id AS provider_id,
    e.provider_name = l.name AS name_and
  FROM ended AS e
  JOIN live_providers AS l
    ON l.id = e.provider_id
  UNION ALL
  SELECT
    e.id,
    l.id,
    TRUE
  FROM ended AS e
  JOIN live_providers AS l
    ON l.name = e.provider_name AND l.name <> ''
  WHERE
    e.provider_id IS NULL
  UNION ALL
  SELECT
    e.id,
    l.id,
    e.provider_name = l.name
  FROM ended AS e
  JOIN live_providers AS l
    ON l.type = e.provider AND l.type <> ''
  WHERE
    e.provider_id IS NULL AND e.provider_name = ''
), strict AS (
  SELECT
    v.interception_id,
    v.resolved_provider_id AS provider_id
  FROM backfill_verdicts AS v
  WHERE
    NOT v.ended_at IS NULL AND NOT v.resolved_provider_id IS NULL
)
SELECT
  COALESCE(c.interception_id, s.interception_id) AS interception_id,
  COALESCE(c.provider_id, s.provider_id) AS provider_id,
  COALESCE(c.name_and, FALSE) AS in_coder_api,
  NOT c.interception_id IS NULL AS in_coder_sql,
  NOT s.interception_id IS NULL AS in_strict
FROM predicate AS c
FULL OUTER JOIN strict AS s
  ON s.interception_id = c.interception_id AND s.provider_id = c.provider_id
