-- Compression state of measures: chunks, and bytes before/after for the compressed ones.
SELECT coalesce(s.total_chunks, 0) AS chunks,
       coalesce(s.number_compressed_chunks, 0) AS compressed_chunks,
       s.before_compression_total_bytes AS bytes_before,
       s.after_compression_total_bytes AS bytes_after,
       hypertable_size('measures') AS total_bytes
FROM (SELECT 1) AS one
LEFT JOIN hypertable_compression_stats('measures') s ON true
