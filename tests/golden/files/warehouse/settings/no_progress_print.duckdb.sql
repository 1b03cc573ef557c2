SET enable_progress_bar_print = FALSE
