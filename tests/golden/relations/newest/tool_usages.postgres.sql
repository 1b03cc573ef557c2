SELECT
  CAST(id AS UUID) AS id,
  CAST(interception_id AS UUID) AS interception_id,
  CAST(provider_response_id AS TEXT) AS provider_response_id,
  CAST(server_url AS TEXT) AS server_url,
  CAST(tool AS TEXT) AS tool,
  CAST(input AS TEXT) AS input,
  CAST(injected AS BOOLEAN) AS injected,
  CAST(invocation_error AS TEXT) AS invocation_error,
  CAST(metadata AS TEXT) AS metadata,
  CAST(created_at AS TIMESTAMPTZ) AS created_at
FROM aibridge_tool_usages
