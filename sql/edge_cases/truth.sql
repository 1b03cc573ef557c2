-- A demo warehouse's ground truth for every interception, in-flight rows included: the provider
-- that truly served it (NULL: none of the snapshot's providers), its edge-case label and the
-- strict method the generator expects. Run only where verification/demo_truth_present finds the table.
SELECT
  CAST(g.interception_id AS VARCHAR) AS interception_id,
  CAST(g.true_provider_id AS VARCHAR) AS true_provider_id,
  g.edge_case,
  g.expected_method
FROM main.demo_ground_truth AS g
