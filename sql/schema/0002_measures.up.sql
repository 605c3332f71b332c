-- Every revision of every target value. No per-row foreign key to grid_node: see the
-- migration's docstring for the measured cost; ingest checks node ids set-wise and the
-- guard triggers below keep a node with measures from vanishing or moving.
CREATE TABLE measures (
    node_id             integer          NOT NULL,
    timestamp_measured  timestamptz      NOT NULL,
    timestamp_collected timestamptz      NOT NULL,
    value               double precision NOT NULL
        CHECK (value <> 'NaN'::float8 AND value <> 'Infinity'::float8 AND value <> '-Infinity'::float8),
    PRIMARY KEY (node_id, timestamp_measured, timestamp_collected)
);

SELECT create_hypertable(
    'measures',
    by_range('timestamp_measured', CAST({chunk_interval} AS interval))
);

-- Segment by node so one node's reads touch only its batches; order so the newest
-- revision of a target comes first in a batch ("latest per target" reads).
ALTER TABLE measures SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'node_id',
    timescaledb.compress_orderby = 'timestamp_measured DESC, timestamp_collected DESC'
);
SELECT add_compression_policy('measures', compress_after => CAST({compress_after} AS interval));

-- A node (or a region, or a grid) that holds measures cannot vanish or move silently:
-- the rollups join the hierarchy, and TimescaleDB does not track changes to joined tables.
CREATE FUNCTION gridts_guard_node() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.region_id = OLD.region_id THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM measures WHERE node_id = OLD.id) THEN
        RAISE EXCEPTION 'node % holds measures', OLD.id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'delete its measures first; a node with measures cannot move to another region';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER grid_node_guard
    BEFORE DELETE OR UPDATE OF id, region_id ON grid_node
    FOR EACH ROW EXECUTE FUNCTION gridts_guard_node();

CREATE FUNCTION gridts_guard_region() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.grid_id IS DISTINCT FROM OLD.grid_id AND EXISTS (
        SELECT 1 FROM measures m JOIN grid_node n ON n.id = m.node_id WHERE n.region_id = OLD.id
    ) THEN
        RAISE EXCEPTION 'region % holds measures', OLD.id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'a region whose nodes hold measures cannot move to another grid';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER grid_region_guard
    BEFORE UPDATE OF grid_id ON grid_region
    FOR EACH ROW EXECUTE FUNCTION gridts_guard_region();
