INSERT INTO kind (name, unit, aggregation, description)
VALUES (%(name)s, %(unit)s, %(aggregation)s, %(description)s)
RETURNING name, unit, aggregation, description
