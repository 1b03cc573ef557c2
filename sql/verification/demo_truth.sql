-- The provider that truly served each ended interception, from a demo warehouse's ground truth
-- (NULL: none of the snapshot's providers); run only where verification/demo_truth_present finds it.
SELECT
  CAST(g.interception_id AS VARCHAR) AS interception_id,
  CAST(g.true_provider_id AS VARCHAR) AS true_provider_id
FROM main.demo_ground_truth AS g
JOIN interceptions AS i
  ON i.id = g.interception_id
WHERE
  NOT i.ended_at IS NULL
