COPY ingest_staging (node_id, timestamp_measured, timestamp_collected, value) FROM STDIN (FORMAT BINARY)
