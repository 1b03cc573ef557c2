UPDATE main.ai_providers_history AS h SET valid_to = CAST($now AS TIMESTAMPTZ)
WHERE
  h.valid_to IS NULL
  AND EXISTS(
    SELECT
      1
    FROM temp.main._providers AS p
    WHERE
      p.id = h.id
      AND (
        h.type IS DISTINCT FROM p.type
        OR h.name IS DISTINCT FROM p.name
        OR h.display_name IS DISTINCT FROM p.display_name
        OR h.enabled IS DISTINCT FROM p.enabled
        OR h.deleted IS DISTINCT FROM p.deleted
        OR h.base_url IS DISTINCT FROM p.base_url
        OR h.settings IS DISTINCT FROM p.settings
        OR h.created_at IS DISTINCT FROM p.created_at
        OR h.updated_at IS DISTINCT FROM p.updated_at
      )
  )
