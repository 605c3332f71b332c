-- Several series per node (issue 13). A series is one quantity of one node: a kind from the
-- catalogue (with its unit and how it aggregates across nodes) and an optional subtype (a fuel,
-- say). measures rows belong to a series and carry a quality. Every node has a default series,
-- kind 'load' with no subtype, created with the node, whose id is the node's id: series and
-- nodes draw their ids from one sequence, so "series N is node N's load" always holds. Every
-- stored revision therefore already names its node's default series, and measures is not
-- rewritten: node_id is renamed series_id.

CREATE TABLE kind (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{{0,62}}$'),
    unit        text NOT NULL CHECK (unit <> '' AND length(unit) <= 32),
    aggregation text NOT NULL CHECK (aggregation IN ('sum', 'mean')),
    description text NOT NULL DEFAULT ''
);
-- sum: extensive quantities (a region's load is the sum of its nodes'); mean: intensive ones
-- (a region's price is the average of its nodes').
INSERT INTO kind (name, unit, aggregation, description) VALUES
    ('load', 'MW', 'sum', 'Power drawn at the node (forecast or measured).'),
    ('generation', 'MW', 'sum', 'Power generated at the node; the subtype names the fuel.'),
    ('interchange', 'MW', 'sum', 'Net power flow out of the node: positive is export.'),
    ('energy', 'MWh', 'sum', 'Energy over the target period.'),
    ('price', 'EUR/MWh', 'mean', 'Market price at the node.'),
    ('co2_intensity', 'g/kWh', 'mean', 'Carbon intensity of the power at the node.'),
    ('temperature', 'degC', 'mean', 'Air temperature at the node.');

-- Daily rollups start at local midnight in the grid's zone. Validity (an IANA name that this
-- server knows) is checked by the service; the constraint only keeps out the empty string.
ALTER TABLE grid ADD COLUMN timezone text NOT NULL DEFAULT 'UTC' CHECK (timezone <> '');

CREATE TABLE series (
    id          integer PRIMARY KEY DEFAULT nextval('grid_node_id_seq'),
    node_id     integer NOT NULL REFERENCES grid_node (id) ON DELETE CASCADE,
    kind        text NOT NULL REFERENCES kind (name) ON DELETE RESTRICT ON UPDATE RESTRICT,
    subtype     text CHECK (subtype ~ '^[a-z][a-z0-9_]{{0,62}}$'),
    min_value   double precision CHECK (min_value = min_value AND abs(min_value) < 'Infinity'),
    max_value   double precision CHECK (max_value = max_value AND abs(max_value) < 'Infinity'),
    description text NOT NULL DEFAULT '',
    CHECK (min_value <= max_value),
    UNIQUE NULLS NOT DISTINCT (node_id, kind, subtype)
);
CREATE INDEX series_kind_idx ON series (kind, subtype);

INSERT INTO series (id, node_id, kind) SELECT id, id, 'load' FROM grid_node ORDER BY id;

-- A node inserted with an explicit id (SQL, a restore) moves the shared sequence past it, so a
-- series created later never takes an id a node has. Security definer: moving a sequence needs
-- UPDATE on it, which gridts_api does not otherwise have.
CREATE FUNCTION gridts_default_series() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.id > (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
                 FROM grid_node_id_seq) THEN
        PERFORM setval('grid_node_id_seq', NEW.id);
    END IF;
    INSERT INTO series (id, node_id, kind) VALUES (NEW.id, NEW.id, 'load');
    RETURN NULL;
END;
$$;
CREATE TRIGGER grid_node_default_series
    AFTER INSERT ON grid_node
    FOR EACH ROW EXECUTE FUNCTION gridts_default_series();

