SELECT
  f.*
  REPLACE (s.key AS session_key, t.key AS thread_key, i.key AS initiator_key)
FROM temp.main._facts AS f
LEFT JOIN temp.main._keys AS s
  ON s.key_of = 'session' AND s.value = f.session_key
LEFT JOIN temp.main._keys AS t
  ON t.key_of = 'thread' AND t.value = CAST(f.thread_key AS TEXT)
LEFT JOIN temp.main._keys AS i
  ON i.key_of = 'initiator' AND i.value = CAST(f.initiator_key AS TEXT)
