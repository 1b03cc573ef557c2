"""The local warehouse: a DuckDB file that keeps interception history past Coder's retention.

`store` opens and creates it (Coder's tables, declared in `aibridge_analytics.coder`); `sync` copies
new and changed rows from a source into it, crash safely and incrementally.
"""
