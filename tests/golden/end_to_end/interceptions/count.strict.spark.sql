-- interceptions/count: The number of matching interceptions.
WITH interceptions AS (
  SELECT
    CAST(id AS STRING) AS id,
    CAST(initiator_id AS STRING) AS initiator_id,
    CAST(provider AS STRING) AS provider,
    CAST(provider_name AS STRING) AS provider_name,
    CAST(provider_id AS STRING) AS provider_id,
    CAST(model AS STRING) AS model,
    CAST(started_at AS TIMESTAMP) AS started_at,
    CAST(ended_at AS TIMESTAMP) AS ended_at,
    CAST(metadata AS STRING) AS metadata,
    CAST(api_key_id AS STRING) AS api_key_id,
    CAST(client AS STRING) AS client,
    CAST(thread_parent_id AS STRING) AS thread_parent_id,
    CAST(thread_root_id AS STRING) AS thread_root_id,
    CAST(client_session_id AS STRING) AS client_session_id,
    CAST(credential_kind AS STRING) AS credential_kind,
    CAST(credential_hint AS STRING) AS credential_hint,
    COALESCE(
      CAST(client_session_id AS STRING),
      CAST(thread_root_id AS STRING),
      CAST(id AS STRING)
    ) AS session_id
  FROM aibridge_interceptions
), providers AS (
  SELECT
    CAST(id AS STRING) AS id,
    CAST(type AS STRING) AS type,
    CAST(name AS STRING) AS name,
    CAST(display_name AS STRING) AS display_name,
    CAST(enabled AS BOOLEAN) AS enabled,
    CAST(deleted AS BOOLEAN) AS deleted,
    CAST(base_url AS STRING) AS base_url,
    CAST(settings AS STRING) AS settings,
    CAST(created_at AS TIMESTAMP) AS created_at,
    CAST(updated_at AS TIMESTAMP) AS updated_at
  FROM ai_providers
), filtered_interceptions AS (
  SELECT
    i.*
  FROM interceptions AS i
  WHERE
    NOT i.ended_at IS NULL
    AND (
      CAST(:initiator_id AS STRING) IS NULL
      OR i.initiator_id = CAST(:initiator_id AS STRING)
    )
    AND (
      CAST(:started_after AS TIMESTAMP) IS NULL
      OR i.started_at >= CAST(:started_after AS TIMESTAMP)
    )
    AND (
      CAST(:started_before AS TIMESTAMP) IS NULL
      OR i.started_at <= CAST(:started_before AS TIMESTAMP)
    )
    AND (
      CAST(:provider_name AS STRING) IS NULL
      OR i.provider_name = CAST(:provider_name AS STRING)
    )
    AND (
      CAST(:model AS STRING) IS NULL OR i.model = CAST(:model AS STRING)
    )
    AND (
      CAST(:client AS STRING) IS NULL
      OR COALESCE(i.client, 'Unknown') = CAST(:client AS STRING)
    )
    AND (
      CAST(:session_id AS STRING) IS NULL OR i.session_id = CAST(:session_id AS STRING)
    )
), members AS (
  SELECT
    TRUE AS named,
    p.name AS word,
    p.id,
    p.created_at,
    CASE WHEN p.deleted THEN p.updated_at END AS gone_by
  FROM providers AS p
  UNION ALL
  SELECT
    FALSE,
    p.type,
    p.id,
    p.created_at,
    CASE WHEN p.deleted THEN p.updated_at END
  FROM providers AS p
  WHERE
    NOT p.type IS NULL
), upgrade AS (
  SELECT
    MIN(p.created_at) + INTERVAL '1' HOUR AS settled
  FROM providers AS p
), bounds AS (
  SELECT
    m.named,
    m.word,
    m.created_at AS lo
  FROM members AS m
  UNION
  SELECT
    m.named,
    m.word,
    m.gone_by
  FROM members AS m
  WHERE
    NOT m.gone_by IS NULL
  UNION
  SELECT
    m.named,
    m.word,
    u.settled
  FROM members AS m
  CROSS JOIN upgrade AS u
  UNION
  SELECT
    m.named,
    m.word,
    CAST(NULL AS TIMESTAMP)
  FROM members AS m
), segments AS (
  SELECT
    b.named,
    b.word,
    b.lo,
    LEAD(b.lo) OVER (PARTITION BY b.named, b.word ORDER BY b.lo) AS hi
  FROM bounds AS b
), judged AS (
  SELECT
    g.named,
    g.word,
    g.lo,
    g.hi,
    m.id,
    m.gone_by IS NULL OR g.lo IS NULL OR g.lo < m.gone_by AS alive,
    m.created_at <= CASE WHEN g.lo IS NULL OR g.lo < u.settled THEN u.settled ELSE g.lo END AS existed
  FROM segments AS g
  JOIN members AS m
    ON m.named = g.named AND m.word = g.word
  CROSS JOIN upgrade AS u
), counted AS (
  SELECT
    j.named,
    j.word,
    j.lo,
    j.hi,
    j.id,
    j.alive,
    j.existed,
    SUM(CASE WHEN j.alive AND j.existed THEN 1 ELSE 0 END) OVER (PARTITION BY j.named, j.word, j.lo) AS n_existing
  FROM judged AS j
), provider_timeline AS (
  SELECT
    c.named,
    c.word,
    COALESCE(c.lo, CAST('0001-01-01 00:00:00+00' AS TIMESTAMP)) AS lo,
    COALESCE(c.hi, CAST('9999-12-31 00:00:00+00' AS TIMESTAMP)) AS hi,
    SUM(CASE WHEN c.alive AND (
      c.existed OR c.n_existing = 0
    ) THEN 1 ELSE 0 END) AS n,
    CAST(CASE
      WHEN SUM(CASE WHEN c.alive AND (
        c.existed OR c.n_existing = 0
      ) THEN 1 ELSE 0 END) = 1
      THEN MAX(
        CASE
          WHEN c.alive AND (
            c.existed OR c.n_existing = 0
          )
          THEN CAST(c.id AS STRING)
        END
      )
    END AS STRING) AS id,
    MAX(c.n_existing) = 0 AS none_existed
  FROM counted AS c
  GROUP BY
    c.named,
    c.word,
    c.lo,
    c.hi
), matched AS (
  SELECT
    f.*
  FROM filtered_interceptions AS f
  LEFT JOIN provider_timeline AS s
    ON s.id = CAST(:provider_id AS STRING)
    AND s.named = (
      f.provider_name <> ''
    )
    AND s.word = CASE WHEN f.provider_name <> '' THEN f.provider_name ELSE f.provider END
    AND f.started_at >= s.lo
    AND f.started_at < s.hi
  WHERE
    CAST(:provider_id AS STRING) IS NULL
    OR f.provider_id = CAST(:provider_id AS STRING)
    OR (
      f.provider_id IS NULL AND NOT s.id IS NULL
    )
)
SELECT
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM matched AS m
