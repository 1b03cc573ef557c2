-- Faults of the migration and of the snapshot, reported instead of aborting: one row per kind
-- with its severity, the number of affected rows (or providers) and a few example values.
-- copilot_same_transaction depends on the source's ai_provider_type enum: an error only when its
-- labels are known to lack copilot (migration 000506 would run in the same transaction as 000507),
-- undecided when they are unknown (a Parquet directory, an export), moot once 000507 has run.
-- :has_provider_id  bool  whether the source has the provider_id column (000507 ran)
-- :enum_copilot     text  present | absent | unknown: copilot among the source's enum labels
WITH outside_enum_types AS (
  SELECT p.id, p.name, p.type
  FROM providers AS p
  LEFT JOIN wire_formats AS w
    ON w.type = p.type
  WHERE
    w.type IS NULL AND NOT p.type IS NULL
), duplicate_names AS (
  SELECT p.name FROM providers AS p WHERE NOT p.deleted GROUP BY p.name HAVING COUNT(*) > 1
), per_shape AS (
  -- One pass over the verdicts, grouped by what the per-row findings read (a query reads each
  -- mention of a relation anew): a few shapes, whatever the number of rows.
  SELECT
    v.provider,
    v.provider_name,
    v.aborts_pass_2,
    v.copilot_same_transaction,
    v.provider_outside_enum,
    v.backfill_misattributes,
    v.wire_family_ambiguous,
    COUNT(*) AS interceptions
  FROM backfill_verdicts AS v
  GROUP BY
    v.provider,
    v.provider_name,
    v.aborts_pass_2,
    v.copilot_same_transaction,
    v.provider_outside_enum,
    v.backfill_misattributes,
    v.wire_family_ambiguous
), shown AS (
  -- Each shape once per per-row finding: whether it shows that finding, and the value its
  -- examples list.
  SELECT
    k.position,
    CASE k.position
      WHEN 1 THEN r.aborts_pass_2
      WHEN 2 THEN r.copilot_same_transaction AND NOT CAST(:has_provider_id AS BOOLEAN)
      WHEN 3 THEN r.provider_outside_enum
      WHEN 7 THEN r.backfill_misattributes
      WHEN 8 THEN r.wire_family_ambiguous
      ELSE NOT src.has_providers
    END AS shows,
    CASE k.position WHEN 7 THEN r.provider_name ELSE r.provider END AS example,
    r.interceptions
  FROM per_shape AS r
  CROSS JOIN source_facts AS src
  CROSS JOIN (VALUES (1), (2), (3), (7), (8), (9)) AS k(position)
), row_findings AS (
  -- One distinct aggregate per grouping (Spark cannot rewrite several distinct list aggregates
  -- over different values in one).
  SELECT
    f.position,
    CAST(SUM(CASE WHEN f.shows THEN f.interceptions ELSE 0 END) AS BIGINT) AS affected,
    STRING_AGG(DISTINCT CASE WHEN f.shows THEN f.example END, ',' ORDER BY CASE WHEN f.shows THEN f.example END)
      AS examples
  FROM shown AS f
  GROUP BY f.position
), findings AS (
  SELECT
    f.position,
    CASE f.position
      WHEN 1 THEN 'pass_2_outside_enum'
      WHEN 2 THEN 'copilot_same_transaction'
      WHEN 3 THEN 'provider_outside_enum'
      WHEN 7 THEN 'backfill_would_misattribute'
      WHEN 8 THEN 'wire_family_ambiguous'
      ELSE 'no_ai_providers_table'
    END AS finding,
    CASE f.position
      WHEN 1 THEN 'error'
      WHEN 2 THEN
        CASE CAST(:enum_copilot AS TEXT) WHEN 'absent' THEN 'error' WHEN 'unknown' THEN 'undecided' ELSE 'info' END
      WHEN 9 THEN 'info'
      ELSE 'warning'
    END AS severity,
    f.affected,
    CASE f.position
      WHEN 2 THEN
        CASE CAST(:enum_copilot AS TEXT)
          WHEN 'absent' THEN 'the enum lacks copilot: 000506 and 000507 would run in one transaction'
          WHEN 'unknown' THEN 'the source does not tell the enum labels'
          ELSE 'copilot is already an enum label (000506 ran in an earlier upgrade)'
        END
      ELSE f.examples
    END AS examples
  FROM row_findings AS f
  UNION ALL
  SELECT
    4,
    'duplicate_live_names',
    'error',
    CAST(COUNT(*) AS BIGINT),
    STRING_AGG(DISTINCT d.name, ',' ORDER BY d.name)
  FROM duplicate_names AS d
  UNION ALL
  SELECT
    5,
    'null_provider_types',
    'error',
    CAST(COUNT(*) AS BIGINT),
    STRING_AGG(DISTINCT p.name, ',' ORDER BY p.name)
  FROM providers AS p
  WHERE
    p.type IS NULL
  UNION ALL
  SELECT
    6,
    'unknown_provider_types',
    'error',
    CAST(COUNT(*) AS BIGINT),
    STRING_AGG(DISTINCT o.type, ',' ORDER BY o.type)
  FROM outside_enum_types AS o
  UNION ALL
  -- Spend: interceptions with a recorded cost whose price Coder resolved under their provider_name
  -- while strict attribution gives them another provider instance (or none), so that the cost a
  -- provider is charged here differs from where Coder priced it. Examples: name>resolved name.
  SELECT
    10,
    'priced_under_another_name',
    'warning',
    CAST(COUNT(*) AS BIGINT),
    STRING_AGG(
      DISTINCT CONCAT(v.provider_name, '>', COALESCE(v.resolved_provider_name, '(unattributed)')),
      ',' ORDER BY CONCAT(v.provider_name, '>', COALESCE(v.resolved_provider_name, '(unattributed)'))
    )
  FROM backfill_verdicts AS v
  WHERE
    (v.resolved_provider_name IS NULL OR v.resolved_provider_name <> v.provider_name)
    AND EXISTS(
      SELECT
        1
      FROM token_usages AS t
      WHERE
        t.interception_id = v.interception_id AND NOT t.cost_micros IS NULL
    )
)
SELECT
  f.finding,
  f.severity,
  f.affected,
  f.examples
FROM findings AS f
ORDER BY f.position
