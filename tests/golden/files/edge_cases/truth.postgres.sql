SELECT
  CAST(g.interception_id AS TEXT) AS interception_id,
  CAST(g.true_provider_id AS TEXT) AS true_provider_id,
  g.edge_case,
  g.expected_method
FROM main.demo_ground_truth AS g
