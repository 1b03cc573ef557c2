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
  SELECT
    f.*
  FROM filtered_interceptions AS f
  WHERE
    CAST($provider_id AS UUID) IS NULL
    OR f.provider_id = CAST($provider_id AS UUID)
    OR (
      f.provider_id IS NULL
      AND (
        (
          CAST($p_name AS TEXT) <> '' AND f.provider_name = CAST($p_name AS TEXT)
        )
        OR (
          f.provider_name = ''
          AND CAST($p_type AS TEXT) <> ''
          AND f.provider = CAST($p_type AS TEXT)
        )
      )
    )
)
SELECT
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM matched AS m
