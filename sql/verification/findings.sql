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
), per_row AS (
  -- The per-row faults in one pass over the verdicts (a query reads each mention of a relation
  -- anew): each fault's rows and the distinct values its examples list.
  SELECT
    CAST(SUM(CASE WHEN v.aborts_pass_2 THEN 1 ELSE 0 END) AS BIGINT) AS pass_2_outside_enum,
    STRING_AGG(
      DISTINCT CASE WHEN v.aborts_pass_2 THEN v.provider END,
      ',' ORDER BY CASE WHEN v.aborts_pass_2 THEN v.provider END
    ) AS pass_2_outside_enum_examples,
    CAST(
      SUM(CASE WHEN v.copilot_same_transaction AND NOT CAST(:has_provider_id AS BOOLEAN) THEN 1 ELSE 0 END) AS BIGINT
    ) AS copilot_same_transaction,
    CAST(SUM(CASE WHEN v.provider_outside_enum THEN 1 ELSE 0 END) AS BIGINT) AS provider_outside_enum,
    STRING_AGG(
      DISTINCT CASE WHEN v.provider_outside_enum THEN v.provider END,
      ',' ORDER BY CASE WHEN v.provider_outside_enum THEN v.provider END
    ) AS provider_outside_enum_examples,
    CAST(SUM(CASE WHEN v.backfill_misattributes THEN 1 ELSE 0 END) AS BIGINT) AS backfill_would_misattribute,
    STRING_AGG(
      DISTINCT CASE WHEN v.backfill_misattributes THEN v.provider_name END,
      ',' ORDER BY CASE WHEN v.backfill_misattributes THEN v.provider_name END
    ) AS backfill_would_misattribute_examples,
    CAST(SUM(CASE WHEN v.wire_family_ambiguous THEN 1 ELSE 0 END) AS BIGINT) AS wire_family_ambiguous,
    STRING_AGG(
      DISTINCT CASE WHEN v.wire_family_ambiguous THEN v.provider END,
      ',' ORDER BY CASE WHEN v.wire_family_ambiguous THEN v.provider END
    ) AS wire_family_ambiguous_examples,
    CAST(COUNT(*) AS BIGINT) AS interceptions,
    STRING_AGG(DISTINCT v.provider, ',' ORDER BY v.provider) AS interception_examples
  FROM backfill_verdicts AS v
), row_findings AS (
  -- The per-row findings, one row each, from the single pass (not a UNION of its mentions).
  SELECT
    k.position,
    CASE k.position
      WHEN 1 THEN 'pass_2_outside_enum'
      WHEN 2 THEN 'copilot_same_transaction'
      WHEN 3 THEN 'provider_outside_enum'
      WHEN 7 THEN 'backfill_would_misattribute'
      WHEN 8 THEN 'wire_family_ambiguous'
      ELSE 'no_ai_providers_table'
    END AS finding,
    CASE k.position
      WHEN 1 THEN 'error'
      WHEN 2 THEN
        CASE CAST(:enum_copilot AS TEXT) WHEN 'absent' THEN 'error' WHEN 'unknown' THEN 'undecided' ELSE 'info' END
      WHEN 9 THEN 'info'
      ELSE 'warning'
    END AS severity,
    CASE k.position
      WHEN 1 THEN r.pass_2_outside_enum
      WHEN 2 THEN r.copilot_same_transaction
      WHEN 3 THEN r.provider_outside_enum
      WHEN 7 THEN r.backfill_would_misattribute
      WHEN 8 THEN r.wire_family_ambiguous
      WHEN 9 THEN CASE WHEN src.has_providers THEN 0 ELSE r.interceptions END
    END AS affected,
    CASE k.position
      WHEN 1 THEN r.pass_2_outside_enum_examples
      WHEN 2 THEN CASE CAST(:enum_copilot AS TEXT)
        WHEN 'absent' THEN 'the enum lacks copilot: 000506 and 000507 would run in one transaction'
        WHEN 'unknown' THEN 'the source does not tell the enum labels'
        ELSE 'copilot is already an enum label (000506 ran in an earlier upgrade)'
      END
      WHEN 3 THEN r.provider_outside_enum_examples
      WHEN 7 THEN r.backfill_would_misattribute_examples
      WHEN 8 THEN r.wire_family_ambiguous_examples
      WHEN 9 THEN CASE WHEN NOT src.has_providers THEN r.interception_examples END
    END AS examples
  FROM per_row AS r
  CROSS JOIN source_facts AS src
  CROSS JOIN (VALUES (1), (2), (3), (7), (8), (9)) AS k(position)
), findings AS (
  SELECT
    f.position,
    f.finding,
    f.severity,
    f.affected,
    f.examples
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
