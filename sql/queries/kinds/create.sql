INSERT INTO kind (name, unit, aggregation, description, decimals)
VALUES (%(name)s, %(unit)s, %(aggregation)s, %(description)s, %(decimals)s)
RETURNING name, unit, aggregation, description, decimals
