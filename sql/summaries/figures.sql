-- A summary's interception figures per group (summary_keyed): the count, distinct initiators,
-- sessions and threads, and duration percentiles in ms (linear interpolation, one aggregate for
-- all four). Written grouped by every key; rendering keeps the keys asked for (`summary --by`).
-- provider_name follows from resolved_provider_id: carried (MAX), not grouped by, so that the hash
-- tables hold narrow keys. provider_type is grouped by: it splits the unattributed group of a
-- Coder without ai_providers per wire format (method wire_type) and follows from the id elsewhere. The child-table sums are
-- a query of their own (summaries/child_sums.sql): run apart, the two never hold their hash
-- tables at the same time (on ten million rows, one query spilled to disk under a 1.5 GB cap
-- where the two ran in 1 GB, faster).
-- keys: resolved_provider_id, provider_name, provider_type, model, client, initiator_id, day, week, method
SELECT
  f.resolved_provider_id,
  f.provider_name,
  f.provider_type,
  f.model,
  f.client,
  f.initiator_id,
  f.day,
  f.week,
  f.method,
  f.interceptions,
  f.initiators,
  f.sessions,
  f.threads,
  -- Rounded to the microsecond, so both engines give the same figures.
  CAST(ROUND(CAST(f.durations_ms[1] AS DECIMAL(18, 3)), 3) AS DOUBLE) AS duration_p50_ms,
  CAST(ROUND(CAST(f.durations_ms[2] AS DECIMAL(18, 3)), 3) AS DOUBLE) AS duration_p90_ms,
  CAST(ROUND(CAST(f.durations_ms[3] AS DECIMAL(18, 3)), 3) AS DOUBLE) AS duration_p95_ms,
  CAST(ROUND(CAST(f.durations_ms[4] AS DECIMAL(18, 3)), 3) AS DOUBLE) AS duration_p99_ms
FROM (
  SELECT
    k.resolved_provider_id,
    MAX(k.provider_name) AS provider_name,
    k.provider_type,
    k.model,
    k.client,
    k.initiator_id,
    k.day,
    k.week,
    k.method,
    COUNT(*) AS interceptions,
    COUNT(DISTINCT k.initiator_key) AS initiators,
    COUNT(DISTINCT k.session_key) AS sessions,
    COUNT(DISTINCT k.thread_key) AS threads,
    PERCENTILE_CONT(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY k.duration_ms) AS durations_ms
  FROM summary_keyed AS k
  GROUP BY k.resolved_provider_id, k.provider_type, k.model, k.client, k.initiator_id, k.day, k.week, k.method
) AS f
