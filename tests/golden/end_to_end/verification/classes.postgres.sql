-- verification/classes: Rows per verification class, provider (after the backfill) and strict method, with whether strict attribution resolves them to that same provider, and (misattribution classes) the provider that can have served them: the body of the verification report. Counted first and named after, so that the provider lookups run on the few groups rather than on every row.
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
), backfill AS (
  WITH enum_types AS (
    SELECT
      w.type
    FROM wire_formats AS w
  ), wire_words AS (
    SELECT
      w.wire AS word
    FROM wire_formats AS w
    UNION
    SELECT
      w.type
    FROM wire_formats AS w
  ), known_names AS (
    SELECT
      p.name,
      MAX(CASE WHEN p.deleted THEN 0 ELSE 1 END) AS live
    FROM providers AS p
    GROUP BY
      p.name
  ), simulated AS (
    SELECT
      a.interception_id,
      a.provider,
      a.provider_name,
      a.provider_id,
      a.started_at,
      a.ended_at,
      a.method,
      a.resolved_provider_id,
      a.resolved_provider_name,
      a.wire_family_ambiguous,
      a.snapshot_mismatch,
      a.name_reused,
      a.snapshot_provider_id AS truth_provider_id,
      a.live_provider_id AS backfill_provider_id,
      CASE
        WHEN a.live_method = 'provider_name' AND NOT a.live_provider_id IS NULL
        THEN 'name'
        WHEN a.live_method = 'unique_type'
        THEN 'unique_type'
      END AS backfill_pass,
      CASE
        WHEN NOT a.live_provider_id IS NULL
        THEN NULL
        WHEN a.live_method = 'provider_name'
        THEN 'duplicate_live_name'
        WHEN a.live_method = 'ambiguous_type'
        THEN 'ambiguous_type'
        WHEN a.provider_name <> '' AND kn.live = 0
        THEN 'deleted_provider'
        WHEN a.provider_name <> ''
        AND kn.name IS NULL
        AND a.provider_name <> a.provider
        AND ww.word IS NULL
        THEN 'hard_deleted_provider'
        ELSE 'no_live_provider'
      END AS backfill_null_reason,
      COALESCE(a.snapshot_provider_id <> a.live_provider_id, FALSE) AS misattributes,
      et.type IS NULL AS provider_outside_enum,
      a.provider_id IS NULL AND a.provider_name = '' AS reaches_pass_2
    FROM attribution AS a
    LEFT JOIN known_names AS kn
      ON kn.name = a.provider_name
    LEFT JOIN wire_words AS ww
      ON ww.word = a.provider_name
    LEFT JOIN enum_types AS et
      ON et.type = a.provider
  )
  SELECT
    s.interception_id,
    s.provider,
    s.provider_name,
    s.provider_id,
    s.started_at,
    s.ended_at,
    s.method,
    s.resolved_provider_id,
    s.resolved_provider_name,
    s.wire_family_ambiguous,
    s.snapshot_mismatch,
    s.name_reused,
    s.truth_provider_id,
    s.backfill_provider_id,
    s.backfill_pass,
    s.backfill_null_reason,
    s.misattributes,
    CASE
      WHEN NOT s.provider_id IS NULL
      THEN 'kept'
      WHEN s.backfill_pass = 'name'
      THEN 'set_by_name'
      WHEN s.backfill_pass = 'unique_type'
      THEN 'set_by_unique_type'
      ELSE 'left_null'
    END AS backfill_outcome,
    COALESCE(s.provider_id, s.backfill_provider_id) AS migrated_provider_id,
    s.provider_outside_enum,
    s.reaches_pass_2,
    s.reaches_pass_2 AND s.provider_outside_enum AS aborts_pass_2,
    s.reaches_pass_2 AND s.provider = 'copilot' AS copilot_same_transaction
  FROM simulated AS s
), backfill_verdicts AS (
  WITH classified AS (
    SELECT
      b.*,
      CASE
        WHEN NOT b.provider_id IS NULL AND b.method = 'unknown_provider_id'
        THEN 'dangling_id'
        WHEN NOT b.provider_id IS NULL AND b.snapshot_mismatch
        THEN 'conflicting'
        WHEN NOT b.provider_id IS NULL AND b.truth_provider_id <> b.provider_id
        THEN 'misattributed_successor'
        WHEN NOT b.provider_id IS NULL
        THEN 'unchanged_correct'
        WHEN NOT src.has_providers
        THEN 'awaiting_providers'
        WHEN b.misattributes
        THEN 'backfill_would_misattribute'
        WHEN b.backfill_pass = 'name'
        THEN 'attributed_by_name'
        WHEN b.backfill_pass = 'unique_type'
        THEN 'attributed_by_unique_type'
        WHEN b.backfill_null_reason = 'hard_deleted_provider'
        THEN 'set_null_by_hard_delete'
        ELSE 'left_null_' || b.backfill_null_reason
      END AS class
    FROM backfill AS b
    CROSS JOIN source_facts AS src
  )
  SELECT
    c.interception_id,
    c.provider,
    c.provider_name,
    c.provider_id,
    c.ended_at,
    c.method,
    c.resolved_provider_id,
    c.resolved_provider_name,
    c.wire_family_ambiguous,
    c.class,
    c.migrated_provider_id AS expected_provider_id,
    CASE
      WHEN c.class IN ('misattributed_successor', 'backfill_would_misattribute')
      THEN c.truth_provider_id
    END AS likely_provider_id,
    c.aborts_pass_2,
    c.copilot_same_transaction,
    c.provider_outside_enum,
    c.misattributes AND c.provider_id IS NULL AS backfill_misattributes
  FROM classified AS c
), verification_rows AS (
  SELECT
    v.interception_id,
    v.class,
    v.class IN ('dangling_id', 'conflicting', 'misattributed_successor')
    OR (
      CAST(%(has_provider_id)s AS BOOLEAN)
      AND v.class IN ('attributed_by_name', 'attributed_by_unique_type')
    ) AS discrepancy,
    v.expected_provider_id,
    v.likely_provider_id,
    v.method,
    v.resolved_provider_id
  FROM backfill_verdicts AS v
), per_class AS (
  SELECT
    v.class,
    v.discrepancy,
    v.expected_provider_id,
    v.likely_provider_id,
    v.method,
    v.resolved_provider_id IS NOT DISTINCT FROM v.expected_provider_id AS strict_agrees,
    CAST(COUNT(*) AS BIGINT) AS interceptions
  FROM verification_rows AS v
  GROUP BY
    v.class,
    v.discrepancy,
    v.expected_provider_id,
    v.likely_provider_id,
    v.method,
    v.resolved_provider_id IS NOT DISTINCT FROM v.expected_provider_id
)
SELECT
  c.class,
  c.discrepancy,
  c.expected_provider_id AS provider_id,
  p.name AS provider_name,
  c.likely_provider_id,
  q.name AS likely_provider_name,
  c.method,
  c.strict_agrees,
  c.interceptions
FROM per_class AS c
LEFT JOIN providers AS p
  ON p.id = c.expected_provider_id
LEFT JOIN providers AS q
  ON q.id = c.likely_provider_id
ORDER BY
  c.class,
  p.name,
  q.name,
  c.method,
  c.strict_agrees
