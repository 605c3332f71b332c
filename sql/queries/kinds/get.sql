SELECT name, unit, aggregation, description, decimals FROM kind WHERE name = %(name)s
