-- No user names at all: what `user_names` is bound to under --no-user-names, so that Coder's
-- users table is never read and no name can reach an output.
-- relation: user_names_withheld
SELECT
  CAST(NULL AS UUID) AS user_id,
  CAST(NULL AS VARCHAR) AS username,
  CAST(NULL AS VARCHAR) AS name,
  CAST(NULL AS BOOLEAN) AS deleted
WHERE
  1 = 0
