UPDATE main.aibridge_facts AS u SET session_rep = COALESCE(u.interception_id = s.rep, FALSE), session_varies = s.varies, session_from = s.first_started, session_to = s.last_started
FROM fact_spans AS s
WHERE
  s.key_of = 'session' AND s.key = u.session_key
