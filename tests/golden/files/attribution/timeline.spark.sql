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
)
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
