SELECT
  CAST(g.interception_id AS TEXT) AS interception_id,
  CAST(g.true_provider_id AS TEXT) AS true_provider_id
FROM main.demo_ground_truth AS g
JOIN interceptions AS i
  ON i.id = g.interception_id
WHERE
  NOT i.ended_at IS NULL
