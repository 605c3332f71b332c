SELECT name, unit, aggregation, description, decimals FROM kind ORDER BY name
