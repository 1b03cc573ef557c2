SELECT
  SPLIT_PART(r.entry, CAST(:unit_sep AS STRING), 1) AS scope,
  SPLIT_PART(r.entry, CAST(:unit_sep AS STRING), 2) AS target,
  SPLIT_PART(r.entry, CAST(:unit_sep AS STRING), 3) AS model,
  CAST(SPLIT_PART(r.entry, CAST(:unit_sep AS STRING), 4) AS TIMESTAMP) AS effective_from,
  CAST(SPLIT_PART(r.entry, CAST(:unit_sep AS STRING), 5) AS BIGINT) AS input_price_micros,
  CAST(SPLIT_PART(r.entry, CAST(:unit_sep AS STRING), 6) AS BIGINT) AS output_price_micros,
  CAST(SPLIT_PART(r.entry, CAST(:unit_sep AS STRING), 7) AS BIGINT) AS cache_read_price_micros,
  CAST(SPLIT_PART(r.entry, CAST(:unit_sep AS STRING), 8) AS BIGINT) AS cache_write_price_micros
FROM (
  SELECT
    EXPLODE(SPLIT(CAST(:book AS STRING), CAST(:record_sep AS STRING))) AS entry
) AS r
WHERE
  r.entry <> ''
