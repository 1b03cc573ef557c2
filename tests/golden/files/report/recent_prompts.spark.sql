SELECT
  r.resolved_provider_id,
  r.provider_name,
  r.model,
  r.client,
  r.created_at,
  r.prompt
FROM (
  SELECT
    CAST(a.resolved_provider_id AS STRING) AS resolved_provider_id,
    a.resolved_provider_name AS provider_name,
    i.model,
    COALESCE(i.client, 'Unknown') AS client,
    p.created_at,
    p.prompt,
    ROW_NUMBER() OVER (PARTITION BY a.resolved_provider_id ORDER BY p.created_at DESC, p.id DESC) AS rn
  FROM user_prompts AS p
  JOIN interceptions AS i
    ON i.id = p.interception_id
  JOIN attribution AS a
    ON a.interception_id = i.id
  WHERE
    (
      CAST(:since AS TIMESTAMP) IS NULL OR i.started_at >= CAST(:since AS TIMESTAMP)
    )
    AND (
      CAST(:until AS TIMESTAMP) IS NULL OR i.started_at < CAST(:until AS TIMESTAMP)
    )
) AS r
WHERE
  r.rn <= CAST(:per_provider AS INT)
ORDER BY
  r.provider_name NULLS LAST,
  r.resolved_provider_id NULLS LAST,
  r.created_at DESC
