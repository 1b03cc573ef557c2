SET memory_limit = CAST($limit AS TEXT)
