-- interceptions/count: The number of matching interceptions.
WITH interceptions AS NOT MATERIALIZED (
  SELECT
    CAST(id AS UUID) AS id,
    CAST(initiator_id AS UUID) AS initiator_id,
    CAST(provider AS TEXT) AS provider,
    CAST(provider_name AS TEXT) AS provider_name,
    CAST(provider_id AS UUID) AS provider_id,
    CAST(model AS TEXT) AS model,
    CAST(started_at AS TIMESTAMPTZ) AS started_at,
    CAST(ended_at AS TIMESTAMPTZ) AS ended_at,
    CAST(metadata AS TEXT) AS metadata,
    CAST(api_key_id AS TEXT) AS api_key_id,
    CAST(client AS TEXT) AS client,
    CAST(thread_parent_id AS UUID) AS thread_parent_id,
    CAST(thread_root_id AS UUID) AS thread_root_id,
    CAST(client_session_id AS TEXT) AS client_session_id,
    CAST(credential_kind AS TEXT) AS credential_kind,
    CAST(credential_hint AS TEXT) AS credential_hint,
    COALESCE(CAST(client_session_id AS TEXT), CAST(thread_root_id AS TEXT), CAST(id AS TEXT)) AS session_id
  FROM aibridge_interceptions
), providers AS NOT MATERIALIZED (
  SELECT
    CAST(id AS UUID) AS id,
    CAST(type AS TEXT) AS type,
    CAST(name AS TEXT) AS name,
    CAST(display_name AS TEXT) AS display_name,
    CAST(enabled AS BOOLEAN) AS enabled,
    CAST(deleted AS BOOLEAN) AS deleted,
    CAST(base_url AS TEXT) AS base_url,
    CAST(settings AS TEXT) AS settings,
    CAST(created_at AS TIMESTAMPTZ) AS created_at,
    CAST(updated_at AS TIMESTAMPTZ) AS updated_at
  FROM ai_providers
), filtered_interceptions AS NOT MATERIALIZED (
  SELECT
    i.*
  FROM interceptions AS i
  WHERE
    NOT i.ended_at IS NULL
    AND (
      CAST($initiator_id AS UUID) IS NULL
      OR i.initiator_id = CAST($initiator_id AS UUID)
    )
    AND (
      CAST($started_after AS TIMESTAMPTZ) IS NULL
      OR i.started_at >= CAST($started_after AS TIMESTAMPTZ)
    )
    AND (
      CAST($started_before AS TIMESTAMPTZ) IS NULL
      OR i.started_at <= CAST($started_before AS TIMESTAMPTZ)
    )
    AND (
      CAST($provider_name AS TEXT) IS NULL
      OR i.provider_name = CAST($provider_name AS TEXT)
    )
    AND (
      CAST($model AS TEXT) IS NULL OR i.model = CAST($model AS TEXT)
    )
    AND (
      CAST($client AS TEXT) IS NULL
      OR COALESCE(i.client, 'Unknown') = CAST($client AS TEXT)
    )
    AND (
      CAST($session_id AS TEXT) IS NULL OR i.session_id = CAST($session_id AS TEXT)
    )
), provider_timeline AS NOT MATERIALIZED (
  WITH members AS NOT MATERIALIZED (
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
  ), upgrade AS NOT MATERIALIZED (
    SELECT
      MIN(p.created_at) + INTERVAL '1' HOUR AS settled
    FROM providers AS p
  ), bounds AS NOT MATERIALIZED (
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
      CAST(NULL AS TIMESTAMPTZ)
    FROM members AS m
  ), segments AS NOT MATERIALIZED (
    SELECT
      b.named,
      b.word,
      b.lo,
      LEAD(b.lo) OVER (PARTITION BY b.named, b.word ORDER BY b.lo NULLS FIRST) AS hi
    FROM bounds AS b
  ), judged AS NOT MATERIALIZED (
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
  ), counted AS NOT MATERIALIZED (
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
  )
  SELECT
    c.named,
    c.word,
    COALESCE(c.lo, CAST('0001-01-01 00:00:00+00' AS TIMESTAMPTZ)) AS lo,
    COALESCE(c.hi, CAST('9999-12-31 00:00:00+00' AS TIMESTAMPTZ)) AS hi,
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
          THEN CAST(c.id AS TEXT)
        END
      )
    END AS UUID) AS id,
    MAX(c.n_existing) = 0 AS none_existed
  FROM counted AS c
  GROUP BY
    c.named,
    c.word,
    c.lo,
    c.hi
), matched AS NOT MATERIALIZED (
  SELECT
    f.*
  FROM filtered_interceptions AS f
  LEFT JOIN provider_timeline AS s
    ON s.id = CAST($provider_id AS UUID)
    AND s.named = (
      f.provider_name <> ''
    )
    AND s.word = CASE WHEN f.provider_name <> '' THEN f.provider_name ELSE f.provider END
    AND f.started_at >= s.lo
    AND f.started_at < s.hi
  WHERE
    CAST($provider_id AS UUID) IS NULL
    OR f.provider_id = CAST($provider_id AS UUID)
    OR (
      f.provider_id IS NULL AND NOT s.id IS NULL
    )
)
SELECT
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM matched AS m
