-- measures' index on timestamp_measured becomes a BRIN index (a summary per 16 pages) instead of
-- TimescaleDB's default B-tree. Reads go by series (the primary key, and each compressed
-- chunk's segment index); the time index serves only what scans a range of targets across every
-- series in the rowstore: a rollup refresh of a late hour, real-time aggregation above the
-- watermark, the data's bounds. Rows land in a chunk roughly in target order, so a summary per
-- 16 pages narrows those scans as well as the B-tree did (a late hour of 1,000 nodes in a
-- 20-day rowstore: series_latest refreshed in 14-19 ms either way, 41 ms with no index). But
-- every row written paid for the B-tree: bulk ingest of 1.92 M rows went from 292-303k rows/s
-- to 318-392k with the BRIN (423k with no index), PostgreSQL's CPU from 6.7-7.0 s to 5.4-6.1 s
-- (bench/README.md, "A BRIN index on targets").
DROP INDEX IF EXISTS measures_timestamp_measured_idx;
CREATE INDEX measures_timestamp_measured_brin ON measures
    USING brin (timestamp_measured) WITH (pages_per_range = 16);
