SELECT
  CAST(id AS STRING) AS id,
  CAST(interception_id AS STRING) AS interception_id,
  CAST(provider_response_id AS STRING) AS provider_response_id,
  CAST(server_url AS STRING) AS server_url,
  CAST(tool AS STRING) AS tool,
  CAST(input AS STRING) AS input,
  CAST(injected AS BOOLEAN) AS injected,
  CAST(invocation_error AS STRING) AS invocation_error,
  CAST(metadata AS STRING) AS metadata,
  CAST(created_at AS TIMESTAMP) AS created_at
FROM aibridge_tool_usages
