SET checkpoint_threshold = '4GB'
