-- interceptions/list: One page of matching interceptions, newest first, with Coder's keyset cursor: rows strictly before the cursor row in (started_at DESC, id DESC) order.
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
), matched AS NOT MATERIALIZED (
  WITH target AS NOT MATERIALIZED (
    SELECT
      p.name,
      p.type,
      NOT p.deleted
      AND (
        SELECT
          COUNT(*)
        FROM providers AS q
        WHERE
          NOT q.deleted AND q.name = p.name
      ) = 1 AS by_name,
      NOT p.deleted
      AND (
        SELECT
          COUNT(*)
        FROM providers AS q
        WHERE
          NOT q.deleted AND q.type = p.type
      ) = 1 AS by_type
    FROM providers AS p
    WHERE
      p.id = CAST($provider_id AS UUID)
  )
  SELECT
    f.*
  FROM filtered_interceptions AS f
  LEFT JOIN target AS t
    ON TRUE
  WHERE
    CAST($provider_id AS UUID) IS NULL
    OR f.provider_id = CAST($provider_id AS UUID)
    OR (
      f.provider_id IS NULL
      AND (
        (
          t.by_name AND f.provider_name <> '' AND f.provider_name = t.name
        )
        OR (
          t.by_type AND f.provider_name = '' AND f.provider = t.type
        )
      )
    )
)
SELECT
  m.id,
  m.initiator_id,
  m.provider,
  m.provider_name,
  m.provider_id,
  m.model,
  COALESCE(m.client, 'Unknown') AS client,
  m.session_id,
  m.thread_root_id,
  m.api_key_id,
  m.started_at,
  m.ended_at
FROM matched AS m
WHERE
  CAST($after_id AS UUID) IS NULL
  OR m.started_at < (
    SELECT
      c.started_at
    FROM interceptions AS c
    WHERE
      c.id = CAST($after_id AS UUID)
  )
  OR (
    m.started_at = (
      SELECT
        c.started_at
      FROM interceptions AS c
      WHERE
        c.id = CAST($after_id AS UUID)
    )
    AND m.id < CAST($after_id AS UUID)
  )
ORDER BY
  m.started_at DESC,
  m.id DESC
LIMIT CAST($limit AS INT)
