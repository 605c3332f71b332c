-- With ?cascade=true only: the node's revisions go first, in the same transaction as the node.
WITH deleted AS (
    DELETE FROM measures WHERE node_id = %(id)s RETURNING timestamp_measured
)
SELECT count(*), min(timestamp_measured), max(timestamp_measured) FROM deleted
