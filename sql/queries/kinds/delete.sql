-- A kind that series use is kept by the series_kind_fkey foreign key (ON DELETE RESTRICT).
DELETE FROM kind WHERE name = %(name)s RETURNING name
