-- summaries/figures: A summary's figures per group (summary_keyed): the count, distinct initiators, sessions and threads, the child-table sums of the facts (user prompts, token usage rows and their tokens, injected and client tool calls, injected tool errors), and duration percentiles in ms (linear interpolation, one aggregate for all four, one rounding rule), then the recorded spend (cost in micro-units, priced and unpriced token usage rows, unpriced tokens per kind; NULL where the source records no spend). Written grouped by every key; rendering keeps the keys asked for (`summary --by`). The provider is grouped by its number (facts/provider_keys.sql), its id and name looked up per group after grouping rather than carried through it, so that the hash tables hold narrow keys and no UUID or text is read or compared per row. provider_type is grouped by: it splits the unattributed group of a Coder without ai_providers per wire format (method wire_type) and follows from the id elsewhere.
WITH providers AS NOT MATERIALIZED (
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
), wire_formats AS NOT MATERIALIZED (
  SELECT
    w.type,
    w.wire
  FROM (
    SELECT
      CAST('openai' AS TEXT) AS type,
      CAST('openai' AS TEXT) AS wire
    UNION ALL
    SELECT
      CAST('azure' AS TEXT) AS type,
      CAST('openai' AS TEXT) AS wire
    UNION ALL
    SELECT
      CAST('google' AS TEXT) AS type,
      CAST('openai' AS TEXT) AS wire
    UNION ALL
    SELECT
      CAST('openai-compat' AS TEXT) AS type,
      CAST('openai' AS TEXT) AS wire
    UNION ALL
    SELECT
      CAST('openrouter' AS TEXT) AS type,
      CAST('openai' AS TEXT) AS wire
    UNION ALL
    SELECT
      CAST('vercel' AS TEXT) AS type,
      CAST('openai' AS TEXT) AS wire
    UNION ALL
    SELECT
      CAST('anthropic' AS TEXT) AS type,
      CAST('anthropic' AS TEXT) AS wire
    UNION ALL
    SELECT
      CAST('bedrock' AS TEXT) AS type,
      CAST('anthropic' AS TEXT) AS wire
    UNION ALL
    SELECT
      CAST('bedrock-mantle' AS TEXT) AS type,
      CAST('anthropic' AS TEXT) AS wire
    UNION ALL
    SELECT
      CAST('claude-platform-aws' AS TEXT) AS type,
      CAST('anthropic' AS TEXT) AS wire
    UNION ALL
    SELECT
      CAST('copilot' AS TEXT) AS type,
      CAST('copilot' AS TEXT) AS wire
  ) AS w
), interceptions AS NOT MATERIALIZED (
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
), source_facts AS NOT MATERIALIZED (
  SELECT
    TRUE AS has_providers,
    TRUE AS has_provider_id,
    TRUE AS has_provider_name,
    TRUE AS has_cost
), tool_usages AS NOT MATERIALIZED (
  SELECT
    CAST(id AS UUID) AS id,
    CAST(interception_id AS UUID) AS interception_id,
    CAST(provider_response_id AS TEXT) AS provider_response_id,
    CAST(server_url AS TEXT) AS server_url,
    CAST(tool AS TEXT) AS tool,
    CAST(input AS TEXT) AS input,
    CAST(injected AS BOOLEAN) AS injected,
    CAST(invocation_error AS TEXT) AS invocation_error,
    CAST(metadata AS TEXT) AS metadata,
    CAST(created_at AS TIMESTAMPTZ) AS created_at
  FROM aibridge_tool_usages
), token_usages AS NOT MATERIALIZED (
  SELECT
    CAST(id AS UUID) AS id,
    CAST(interception_id AS UUID) AS interception_id,
    CAST(provider_response_id AS TEXT) AS provider_response_id,
    CAST(input_tokens AS BIGINT) AS input_tokens,
    CAST(output_tokens AS BIGINT) AS output_tokens,
    CAST(cache_read_input_tokens AS BIGINT) AS cache_read_input_tokens,
    CAST(cache_write_input_tokens AS BIGINT) AS cache_write_input_tokens,
    CAST(metadata AS TEXT) AS metadata,
    CAST(created_at AS TIMESTAMPTZ) AS created_at,
    CAST(input_price_micros AS BIGINT) AS input_price_micros,
    CAST(output_price_micros AS BIGINT) AS output_price_micros,
    CAST(cache_read_price_micros AS BIGINT) AS cache_read_price_micros,
    CAST(cache_write_price_micros AS BIGINT) AS cache_write_price_micros,
    CAST(cost_micros AS BIGINT) AS cost_micros,
    CAST(effective_group_id AS UUID) AS effective_group_id,
    CAST(provider_model AS TEXT) AS provider_model,
    CAST(priced_model AS TEXT) AS priced_model
  FROM aibridge_token_usages
), user_prompts AS NOT MATERIALIZED (
  SELECT
    CAST(id AS UUID) AS id,
    CAST(interception_id AS UUID) AS interception_id,
    CAST(provider_response_id AS TEXT) AS provider_response_id,
    CAST(prompt AS TEXT) AS prompt,
    CAST(metadata AS TEXT) AS metadata,
    CAST(created_at AS TIMESTAMPTZ) AS created_at
  FROM aibridge_user_prompts
), provider_keys AS (
  SELECT
    p.id AS provider_id,
    p.name AS provider_name,
    CAST(ROW_NUMBER() OVER (ORDER BY p.id) AS INT) AS provider_key
  FROM providers AS p
), provider_timeline AS (
  WITH members AS (
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
      MIN(p.created_at) + INTERVAL '1 HOUR' AS settled
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
      CAST(NULL AS TIMESTAMPTZ)
    FROM members AS m
  ), segments AS (
    SELECT
      b.named,
      b.word,
      b.lo,
      LEAD(b.lo) OVER (PARTITION BY b.named, b.word ORDER BY b.lo NULLS FIRST) AS hi
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
), attribution AS (
  WITH live AS (
    SELECT
      p.id,
      p.name,
      p.type
    FROM providers AS p
    WHERE
      NOT p.deleted
  ), live_wire_counts AS (
    SELECT
      w.wire,
      COUNT(*) AS n
    FROM live AS l
    JOIN wire_formats AS w
      ON w.type = l.type
    GROUP BY
      w.wire
  ), words AS (
    SELECT
      TRUE AS named,
      l.name AS word
    FROM live AS l
    UNION
    SELECT
      FALSE,
      l.type
    FROM live AS l
    WHERE
      NOT l.type IS NULL
    UNION
    SELECT
      TRUE,
      c.wire
    FROM live_wire_counts AS c
    UNION
    SELECT
      FALSE,
      c.wire
    FROM live_wire_counts AS c
  ), lookup AS (
    SELECT
      k.named,
      k.word,
      COUNT(l.id) AS n,
      CAST(CASE WHEN COUNT(l.id) = 1 THEN MAX(CAST(l.id AS TEXT)) END AS UUID) AS id,
      MAX(c.n) AS live_same_wire
    FROM words AS k
    LEFT JOIN live AS l
      ON (
        k.named AND l.name = k.word
      ) OR (
        NOT k.named AND l.type = k.word
      )
    LEFT JOIN live_wire_counts AS c
      ON c.wire = k.word
    GROUP BY
      k.named,
      k.word
  ), by_snapshot AS (
    SELECT
      i.id,
      i.provider,
      i.provider_name,
      i.provider_id,
      i.started_at,
      i.ended_at,
      i.model,
      i.client,
      i.initiator_id,
      i.session_id,
      i.thread_root_id,
      CASE
        WHEN i.provider_name <> '' AND k.n > 0
        THEN 'provider_name'
        WHEN i.provider_name = '' AND k.n = 1
        THEN 'unique_type'
        WHEN i.provider_name = '' AND k.n > 1
        THEN 'ambiguous_type'
        ELSE 'no_live_provider'
      END AS live_method,
      k.id AS live_provider_id,
      CASE
        WHEN NOT src.has_providers
        THEN 'wire_type'
        WHEN i.provider_name <> '' AND t.n = 1
        THEN 'provider_name'
        WHEN i.provider_name <> '' AND t.n > 1
        THEN 'ambiguous_name'
        WHEN i.provider_name = '' AND t.n = 1
        THEN 'unique_type'
        WHEN i.provider_name = '' AND t.n > 1
        THEN 'ambiguous_type'
        ELSE 'no_live_provider'
      END AS timed_method,
      t.id AS snapshot_provider_id,
      COALESCE(t.none_existed AND NOT t.id IS NULL, FALSE) AS decided_later,
      COALESCE(i.provider_name <> '' AND k.n > 1, FALSE) AS duplicate_live_name,
      CASE WHEN k.word = i.provider THEN k.live_same_wire END AS live_same_wire
    FROM interceptions AS i
    CROSS JOIN source_facts AS src
    LEFT JOIN lookup AS k
      ON k.named = (
        i.provider_name <> ''
      )
      AND k.word = CASE WHEN i.provider_name <> '' THEN i.provider_name ELSE i.provider END
    LEFT JOIN provider_timeline AS t
      ON t.named = (
        i.provider_name <> ''
      )
      AND t.word = CASE WHEN i.provider_name <> '' THEN i.provider_name ELSE i.provider END
      AND i.started_at >= t.lo
      AND i.started_at < t.hi
  ), resolvable AS (
    SELECT
      p.id,
      p.name,
      p.type,
      p.enabled,
      p.deleted,
      w.wire
    FROM providers AS p
    LEFT JOIN wire_formats AS w
      ON w.type = p.type
  ), decided AS (
    SELECT
      s.id,
      s.provider,
      s.provider_name,
      s.provider_id,
      s.started_at,
      s.ended_at,
      s.model,
      s.client,
      s.initiator_id,
      s.session_id,
      s.thread_root_id,
      s.live_method,
      s.live_provider_id,
      s.snapshot_provider_id,
      s.decided_later,
      s.duplicate_live_name,
      s.live_same_wire,
      CASE
        WHEN s.timed_method = 'provider_name' AND sp.deleted
        THEN 'deleted_provider_name'
        ELSE s.timed_method
      END AS snapshot_method,
      CASE
        WHEN NOT s.provider_id IS NULL AND NOT r.id IS NULL
        THEN 'provider_id'
        WHEN NOT s.provider_id IS NULL
        THEN 'unknown_provider_id'
        WHEN s.timed_method = 'provider_name' AND sp.deleted
        THEN 'deleted_provider_name'
        ELSE s.timed_method
      END AS method,
      r.id AS resolved_provider_id,
      r.name AS resolved_provider_name,
      r.type AS resolved_provider_type,
      r.enabled AS resolved_enabled,
      r.deleted AS resolved_deleted,
      r.wire AS resolved_wire
    FROM by_snapshot AS s
    LEFT JOIN resolvable AS r
      ON r.id = COALESCE(s.provider_id, s.snapshot_provider_id)
    LEFT JOIN resolvable AS sp
      ON sp.id = s.snapshot_provider_id
  ), flagged AS (
    SELECT
      d.id,
      d.resolved_provider_id,
      d.method,
      d.provider,
      d.provider_name,
      d.provider_id,
      d.resolved_provider_name,
      d.resolved_provider_type,
      d.started_at,
      d.ended_at,
      d.model,
      d.client,
      d.initiator_id,
      d.session_id,
      d.thread_root_id,
      d.snapshot_method,
      d.snapshot_provider_id,
      d.live_method,
      d.live_provider_id,
      d.duplicate_live_name,
      COALESCE(
        d.method = 'provider_id'
        AND (
          (
            d.provider_name <> '' AND d.provider_name <> d.resolved_provider_name
          )
          OR (
            d.provider <> COALESCE(d.resolved_wire, '')
            AND d.provider <> COALESCE(d.resolved_provider_type, '')
          )
        ),
        FALSE
      ) AS snapshot_mismatch,
      COALESCE(
        d.provider_name <> ''
        AND NOT d.snapshot_provider_id IS NULL
        AND d.snapshot_provider_id <> COALESCE(d.provider_id, d.live_provider_id)
        AND (
          d.provider_id IS NULL OR d.provider_name = d.resolved_provider_name
        ),
        FALSE
      ) AS name_reused,
      COALESCE(d.provider_id IS NULL AND d.decided_later, FALSE) AS decided_by_current_providers,
      COALESCE(
        d.live_same_wire > 1
        AND (
          d.method = 'unique_type'
          OR (
            d.method = 'provider_name' AND d.provider_name = d.provider
          )
          OR (
            d.method = 'provider_id'
            AND (
              d.provider_name = ''
              OR (
                d.provider_name = d.provider AND d.provider_name = d.resolved_provider_name
              )
            )
          )
        ),
        FALSE
      ) AS wire_family_ambiguous,
      COALESCE(NOT d.resolved_enabled AND NOT d.resolved_deleted, FALSE) AS disabled_provider,
      COALESCE(d.resolved_deleted, FALSE) AS deleted_provider
    FROM decided AS d
  )
  SELECT
    f.id AS interception_id,
    f.resolved_provider_id,
    f.method,
    f.provider,
    f.provider_name,
    f.provider_id,
    f.resolved_provider_name,
    CASE WHEN f.method = 'wire_type' THEN f.provider ELSE f.resolved_provider_type END AS resolved_provider_type,
    f.started_at,
    f.ended_at,
    CONCAT_WS(
      ',',
      CASE WHEN f.name_reused THEN 'name_reused' END,
      CASE WHEN f.snapshot_mismatch THEN 'snapshot_mismatch' END,
      CASE WHEN f.wire_family_ambiguous THEN 'wire_family_ambiguous' END,
      CASE WHEN f.disabled_provider THEN 'disabled_provider' END,
      CASE WHEN f.deleted_provider THEN 'deleted_provider' END,
      CASE WHEN f.duplicate_live_name THEN 'duplicate_live_name' END,
      CASE WHEN f.decided_by_current_providers THEN 'decided_by_current_providers' END,
      CASE WHEN f.ended_at IS NULL THEN 'in_flight' END
    ) AS warnings,
    f.snapshot_method,
    f.snapshot_provider_id,
    f.live_method,
    f.live_provider_id,
    f.name_reused,
    f.snapshot_mismatch,
    f.wire_family_ambiguous,
    f.model,
    f.client,
    f.initiator_id,
    f.session_id,
    f.thread_root_id
  FROM flagged AS f
), summary_child_rows AS (
  SELECT
    t.interception_id,
    0 AS user_prompts,
    1 AS token_usages,
    t.input_tokens,
    t.output_tokens,
    t.cache_read_input_tokens,
    t.cache_write_input_tokens,
    0 AS tool_calls_injected,
    0 AS tool_calls_client,
    0 AS injected_tool_errors,
    CASE WHEN t.input_tokens < 0 THEN 1 ELSE 0 END AS negative_input_tokens,
    CASE WHEN t.output_tokens < 0 THEN 1 ELSE 0 END AS negative_output_tokens,
    CASE WHEN t.cache_read_input_tokens < 0 THEN 1 ELSE 0 END AS negative_cache_read_input_tokens,
    CASE WHEN t.cache_write_input_tokens < 0 THEN 1 ELSE 0 END AS negative_cache_write_input_tokens
  FROM token_usages AS t
  UNION ALL
  SELECT
    p.interception_id,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0
  FROM user_prompts AS p
  UNION ALL
  SELECT
    u.interception_id,
    0,
    0,
    0,
    0,
    0,
    0,
    CASE WHEN u.injected THEN 1 ELSE 0 END,
    CASE WHEN u.injected THEN 0 ELSE 1 END,
    CASE WHEN u.injected AND NOT u.invocation_error IS NULL THEN 1 ELSE 0 END,
    0,
    0,
    0,
    0
  FROM tool_usages AS u
), facts AS (
  SELECT
    a.interception_id,
    a.resolved_provider_id,
    pk.provider_key,
    a.resolved_provider_name AS provider_name,
    a.resolved_provider_type AS provider_type,
    a.method,
    a.warnings,
    a.model,
    COALESCE(a.client, 'Unknown') AS client,
    a.initiator_id,
    a.initiator_id AS initiator_key,
    s.effective_group_id,
    CONCAT(a.session_id, ' ', CAST(a.initiator_id AS TEXT)) AS session_key,
    COALESCE(a.thread_root_id, a.interception_id) AS thread_key,
    CAST(NULL AS BOOLEAN) AS session_rep,
    CAST(NULL AS INT) AS session_varies,
    CAST(NULL AS TIMESTAMPTZ) AS session_from,
    CAST(NULL AS TIMESTAMPTZ) AS session_to,
    CAST(NULL AS BIGINT) AS session_size,
    CAST(NULL AS BOOLEAN) AS thread_rep,
    CAST(NULL AS INT) AS thread_varies,
    CAST(NULL AS TIMESTAMPTZ) AS thread_from,
    CAST(NULL AS TIMESTAMPTZ) AS thread_to,
    CAST(NULL AS BIGINT) AS thread_size,
    a.started_at,
    a.ended_at,
    CAST('1970-01-01' AS DATE) + CAST(FLOOR(CAST(EXTRACT(EPOCH FROM a.started_at) AS DOUBLE PRECISION) / 86400) AS INT) AS utc_day,
    CAST(DATE_TRUNC(
      'WEEK',
      CAST(CAST('1970-01-01' AS DATE) + CAST(FLOOR(CAST(EXTRACT(EPOCH FROM a.started_at) AS DOUBLE PRECISION) / 86400) AS INT) AS TIMESTAMP)
    ) AS DATE) AS utc_week,
    CAST(ROUND(
      (
        EXTRACT(EPOCH FROM a.ended_at) - EXTRACT(EPOCH FROM a.started_at)
      ) * 1000000
    ) AS BIGINT) AS duration_us,
    CAST(COALESCE(c.user_prompts, 0) AS BIGINT) AS user_prompts,
    CAST(COALESCE(c.token_usages, 0) AS BIGINT) AS token_usages,
    CAST(COALESCE(c.input_tokens, 0) AS BIGINT) AS input_tokens,
    CAST(COALESCE(c.output_tokens, 0) AS BIGINT) AS output_tokens,
    CAST(COALESCE(c.cache_read_input_tokens, 0) AS BIGINT) AS cache_read_input_tokens,
    CAST(COALESCE(c.cache_write_input_tokens, 0) AS BIGINT) AS cache_write_input_tokens,
    CAST(COALESCE(c.tool_calls_injected, 0) AS BIGINT) AS tool_calls_injected,
    CAST(COALESCE(c.tool_calls_client, 0) AS BIGINT) AS tool_calls_client,
    CAST(COALESCE(c.injected_tool_errors, 0) AS BIGINT) AS injected_tool_errors,
    CAST(COALESCE(c.negative_input_tokens, 0) AS BIGINT) AS negative_input_tokens,
    CAST(COALESCE(c.negative_output_tokens, 0) AS BIGINT) AS negative_output_tokens,
    CAST(COALESCE(c.negative_cache_read_input_tokens, 0) AS BIGINT) AS negative_cache_read_input_tokens,
    CAST(COALESCE(c.negative_cache_write_input_tokens, 0) AS BIGINT) AS negative_cache_write_input_tokens,
    CASE WHEN src.has_cost THEN CAST(COALESCE(s.recorded_cost_micros, 0) AS BIGINT) END AS recorded_cost_micros,
    CASE WHEN src.has_cost THEN CAST(COALESCE(s.priced_token_usages, 0) AS BIGINT) END AS priced_token_usages,
    CASE
      WHEN src.has_cost
      THEN CAST(COALESCE(s.unpriced_token_usages, 0) AS BIGINT)
    END AS unpriced_token_usages,
    CASE
      WHEN src.has_cost
      THEN CAST(COALESCE(s.unpriced_input_tokens, 0) AS BIGINT)
    END AS unpriced_input_tokens,
    CASE
      WHEN src.has_cost
      THEN CAST(COALESCE(s.unpriced_output_tokens, 0) AS BIGINT)
    END AS unpriced_output_tokens,
    CASE
      WHEN src.has_cost
      THEN CAST(COALESCE(s.unpriced_cache_read_input_tokens, 0) AS BIGINT)
    END AS unpriced_cache_read_input_tokens,
    CASE
      WHEN src.has_cost
      THEN CAST(COALESCE(s.unpriced_cache_write_input_tokens, 0) AS BIGINT)
    END AS unpriced_cache_write_input_tokens
  FROM attribution AS a
  LEFT JOIN provider_keys AS pk
    ON pk.provider_id = a.resolved_provider_id
  LEFT JOIN (
    SELECT
      r.interception_id,
      SUM(r.user_prompts) AS user_prompts,
      SUM(r.token_usages) AS token_usages,
      SUM(r.input_tokens) AS input_tokens,
      SUM(r.output_tokens) AS output_tokens,
      SUM(r.cache_read_input_tokens) AS cache_read_input_tokens,
      SUM(r.cache_write_input_tokens) AS cache_write_input_tokens,
      SUM(r.tool_calls_injected) AS tool_calls_injected,
      SUM(r.tool_calls_client) AS tool_calls_client,
      SUM(r.injected_tool_errors) AS injected_tool_errors,
      SUM(r.negative_input_tokens) AS negative_input_tokens,
      SUM(r.negative_output_tokens) AS negative_output_tokens,
      SUM(r.negative_cache_read_input_tokens) AS negative_cache_read_input_tokens,
      SUM(r.negative_cache_write_input_tokens) AS negative_cache_write_input_tokens
    FROM summary_child_rows AS r
    GROUP BY
      r.interception_id
  ) AS c
    ON c.interception_id = a.interception_id
  LEFT JOIN (
    SELECT
      t.interception_id,
      CAST(MIN(CAST(t.effective_group_id AS TEXT)) AS UUID) AS effective_group_id,
      SUM(t.cost_micros) AS recorded_cost_micros,
      COUNT(t.cost_micros) AS priced_token_usages,
      SUM(CASE WHEN t.cost_micros IS NULL THEN 1 ELSE 0 END) AS unpriced_token_usages,
      SUM(CASE WHEN t.cost_micros IS NULL THEN t.input_tokens ELSE 0 END) AS unpriced_input_tokens,
      SUM(CASE WHEN t.cost_micros IS NULL THEN t.output_tokens ELSE 0 END) AS unpriced_output_tokens,
      SUM(CASE WHEN t.cost_micros IS NULL THEN t.cache_read_input_tokens ELSE 0 END) AS unpriced_cache_read_input_tokens,
      SUM(CASE WHEN t.cost_micros IS NULL THEN t.cache_write_input_tokens ELSE 0 END) AS unpriced_cache_write_input_tokens
    FROM token_usages AS t
    GROUP BY
      t.interception_id
  ) AS s
    ON s.interception_id = a.interception_id
  CROSS JOIN source_facts AS src
), summary_keyed AS (
  SELECT
    f.interception_id AS interception_key,
    f.resolved_provider_id,
    f.provider_key,
    f.provider_name,
    f.provider_type,
    f.model,
    f.client,
    f.initiator_id,
    f.initiator_key,
    f.day,
    CASE
      WHEN CAST(%(tz)s AS TEXT) = 'UTC'
      THEN f.utc_week
      ELSE CAST(DATE_TRUNC('WEEK', CAST(f.day AS TIMESTAMP)) AS DATE)
    END AS week,
    f.method,
    f.effective_group_id,
    f.session_key,
    CASE
      WHEN f.session_varies IS NULL
      OR (
        f.session_varies & CAST(%(span_mask)s AS INT)
      ) <> 0
      THEN TRUE
      WHEN CAST(%(spans_inside)s AS BOOLEAN)
      THEN FALSE
      ELSE COALESCE(f.session_from < CAST(%(since)s AS TIMESTAMPTZ), FALSE)
      OR COALESCE(f.session_to >= CAST(%(until)s AS TIMESTAMPTZ), FALSE)
    END AS session_split,
    COALESCE(f.session_rep, FALSE) AS session_rep,
    f.session_size,
    f.session_varies,
    f.session_from,
    f.session_to,
    f.thread_key,
    CASE
      WHEN f.thread_varies IS NULL
      OR (
        f.thread_varies & CAST(%(span_mask)s AS INT)
      ) <> 0
      THEN TRUE
      WHEN CAST(%(spans_inside)s AS BOOLEAN)
      THEN FALSE
      ELSE COALESCE(f.thread_from < CAST(%(since)s AS TIMESTAMPTZ), FALSE)
      OR COALESCE(f.thread_to >= CAST(%(until)s AS TIMESTAMPTZ), FALSE)
    END AS thread_split,
    COALESCE(f.thread_rep, FALSE) AS thread_rep,
    f.started_at,
    f.duration_us,
    f.user_prompts,
    f.token_usages,
    f.input_tokens,
    f.output_tokens,
    f.cache_read_input_tokens,
    f.cache_write_input_tokens,
    f.tool_calls_injected,
    f.tool_calls_client,
    f.injected_tool_errors,
    f.recorded_cost_micros,
    f.priced_token_usages,
    f.unpriced_token_usages,
    f.unpriced_input_tokens,
    f.unpriced_output_tokens,
    f.unpriced_cache_read_input_tokens,
    f.unpriced_cache_write_input_tokens
  FROM (
    SELECT
      r.*,
      CASE
        WHEN CAST(%(tz)s AS TEXT) = 'UTC'
        THEN r.utc_day
        ELSE CAST(r.started_at AT TIME ZONE CAST(%(tz)s AS TEXT) AS DATE)
      END AS day
    FROM facts AS r
    WHERE
      NOT r.ended_at IS NULL
      AND (
        CAST(%(since)s AS TIMESTAMPTZ) IS NULL
        OR r.started_at >= CAST(%(since)s AS TIMESTAMPTZ)
      )
      AND (
        CAST(%(until)s AS TIMESTAMPTZ) IS NULL
        OR r.started_at < CAST(%(until)s AS TIMESTAMPTZ)
      )
  ) AS f
)
SELECT
  (
    SELECT
      CAST(MAX(CAST(p.provider_id AS TEXT)) AS UUID)
    FROM provider_keys AS p
    WHERE
      p.provider_key = f.resolved_provider_id
  ) AS resolved_provider_id,
  (
    SELECT
      MAX(p.provider_name)
    FROM provider_keys AS p
    WHERE
      p.provider_key = f.resolved_provider_id
  ) AS provider_name,
  f.provider_type,
  f.interceptions,
  f.initiators,
  f.sessions,
  f.threads,
  f.user_prompts,
  f.token_usages,
  f.input_tokens,
  f.output_tokens,
  f.cache_read_input_tokens,
  f.cache_write_input_tokens,
  f.tool_calls_injected,
  f.tool_calls_client,
  f.injected_tool_errors,
  CAST(CAST(FLOOR(CAST((
    ROUND(f.durations_us[1] * 100) + 50
  ) AS DOUBLE PRECISION) / 100) AS DOUBLE PRECISION) / 1000 AS DOUBLE PRECISION) AS duration_p50_ms,
  CAST(CAST(FLOOR(CAST((
    ROUND(f.durations_us[2] * 100) + 50
  ) AS DOUBLE PRECISION) / 100) AS DOUBLE PRECISION) / 1000 AS DOUBLE PRECISION) AS duration_p90_ms,
  CAST(CAST(FLOOR(CAST((
    ROUND(f.durations_us[3] * 100) + 50
  ) AS DOUBLE PRECISION) / 100) AS DOUBLE PRECISION) / 1000 AS DOUBLE PRECISION) AS duration_p95_ms,
  CAST(CAST(FLOOR(CAST((
    ROUND(f.durations_us[4] * 100) + 50
  ) AS DOUBLE PRECISION) / 100) AS DOUBLE PRECISION) / 1000 AS DOUBLE PRECISION) AS duration_p99_ms,
  f.recorded_cost_micros,
  f.priced_token_usages,
  f.unpriced_token_usages,
  f.unpriced_input_tokens,
  f.unpriced_output_tokens,
  f.unpriced_cache_read_input_tokens,
  f.unpriced_cache_write_input_tokens
FROM (
  SELECT
    k.provider_key AS resolved_provider_id,
    k.provider_type,
    COUNT(*) AS interceptions,
    COUNT(DISTINCT k.initiator_key) AS initiators,
    CAST(COUNT(DISTINCT k.session_key) FILTER(WHERE
      k.session_split) + SUM(CAST(k.session_rep AND NOT k.session_split AS INT)) AS BIGINT) AS sessions,
    CAST(COUNT(DISTINCT k.thread_key) FILTER(WHERE
      k.thread_split) + SUM(CAST(k.thread_rep AND NOT k.thread_split AS INT)) AS BIGINT) AS threads,
    CAST(SUM(k.user_prompts) AS BIGINT) AS user_prompts,
    CAST(SUM(k.token_usages) AS BIGINT) AS token_usages,
    CAST(SUM(k.input_tokens) AS BIGINT) AS input_tokens,
    CAST(SUM(k.output_tokens) AS BIGINT) AS output_tokens,
    CAST(SUM(k.cache_read_input_tokens) AS BIGINT) AS cache_read_input_tokens,
    CAST(SUM(k.cache_write_input_tokens) AS BIGINT) AS cache_write_input_tokens,
    CAST(SUM(k.tool_calls_injected) AS BIGINT) AS tool_calls_injected,
    CAST(SUM(k.tool_calls_client) AS BIGINT) AS tool_calls_client,
    CAST(SUM(k.injected_tool_errors) AS BIGINT) AS injected_tool_errors,
    PERCENTILE_CONT(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY
      k.duration_us) AS durations_us,
    CAST(SUM(k.recorded_cost_micros) AS BIGINT) AS recorded_cost_micros,
    CAST(SUM(k.priced_token_usages) AS BIGINT) AS priced_token_usages,
    CAST(SUM(k.unpriced_token_usages) AS BIGINT) AS unpriced_token_usages,
    CAST(SUM(k.unpriced_input_tokens) AS BIGINT) AS unpriced_input_tokens,
    CAST(SUM(k.unpriced_output_tokens) AS BIGINT) AS unpriced_output_tokens,
    CAST(SUM(k.unpriced_cache_read_input_tokens) AS BIGINT) AS unpriced_cache_read_input_tokens,
    CAST(SUM(k.unpriced_cache_write_input_tokens) AS BIGINT) AS unpriced_cache_write_input_tokens
  FROM summary_keyed AS k
  GROUP BY
    k.provider_key,
    k.provider_type
) AS f
