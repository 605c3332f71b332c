"""Reading measures: the latest (or as-of) value per target, and every revision."""
