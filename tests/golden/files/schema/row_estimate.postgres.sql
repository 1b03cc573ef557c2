SELECT
  CAST(GREATEST(c.reltuples, 0) AS BIGINT) AS estimate
FROM pg_catalog.pg_class AS c
WHERE
  c.oid = TO_REGCLASS(CAST(%(table)s AS TEXT))
