-- One row at each instant of %(at)s in a rollup's materialisation {table} (time column {time}):
-- TimescaleDB creates the chunk that holds each, aligned as it aligns every chunk. The caller
-- deletes the rows in the same transaction (drop_placeholders.sql): the chunks stay, empty.
INSERT INTO {table} ({time})
SELECT unnest(%(at)s::timestamptz[])
