SELECT
  MIN(f.started_at) AS first_started,
  MAX(f.started_at) AS last_started
FROM facts AS f
