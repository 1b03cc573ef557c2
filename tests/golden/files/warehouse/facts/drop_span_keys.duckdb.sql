DROP TABLE IF EXISTS temp.main._span_keys
