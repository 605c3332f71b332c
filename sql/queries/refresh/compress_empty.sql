-- Compress the new, empty chunks %(chunks)s that the view's compression policy has passed: a
-- refresh then writes compressed batches into a compressed chunk. Left uncompressed, such a
-- chunk would be marked partly compressed by that write (TimescaleDB so marks a chunk it did not
-- create in the same statement), and the compression policy would compress it again.
SELECT compress_chunk(c::regclass) FROM unnest(%(chunks)s::text[]) AS c