-- quality: 0 good, 1 estimated, 2 missing. A missing observation may carry no value.
CREATE FUNCTION quality_name(code smallint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (ARRAY['good', 'estimated', 'missing'])[code + 1];

-- Everything that reads measures.node_id goes, and comes back below in terms of series.
DROP VIEW forecast_revisions;
DROP MATERIALIZED VIEW grid_1d;
DROP MATERIALIZED VIEW region_1d;
DROP MATERIALIZED VIEW node_1d;
DROP MATERIALIZED VIEW grid_1h;
DROP MATERIALIZED VIEW region_1h;
DROP MATERIALIZED VIEW node_1h;
DROP MATERIALIZED VIEW node_latest;
DROP TRIGGER grid_node_guard ON grid_node;
DROP TRIGGER grid_region_guard ON grid_region;
DROP FUNCTION gridts_guard_node();
DROP FUNCTION gridts_guard_region();

-- Metadata-only on compressed chunks too: the rename, a column with a constant default, and
-- dropping NOT NULL rewrite nothing.
ALTER TABLE measures RENAME COLUMN node_id TO series_id;
ALTER TABLE measures ADD COLUMN quality smallint NOT NULL DEFAULT 0
    CONSTRAINT measures_quality_check CHECK (quality BETWEEN 0 AND 2);
ALTER TABLE measures ALTER COLUMN value DROP NOT NULL;
ALTER TABLE measures ADD CONSTRAINT measures_value_present CHECK (value IS NOT NULL OR quality = 2);

-- Guards: the rollups join series and the hierarchy, and TimescaleDB does not track changes to
-- joined tables, so nothing that holds measures may vanish, move or change what it means.
CREATE FUNCTION gridts_guard_node() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.region_id = OLD.region_id THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM measures
               WHERE series_id = ANY(ARRAY(SELECT id FROM series WHERE node_id = OLD.id))) THEN
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
        SELECT 1 FROM measures
        WHERE series_id = ANY(ARRAY(SELECT s.id FROM series s JOIN grid_node n ON n.id = s.node_id
                                    WHERE n.region_id = OLD.id))
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

-- A series with measures keeps its node, kind and subtype; a node's default series goes only
-- with its node (ON DELETE CASCADE runs after the node row is gone).
CREATE FUNCTION gridts_guard_series() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.node_id = OLD.node_id
       AND NEW.kind = OLD.kind AND NEW.subtype IS NOT DISTINCT FROM OLD.subtype THEN
        RETURN NEW;
    END IF;
    IF OLD.kind = 'load' AND OLD.subtype IS NULL
       AND EXISTS (SELECT 1 FROM grid_node WHERE id = OLD.node_id) THEN
        RAISE EXCEPTION 'series % is the default series of node %', OLD.id, OLD.node_id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'a node''s default series (kind load, no subtype) goes only with its node';
    END IF;
    IF EXISTS (SELECT 1 FROM measures WHERE series_id = OLD.id) THEN
        RAISE EXCEPTION 'series % holds measures', OLD.id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'delete its measures first; a series with measures keeps its node, kind and subtype';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER series_guard
    BEFORE DELETE OR UPDATE OF id, node_id, kind, subtype ON series
    FOR EACH ROW EXECUTE FUNCTION gridts_guard_series();

-- A kind in use keeps its unit and aggregation: every stored value and rollup was read that way.
CREATE FUNCTION gridts_guard_kind() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.unit, NEW.aggregation) IS DISTINCT FROM (OLD.unit, OLD.aggregation)
       AND EXISTS (SELECT 1 FROM series WHERE kind = OLD.name) THEN
        RAISE EXCEPTION 'kind % is in use', OLD.name
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'a kind that series use keeps its unit and aggregation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER kind_guard
    BEFORE UPDATE OF unit, aggregation ON kind
    FOR EACH ROW EXECUTE FUNCTION gridts_guard_kind();

-- Rollups. series_latest keeps one row per series and target: its latest revision (value and
-- quality). Targets are whole seconds (ingest enforces that), so a one-second bucket is the
-- target itself. series_1h: each hour's statistics over the usable (good or estimated) latest
-- values, and how many of them were estimated; missing values are left out.
CREATE MATERIALIZED VIEW series_latest
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT series_id,
       time_bucket(INTERVAL '1 second', timestamp_measured) AS target,
       last(value, timestamp_collected) AS value,
       last(quality, timestamp_collected) AS quality,
       max(timestamp_collected) AS timestamp_collected,
       count(*) AS revisions
FROM measures
GROUP BY series_id, time_bucket(INTERVAL '1 second', timestamp_measured)
WITH NO DATA;

CREATE MATERIALIZED VIEW series_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT series_id,
       time_bucket(INTERVAL '1 hour', target) AS bucket,
       avg(value) FILTER (WHERE quality < 2) AS avg,
       min(value) FILTER (WHERE quality < 2) AS min,
       max(value) FILTER (WHERE quality < 2) AS max,
       sum(value) FILTER (WHERE quality < 2) AS sum,
       count(*) FILTER (WHERE quality < 2) AS count,
       count(*) FILTER (WHERE quality = 1) AS estimated
