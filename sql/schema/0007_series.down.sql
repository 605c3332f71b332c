-- Undo 0007, refusing when the older schema cannot hold what is stored: measures of any series
-- other than a node's default one (whose id is its node's), or a quality other than good.
DO $refuse$
DECLARE
    problem text;
BEGIN
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM measures m JOIN series s ON s.id = m.series_id
                     WHERE s.kind <> 'load' OR s.subtype IS NOT NULL)
            THEN 'measures of series other than the nodes'' default (load) series'
        WHEN EXISTS (SELECT 1 FROM measures WHERE quality <> 0)
            THEN 'measures whose quality is estimated or missing'
    END INTO problem;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'cannot downgrade below 0007 without losing data: the database holds %',
                        problem
            USING HINT = 'delete those measures first, or stay at this revision';
    END IF;
END
$refuse$;

DROP VIEW forecast_revisions;
DROP MATERIALIZED VIEW grid_1h;
DROP MATERIALIZED VIEW region_1h;
DROP MATERIALIZED VIEW series_1h;
DROP MATERIALIZED VIEW series_latest;
DROP TRIGGER grid_node_guard ON grid_node;
DROP TRIGGER grid_region_guard ON grid_region;
DROP FUNCTION gridts_guard_node();
DROP FUNCTION gridts_guard_region();

ALTER TABLE measures DROP CONSTRAINT measures_value_present;
ALTER TABLE measures ALTER COLUMN value SET NOT NULL;
ALTER TABLE measures DROP COLUMN quality;
ALTER TABLE measures RENAME COLUMN series_id TO node_id;

DROP TRIGGER grid_node_default_series ON grid_node;
DROP FUNCTION gridts_default_series();
DROP TABLE series;
DROP FUNCTION gridts_guard_series();
DROP TABLE kind;
DROP FUNCTION gridts_guard_kind();
DROP FUNCTION quality_name(smallint);
ALTER TABLE grid DROP COLUMN timezone;

-- 0002's guards, over node_id again.
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
