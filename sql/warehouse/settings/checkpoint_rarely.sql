-- The sync's writes checkpoint once, at the end: each commit is durable in the write-ahead log,
-- and checkpointing after every batch (the default threshold is 16 MB) rewrote the tables' blocks
-- again and again and tripled the copy time.
-- engine: duckdb
SET checkpoint_threshold = '4GB'