FROM series_latest
GROUP BY series_id, time_bucket(INTERVAL '1 hour', target)
WITH NO DATA;

-- Per region, kind and subtype and hour: the sum of the series' hourly averages and how many
-- series had one. A sum kind's value is `total`; a mean kind's is `total / nodes` (at grid
-- level too: the mean over all the grid's nodes, not a mean of region means).
-- The bucket is the second column at every level: TimescaleDB 2.28.3 refuses an aggregate on an
-- aggregate that joins a table ("time bucket function must reference the primary hypertable
-- dimension column") when the bucket's position differs from its parent's (measured here).
CREATE MATERIALIZED VIEW region_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT n.region_id,
       time_bucket(INTERVAL '1 hour', h.bucket) AS bucket,
       s.kind,
       s.subtype,
       sum(h.avg) AS total,
       count(h.avg) AS nodes,
       sum(h.estimated)::bigint AS estimated
FROM series_1h h
JOIN series s ON s.id = h.series_id
JOIN grid_node n ON n.id = s.node_id
GROUP BY n.region_id, s.kind, s.subtype, time_bucket(INTERVAL '1 hour', h.bucket)
WITH NO DATA;

CREATE MATERIALIZED VIEW grid_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT r.grid_id,
       time_bucket(INTERVAL '1 hour', h.bucket) AS bucket,
       h.kind,
       h.subtype,
       sum(h.total) AS total,
       sum(h.nodes)::bigint AS nodes,
       sum(h.estimated)::bigint AS estimated
FROM region_1h h
JOIN grid_region r ON r.id = h.region_id
GROUP BY r.grid_id, h.kind, h.subtype, time_bucket(INTERVAL '1 hour', h.bucket)
WITH NO DATA;

-- Daily rollups are local days, in each grid's own zone: no continuous aggregate can bucket by
-- a per-row zone, so they are computed from the hourly aggregates when asked for (see
-- gridts.rollups). The policies are those of 0003.
SELECT add_continuous_aggregate_policy(view_name::regclass,
           start_offset => INTERVAL '35 days', end_offset => NULL,
           schedule_interval => INTERVAL '1 hour',
           buckets_per_batch => CASE WHEN view_name = 'series_latest' THEN 0 END)
FROM (VALUES ('series_latest'), ('series_1h'), ('region_1h'), ('grid_1h')) AS v (view_name);

-- Dashboard 3 (forecast evolution) reads every revision through this view (see 0005).
CREATE VIEW forecast_revisions AS
SELECT s.node_id,
       m.series_id,
       s.kind,
       s.subtype,
       m.timestamp_measured AS target,
       m.timestamp_collected AS collected,
       m.value,
       quality_name(m.quality) AS quality
FROM measures m
JOIN series s ON s.id = m.series_id;

GRANT SELECT ON kind, series, forecast_revisions, series_latest, series_1h, region_1h, grid_1h
    TO gridts_grafana, gridts_api;
GRANT INSERT, UPDATE, DELETE ON kind, series TO gridts_api;

-- As in 0005: grants on continuous aggregates are copied to their internals; take them back.
DO $internals$
DECLARE
    rel regclass;
BEGIN
    FOR rel IN
        SELECT format('%I.%I', h.schema_name, h.table_name)::regclass
        FROM _timescaledb_catalog.continuous_agg c
        JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id
        WHERE c.user_view_schema = current_schema()
        UNION ALL
        SELECT format('%I.%I', c.partial_view_schema, c.partial_view_name)::regclass
        FROM _timescaledb_catalog.continuous_agg c WHERE c.user_view_schema = current_schema()
        UNION ALL
        SELECT format('%I.%I', c.direct_view_schema, c.direct_view_name)::regclass
        FROM _timescaledb_catalog.continuous_agg c WHERE c.user_view_schema = current_schema()
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM gridts_grafana, gridts_api', rel);
    END LOOP;
END
$internals$;

-- The new aggregates hold nothing yet: queue every stored day for the refresher (it drains the
-- queue when it starts; `gridts migrate` drains it before it returns). Until then real-time
-- aggregation answers from measures, so reads are right, only slower.
INSERT INTO rollup_refresh_queue (window_start, window_end)
SELECT date_trunc('day', lo, 'UTC'), date_trunc('day', hi, 'UTC') + INTERVAL '1 day'
FROM (SELECT min(timestamp_measured) AS lo, max(timestamp_measured) AS hi FROM measures) AS r
WHERE lo IS NOT NULL;
