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
), matched AS (
  SELECT
    f.*
  FROM filtered_interceptions AS f
  WHERE
    CAST(:provider_id AS STRING) IS NULL
    OR f.provider_id = CAST(:provider_id AS STRING)
    OR (
      f.provider_id IS NULL
      AND (
        (
          CAST(:p_name AS STRING) <> '' AND f.provider_name = CAST(:p_name AS STRING)
        )
        OR (
          f.provider_name = ''
          AND CAST(:p_type AS STRING) <> ''
          AND f.provider = CAST(:p_type AS STRING)
        )
      )
    )
)
SELECT
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM matched AS m
