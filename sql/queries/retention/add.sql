SELECT add_retention_policy('measures', drop_after => %(keep)s::interval)
