DROP TABLE IF EXISTS temp.main._key_values
