-- The first and last start among the facts, ended or not: where a range holds them all, no
-- session or thread crosses its ends (summaries.spans_inside). A warehouse's stored facts answer
-- it from their column statistics, without a scan.
SELECT
  MIN(f.started_at) AS first_started,
  MAX(f.started_at) AS last_started
FROM facts AS f
