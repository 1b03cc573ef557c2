CREATE OR REPLACE TEMPORARY TABLE temp.main._key_values AS
SELECT DISTINCT
  'session' AS key_of,
  s.session_key AS value
FROM temp.main._facts AS s
WHERE
  NOT s.session_key IS NULL
UNION ALL
SELECT DISTINCT
  'thread',
  CAST(s.thread_key AS TEXT)
FROM temp.main._facts AS s
WHERE
  NOT s.thread_key IS NULL
UNION ALL
SELECT DISTINCT
  'initiator',
  CAST(s.initiator_key AS TEXT)
FROM temp.main._facts AS s
WHERE
  NOT s.initiator_key IS NULL
