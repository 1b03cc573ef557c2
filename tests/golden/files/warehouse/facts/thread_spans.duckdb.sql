UPDATE main.aibridge_facts AS u SET thread_rep = COALESCE(u.interception_id = s.rep, FALSE), thread_varies = s.varies, thread_from = s.first_started, thread_to = s.last_started
FROM fact_spans AS s
WHERE
  s.key_of = 'thread' AND s.key = u.thread_key
