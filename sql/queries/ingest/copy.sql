COPY ingest_staging (series_id, timestamp_measured, timestamp_collected, value, quality) FROM STDIN (FORMAT BINARY)
