-- Restores gridts_request_refresh() as 0005 created it.
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
