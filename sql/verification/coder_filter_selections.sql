-- What Coder's provider filter and strict attribution select, per shape of ended interception:
-- the columns the predicate reads (provider, provider_name, provider_id) and the strict provider,
-- with the number of ended interceptions of that shape. One row per selection: a provider Coder's
-- filter selects the shape for (selector coder), and the provider strict attribution gives it
-- (selector strict). in_coder_sql: the SQL predicate alone (docs/provider-filter.md, no
-- uniqueness guard on the type fallback); in_coder_api: what the API returns, the predicate ANDed
-- with provider_name = P.name by the search parser; in_strict: strict attribution resolves the
-- shape to P; strict_agrees: its strict provider is P. Coder accepts only live providers; strict
-- attribution may resolve to a soft-deleted one. Shapes are few, so the lookups run on a handful
-- of rows; the predicate's three branches exclude each other, so a shape meets at most one.
-- relation: coder_filter_selections
WITH shapes AS (
  SELECT
    v.provider AS row_provider,
    v.provider_name AS row_provider_name,
    v.provider_id AS row_provider_id,
    v.resolved_provider_id AS strict_provider_id,
    COUNT(*) AS interceptions
  FROM backfill_verdicts AS v
  WHERE
    NOT v.ended_at IS NULL
  GROUP BY v.provider, v.provider_name, v.provider_id, v.resolved_provider_id
), live_providers AS (
  SELECT p.id, p.name, p.type FROM providers AS p WHERE NOT p.deleted
), selected AS (
  SELECT
    s.*,
    k.selector,
    CASE
      WHEN k.selector = 'strict' THEN s.strict_provider_id
      ELSE COALESCE(by_id.id, by_name.id, by_type.id)
    END AS provider_id,
    COALESCE(s.row_provider_name = COALESCE(by_id.name, by_name.name, by_type.name), FALSE) AS name_and
  FROM shapes AS s
  CROSS JOIN (VALUES ('coder'), ('strict')) AS k(selector)
  LEFT JOIN live_providers AS by_id
    ON k.selector = 'coder' AND by_id.id = s.row_provider_id
  LEFT JOIN live_providers AS by_name
    ON k.selector = 'coder'
    AND s.row_provider_id IS NULL
    AND by_name.name = s.row_provider_name
    AND by_name.name <> ''
  LEFT JOIN live_providers AS by_type
    ON k.selector = 'coder'
    AND s.row_provider_id IS NULL
    AND s.row_provider_name = ''
    AND by_type.type = s.row_provider
    AND by_type.type <> ''
)
SELECT
  s.row_provider,
  s.row_provider_name,
  s.row_provider_id,
  s.strict_provider_id,
  s.interceptions,
  s.provider_id,
  s.selector = 'coder' AND s.name_and AS in_coder_api,
  s.selector = 'coder' AS in_coder_sql,
  s.selector = 'strict' AS in_strict,
  COALESCE(s.provider_id = s.strict_provider_id, FALSE) AS strict_agrees
FROM selected AS s
WHERE
  NOT s.provider_id IS NULL
