SELECT
  CAST(COUNT(*) AS BIGINT) || ':' || MD5(
    COALESCE(
      LISTAGG(
        
          CONCAT_WS(
            '|',
            CAST(p.id AS TEXT),
            COALESCE(CAST(p.type AS TEXT), '-'),
            p.name,
            CAST(p.enabled AS TEXT),
            CAST(p.deleted AS TEXT),
            CAST(p.created_at AS TEXT),
            CAST(p.updated_at AS TEXT)
          ),
          ','
        
        ORDER BY
          p.id
      ),
      ''
    )
  ) AS digest
FROM providers AS p
