WITH outside_enum_types AS (
  SELECT
    p.id,
    p.name,
    p.type
  FROM providers AS p
  LEFT JOIN wire_formats AS w
    ON w.type = p.type
  WHERE
    w.type IS NULL AND NOT p.type IS NULL
), duplicate_names AS (
  SELECT
    p.name
  FROM providers AS p
  WHERE
    NOT p.deleted
  GROUP BY
    p.name
  HAVING
    COUNT(*) > 1
), findings AS (
  SELECT
    1 AS position,
    'pass_2_outside_enum' AS finding,
    'error' AS severity,
    CAST(COUNT(*) AS BIGINT) AS affected,
    LISTAGG(DISTINCT b.provider, ',') WITHIN GROUP (ORDER BY
      b.provider NULLS LAST) AS examples
  FROM backfill AS b
  WHERE
    b.aborts_pass_2
  UNION ALL
  SELECT
    2,
    'copilot_same_transaction',
    CASE CAST(:enum_copilot AS STRING)
      WHEN 'absent'
      THEN 'error'
      WHEN 'unknown'
      THEN 'undecided'
      ELSE 'info'
    END,
    CAST(COUNT(*) AS BIGINT),
    CASE CAST(:enum_copilot AS STRING)
      WHEN 'absent'
      THEN 'the enum lacks copilot: 000506 and 000507 would run in one transaction'
      WHEN 'unknown'
      THEN 'the source does not tell the enum labels'
      ELSE 'copilot is already an enum label (000506 ran in an earlier upgrade)'
    END
  FROM backfill AS b
  WHERE
    b.copilot_same_transaction AND NOT CAST(:has_provider_id AS BOOLEAN)
  UNION ALL
  SELECT
    3,
    'provider_outside_enum',
    'warning',
    CAST(COUNT(*) AS BIGINT),
    LISTAGG(DISTINCT b.provider, ',') WITHIN GROUP (ORDER BY
      b.provider NULLS LAST)
  FROM backfill AS b
  WHERE
    b.provider_outside_enum
  UNION ALL
  SELECT
    4,
    'duplicate_live_names',
    'error',
    CAST(COUNT(*) AS BIGINT),
    LISTAGG(DISTINCT d.name, ',') WITHIN GROUP (ORDER BY
      d.name NULLS LAST)
  FROM duplicate_names AS d
  UNION ALL
  SELECT
    5,
    'null_provider_types',
    'error',
    CAST(COUNT(*) AS BIGINT),
    LISTAGG(DISTINCT p.name, ',') WITHIN GROUP (ORDER BY
      p.name NULLS LAST)
  FROM providers AS p
  WHERE
    p.type IS NULL
  UNION ALL
  SELECT
    6,
    'unknown_provider_types',
    'error',
    CAST(COUNT(*) AS BIGINT),
    LISTAGG(DISTINCT o.type, ',') WITHIN GROUP (ORDER BY
      o.type NULLS LAST)
  FROM outside_enum_types AS o
  UNION ALL
  SELECT
    7,
    'backfill_would_misattribute',
    'warning',
    CAST(COUNT(*) AS BIGINT),
    LISTAGG(DISTINCT b.provider_name, ',') WITHIN GROUP (ORDER BY
      b.provider_name NULLS LAST)
  FROM backfill AS b
  WHERE
    b.misattributes AND b.provider_id IS NULL
  UNION ALL
  SELECT
    8,
    'wire_family_ambiguous',
    'warning',
    CAST(COUNT(*) AS BIGINT),
    LISTAGG(DISTINCT a.provider, ',') WITHIN GROUP (ORDER BY
      a.provider NULLS LAST)
  FROM attribution AS a
  WHERE
    a.wire_family_ambiguous
  UNION ALL
  SELECT
    9,
    'no_ai_providers_table',
    'info',
    CAST(COUNT(*) AS BIGINT),
    LISTAGG(DISTINCT i.provider, ',') WITHIN GROUP (ORDER BY
      i.provider NULLS LAST)
  FROM interceptions AS i
  CROSS JOIN source_facts AS src
  WHERE
    NOT src.has_providers
  UNION ALL
  SELECT
    10,
    'priced_under_another_name',
    'warning',
    CAST(COUNT(*) AS BIGINT),
    LISTAGG(
      
        DISTINCT CONCAT(
          COALESCE(a.provider_name, ''),
          '>',
          COALESCE(COALESCE(a.resolved_provider_name, '(unattributed)'), '')
        ),
        ','
      
    ) WITHIN GROUP (ORDER BY
      CONCAT(
        COALESCE(a.provider_name, ''),
        '>',
        COALESCE(COALESCE(a.resolved_provider_name, '(unattributed)'), '')
      ) NULLS LAST)
  FROM attribution AS a
  WHERE
    (
      a.resolved_provider_name IS NULL OR a.resolved_provider_name <> a.provider_name
    )
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
ORDER BY
  f.position NULLS LAST
