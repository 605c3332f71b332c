-- Wakes a `gridts refresher` listening on this channel; delivered only if the batch commits.
SELECT pg_notify('gridts_rollups', '')
