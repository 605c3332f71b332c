-- refresh_continuous_aggregate() demands ownership of the aggregate ("must be owner of view"),
-- and refuses to run inside any function or procedure, SECURITY DEFINER or not ("cannot be
-- executed from a function"): gridts_api cannot refresh, directly or through a wrapper. What a
-- SECURITY DEFINER function can do is move the refresh policies' next run to now, staggered
-- along the hierarchy so each level runs after the one it reads; TimescaleDB's scheduler then
-- refreshes as the owner within seconds. That covers the policies' window (35 days back); a
-- write older than that waits in rollup_refresh_queue for a process that runs as the owner.
CREATE FUNCTION gridts_request_refresh() RETURNS integer
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $function$
    SELECT count(*)::integer
    FROM _timescaledb_catalog.continuous_agg c
    JOIN timescaledb_information.jobs j
      ON j.proc_name = 'policy_refresh_continuous_aggregate'
     AND (j.config ->> 'mat_hypertable_id')::integer = c.mat_hypertable_id
    JOIN (VALUES ('node_latest', 0), ('node_1h', 1), ('node_1d', 2), ('region_1h', 2),
                 ('region_1d', 3), ('grid_1h', 3), ('grid_1d', 4)) AS v (view_name, depth)
      ON v.view_name = c.user_view_name
    CROSS JOIN LATERAL alter_job(j.job_id, next_start => now() + v.depth * INTERVAL '5 seconds')
    WHERE c.user_view_schema = 'public'
$function$;
REVOKE ALL ON FUNCTION gridts_request_refresh() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gridts_request_refresh() TO gridts_api;
