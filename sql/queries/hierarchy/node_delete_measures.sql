-- With ?cascade=true only: the revisions of all the node's series go first, in the same
-- transaction as the node (its series follow it by ON DELETE CASCADE). The ids are given as an
-- array so that TimescaleDB can skip the compressed batches of other series.
WITH deleted AS (
    DELETE FROM measures
    WHERE series_id = ANY(ARRAY(SELECT id FROM series WHERE node_id = %(id)s))
    RETURNING timestamp_measured
)
SELECT count(*), min(timestamp_measured), max(timestamp_measured) FROM deleted
