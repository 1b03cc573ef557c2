SET enable_progress_bar = FALSE
