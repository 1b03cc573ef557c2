SELECT
  SPLIT_PART(r.entry, CAST($unit_sep AS TEXT), 1) AS scope,
  SPLIT_PART(r.entry, CAST($unit_sep AS TEXT), 2) AS target,
  SPLIT_PART(r.entry, CAST($unit_sep AS TEXT), 3) AS model,
  CAST(SPLIT_PART(r.entry, CAST($unit_sep AS TEXT), 4) AS TIMESTAMPTZ) AS effective_from,
  CAST(SPLIT_PART(r.entry, CAST($unit_sep AS TEXT), 5) AS BIGINT) AS input_price_micros,
  CAST(SPLIT_PART(r.entry, CAST($unit_sep AS TEXT), 6) AS BIGINT) AS output_price_micros,
  CAST(SPLIT_PART(r.entry, CAST($unit_sep AS TEXT), 7) AS BIGINT) AS cache_read_price_micros,
  CAST(SPLIT_PART(r.entry, CAST($unit_sep AS TEXT), 8) AS BIGINT) AS cache_write_price_micros
FROM (
  SELECT
    UNNEST(REGEXP_SPLIT_TO_ARRAY(CAST($book AS TEXT), CAST($record_sep AS TEXT))) AS entry
) AS r
WHERE
  r.entry <> ''
