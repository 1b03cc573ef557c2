-- One row per ended interception started in [:since, :until), with every key a summary can group
-- by and what its figures count: the relation every grouped figure reads (summaries/figures.sql,
-- summaries/child_sums.sql, report/sessions.sql). Sessions are distinct (session_id,
-- initiator_id), hence session_key; threads are distinct COALESCE(thread_root_id, id); day and
-- week are dates in :tz (weeks start on Monday).
-- relation: summary_keyed
-- :since  timestamptz?  first started_at included (NULL: no lower bound)
-- :until  timestamptz?  first started_at excluded (NULL: no upper bound)
-- :tz     text = UTC    the IANA zone of the day and week keys
SELECT
  a.interception_id AS interception_key,
  a.resolved_provider_id,
  a.resolved_provider_name AS provider_name,
  a.resolved_provider_type AS provider_type,
  a.model,
  COALESCE(a.client, 'Unknown') AS client,
  a.initiator_id,
  CAST(a.started_at AT TIME ZONE CAST(:tz AS TEXT) AS DATE) AS day,
  CAST(DATE_TRUNC('week', a.started_at AT TIME ZONE CAST(:tz AS TEXT)) AS DATE) AS week,
  a.method,
  a.initiator_id AS initiator_key,
  CONCAT(a.session_id, ' ', CAST(a.initiator_id AS TEXT)) AS session_key,
  COALESCE(a.thread_root_id, a.interception_id) AS thread_key,
  a.started_at,
  -- Two epochs rather than the epoch of an interval (several times faster in DuckDB); rounded
  -- to the whole microseconds the timestamps hold, so both engines see the same exact durations
  -- (DuckDB's double epochs err by well under half a microsecond; PostgreSQL's are exact).
  CAST(ROUND((EXTRACT(EPOCH FROM a.ended_at) - EXTRACT(EPOCH FROM a.started_at)) * 1000000) AS BIGINT) AS duration_us
FROM attribution AS a
WHERE
  NOT a.ended_at IS NULL
  AND (CAST(:since AS TIMESTAMPTZ) IS NULL OR a.started_at >= CAST(:since AS TIMESTAMPTZ))
  AND (CAST(:until AS TIMESTAMPTZ) IS NULL OR a.started_at < CAST(:until AS TIMESTAMPTZ))
