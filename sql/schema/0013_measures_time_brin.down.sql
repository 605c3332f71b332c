-- The B-tree TimescaleDB made with the hypertable (0002), in place of 0013's BRIN index.
DROP INDEX IF EXISTS measures_timestamp_measured_brin;
CREATE INDEX measures_timestamp_measured_idx ON measures (timestamp_measured DESC);
