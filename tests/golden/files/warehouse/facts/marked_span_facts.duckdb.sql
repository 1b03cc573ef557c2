SELECT
  f.*
FROM main.aibridge_facts AS f
WHERE
  f.session_key IN (
    SELECT
      s.key
    FROM temp.main._span_keys AS s
    WHERE
      s.key_of = 'session'
  )
UNION ALL
SELECT
  f.*
FROM main.aibridge_facts AS f
WHERE
  f.thread_key IN (
    SELECT
      s.key
    FROM temp.main._span_keys AS s
    WHERE
      s.key_of = 'thread'
  )
  AND NOT COALESCE(
    f.session_key IN (
      SELECT
        s.key
      FROM temp.main._span_keys AS s
      WHERE
        s.key_of = 'session'
    ),
    FALSE
  )
