SELECT name, unit, aggregation, description FROM kind WHERE name = %(name)s
