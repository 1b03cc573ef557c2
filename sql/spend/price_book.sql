-- The price book of `--prices FILE` as rows: each entry's scope (`id`: a provider instance, `type`:
-- a provider type), its target (the id or the type), model, the instant it is in force from, and
-- its four prices in micro-dollars per million tokens. The book arrives as one bound text (see
-- pipelines/prices.py): entries split on :record_sep, fields on :unit_sep.
-- relation: price_book
-- :book        text  the encoded price book
-- :record_sep  text  the separator of entries
-- :unit_sep    text  the separator of an entry's fields
SELECT
  SPLIT_PART(r.entry, CAST(:unit_sep AS TEXT), 1) AS scope,
  SPLIT_PART(r.entry, CAST(:unit_sep AS TEXT), 2) AS target,
  SPLIT_PART(r.entry, CAST(:unit_sep AS TEXT), 3) AS model,
  CAST(SPLIT_PART(r.entry, CAST(:unit_sep AS TEXT), 4) AS TIMESTAMPTZ) AS effective_from,
  CAST(SPLIT_PART(r.entry, CAST(:unit_sep AS TEXT), 5) AS BIGINT) AS input_price_micros,
  CAST(SPLIT_PART(r.entry, CAST(:unit_sep AS TEXT), 6) AS BIGINT) AS output_price_micros,
  CAST(SPLIT_PART(r.entry, CAST(:unit_sep AS TEXT), 7) AS BIGINT) AS cache_read_price_micros,
  CAST(SPLIT_PART(r.entry, CAST(:unit_sep AS TEXT), 8) AS BIGINT) AS cache_write_price_micros
FROM (
  SELECT
    UNNEST(REGEXP_SPLIT_TO_ARRAY(CAST(:book AS TEXT), CAST(:record_sep AS TEXT))) AS entry
) AS r
WHERE
  r.entry <> ''
