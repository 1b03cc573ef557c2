-- How complete a summary of the interceptions started in [:since, :until) is: every row counted,
-- in flight or not, unattributed and ambiguous among the ended ones, and those older than the
-- retention window before the source's newest start not after :now (Coder may have deleted their
-- neighbours), and the source's future-dated rows (started after :now, in the range or not).
-- ambiguous counts both ambiguous methods (a name or a type several providers can have held);
-- decided_later the ended rows no provider of whose name or type existed when they started. Read
-- from the facts, which carry each row's attribution.
-- The facts of the range are joined to the one row of newest_start, so that it is computed once
-- and the query gives its one row also when the range holds none (then every count is 0).
-- :since           timestamptz?  first started_at included (NULL: no lower bound)
-- :until           timestamptz?  first started_at excluded (NULL: no upper bound)
-- :retention_days  int = 60      Coder's retention, in days
SELECT
  CAST(COUNT(a.present) AS BIGINT) AS rows_total,
  CAST(COUNT(*) FILTER (WHERE a.present AND a.ended_at IS NULL) AS BIGINT) AS in_flight,
  CAST(COUNT(a.ended_at) AS BIGINT) AS summarised,
  CAST(COUNT(*) FILTER (WHERE NOT a.ended_at IS NULL AND a.provider_key IS NULL) AS BIGINT) AS unattributed,
  CAST(COUNT(*) FILTER (WHERE NOT a.ended_at IS NULL AND a.method IN ('ambiguous_type', 'ambiguous_name')) AS BIGINT) AS ambiguous,
  CAST(COUNT(*) FILTER (WHERE NOT a.ended_at IS NULL AND POSITION('decided_by_current_providers' IN a.warnings) > 0) AS BIGINT) AS decided_later,
  CAST(COUNT(*) FILTER (WHERE a.started_at < nw.started_at - CAST(:retention_days AS INT) * INTERVAL '1 day') AS BIGINT) AS outside_retention,
  CAST(MAX(nw.future_dated) AS BIGINT) AS future_dated
FROM newest_start AS nw
LEFT JOIN (
  -- present: TRUE on every fact, NULL on the row the join adds when the range holds none.
  -- provider_key: NULL exactly where no provider is resolved, and narrower to read than the id.
  SELECT TRUE AS present, r.started_at, r.ended_at, r.provider_key, r.method, r.warnings
  FROM facts AS r
  WHERE
    (CAST(:since AS TIMESTAMPTZ) IS NULL OR r.started_at >= CAST(:since AS TIMESTAMPTZ))
    AND (CAST(:until AS TIMESTAMPTZ) IS NULL OR r.started_at < CAST(:until AS TIMESTAMPTZ))
) AS a
  ON TRUE
