DELETE FROM main.aibridge_fact_keys
