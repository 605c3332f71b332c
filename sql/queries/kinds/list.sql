SELECT name, unit, aggregation, description FROM kind ORDER BY name
