-- How complete a summary of the interceptions started in [:since, :until) is: every row counted,
-- in flight or not, unattributed and ambiguous among the ended ones, and those older than the
-- retention window before the source's newest start not after :now (Coder may have deleted their
-- neighbours), and the source's future-dated rows (started after :now, in the range or not).
-- ambiguous counts both ambiguous methods (a name or a type several providers can have held);
-- decided_later the ended rows no provider of whose name or type existed when they started. Read
-- from the facts, which carry each row's attribution.
-- :since           timestamptz?  first started_at included (NULL: no lower bound)
-- :until           timestamptz?  first started_at excluded (NULL: no upper bound)
-- :retention_days  int = 60      Coder's retention, in days
SELECT
  CAST(COUNT(*) AS BIGINT) AS rows_total,
  CAST(COALESCE(SUM(CASE WHEN a.ended_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS in_flight,
  CAST(COALESCE(SUM(CASE WHEN a.ended_at IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT) AS summarised,
  CAST(COALESCE(SUM(CASE WHEN NOT a.ended_at IS NULL AND a.resolved_provider_id IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS unattributed,
  CAST(COALESCE(SUM(CASE WHEN NOT a.ended_at IS NULL AND a.method IN ('ambiguous_type', 'ambiguous_name') THEN 1 ELSE 0 END), 0) AS BIGINT) AS ambiguous,
  CAST(COALESCE(SUM(CASE WHEN NOT a.ended_at IS NULL AND POSITION('decided_by_current_providers' IN a.warnings) > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS decided_later,
  CAST(COALESCE(SUM(CASE WHEN a.started_at < nw.started_at - CAST(:retention_days AS INT) * INTERVAL '1 day' THEN 1 ELSE 0 END), 0) AS BIGINT) AS outside_retention,
  -- A subquery: the count holds for the whole source, also when the range holds no row.
  CAST((SELECT s.future_dated FROM newest_start AS s) AS BIGINT) AS future_dated
FROM facts AS a
CROSS JOIN newest_start AS nw
WHERE
  (CAST(:since AS TIMESTAMPTZ) IS NULL OR a.started_at >= CAST(:since AS TIMESTAMPTZ))
  AND (CAST(:until AS TIMESTAMPTZ) IS NULL OR a.started_at < CAST(:until AS TIMESTAMPTZ))
