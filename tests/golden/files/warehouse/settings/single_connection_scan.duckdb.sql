SET pg_use_ctid_scan = FALSE
