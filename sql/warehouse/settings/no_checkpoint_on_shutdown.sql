-- Close a failed connection without checkpointing its state (the write-ahead log holds exactly
-- the transactions that committed; the next open replays it).
-- engine: duckdb
PRAGMA disable_checkpoint_on_shutdown
