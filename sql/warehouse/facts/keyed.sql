-- The staged facts (stage.sql) as the warehouse stores them: session, thread and initiator keys replaced by
-- their numbers (stage_keys.sql). What build.sql and insert_changed.sql write.
-- relation: stored_facts_keyed
-- engine: duckdb
SELECT
  f.* REPLACE (s.key AS session_key, t.key AS thread_key, i.key AS initiator_key)
FROM temp.main._facts AS f
LEFT JOIN temp.main._keys AS s
  ON s.key_of = 'session' AND s.value = f.session_key
LEFT JOIN temp.main._keys AS t
  ON t.key_of = 'thread' AND t.value = CAST(f.thread_key AS VARCHAR)
LEFT JOIN temp.main._keys AS i
  ON i.key_of = 'initiator' AND i.value = CAST(f.initiator_key AS VARCHAR)
