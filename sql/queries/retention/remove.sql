SELECT remove_retention_policy('measures', if_exists => true)
