DROP TABLE IF EXISTS temp.main._keys
