-- A batch of new revisions, its values already integers of their kind's smallest unit, straight
-- into the hypertable (gridts.ingest.store._copy_new); copy.sql and insert_new.sql are the path
-- of every other batch.
COPY measures (series_id, timestamp_measured, timestamp_collected, value, quality) FROM STDIN (FORMAT BINARY)
