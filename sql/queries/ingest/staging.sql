-- One staging table per connection, emptied by every commit: COPY lands here, then one
-- INSERT ... SELECT moves the batch into the hypertable.
CREATE TEMP TABLE IF NOT EXISTS ingest_staging (
    series_id           integer          NOT NULL,
    timestamp_measured  timestamptz      NOT NULL,
    timestamp_collected timestamptz      NOT NULL,
    value               double precision,
    quality             smallint         NOT NULL
) ON COMMIT DELETE ROWS
