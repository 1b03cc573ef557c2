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
), findings AS (
  SELECT
    1 AS position,
    'pass_2_outside_enum' AS finding,
    'error' AS severity,
    CAST(COUNT(*) AS BIGINT) AS affected,
    STRING_AGG(DISTINCT b.provider, ',' ORDER BY b.provider) AS examples
  FROM backfill AS b
  WHERE
    b.aborts_pass_2
  UNION ALL
  SELECT
    2,
    'copilot_same_transaction',
    CASE CAST(:enum_copilot AS TEXT) WHEN 'absent' THEN 'error' WHEN 'unknown' THEN 'undecided' ELSE 'info' END,
    CAST(COUNT(*) AS BIGINT),
    CASE CAST(:enum_copilot AS TEXT)
      WHEN 'absent' THEN 'the enum lacks copilot: 000506 and 000507 would run in one transaction'
      WHEN 'unknown' THEN 'the source does not tell the enum labels'
      ELSE 'copilot is already an enum label (000506 ran in an earlier upgrade)'
    END
  FROM backfill AS b
  WHERE
    b.copilot_same_transaction
    AND NOT CAST(:has_provider_id AS BOOLEAN)
  UNION ALL
  SELECT
    3,
    'provider_outside_enum',
    'warning',
    CAST(COUNT(*) AS BIGINT),
    STRING_AGG(DISTINCT b.provider, ',' ORDER BY b.provider)
  FROM backfill AS b
  WHERE
    b.provider_outside_enum
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
  SELECT
    7,
    'backfill_would_misattribute',
    'warning',
    CAST(COUNT(*) AS BIGINT),
    STRING_AGG(DISTINCT b.provider_name, ',' ORDER BY b.provider_name)
  FROM backfill AS b
  WHERE
    b.misattributes AND b.provider_id IS NULL
  UNION ALL
  SELECT
    8,
    'wire_family_ambiguous',
    'warning',
    CAST(COUNT(*) AS BIGINT),
    STRING_AGG(DISTINCT a.provider, ',' ORDER BY a.provider)
  FROM attribution AS a
  WHERE
    a.wire_family_ambiguous
  UNION ALL
  SELECT
    9,
    'no_ai_providers_table',
    'info',
    CAST(COUNT(*) AS BIGINT),
    STRING_AGG(DISTINCT i.provider, ',' ORDER BY i.provider)
  FROM interceptions AS i
  CROSS JOIN source_facts AS src
  WHERE
    NOT src.has_providers
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
      DISTINCT CONCAT(a.provider_name, '>', COALESCE(a.resolved_provider_name, '(unattributed)')),
      ',' ORDER BY CONCAT(a.provider_name, '>', COALESCE(a.resolved_provider_name, '(unattributed)'))
    )
  FROM attribution AS a
  WHERE
    (a.resolved_provider_name IS NULL OR a.resolved_provider_name <> a.provider_name)
    AND EXISTS(
      SELECT
        1
      FROM token_usages AS t
      WHERE
        t.interception_id = a.interception_id AND NOT t.cost_micros IS NULL
    )
)
SELECT
  f.finding,
  f.severity,
  f.affected,
  f.examples
FROM findings AS f
ORDER BY f.position
