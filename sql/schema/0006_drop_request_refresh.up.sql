-- gridts_request_refresh() (0005) moved the refresh policies' next run to now for gridts_api,
-- which may not refresh. Since `gridts refresher` runs as the aggregates' owner and drains the
-- durable refresh queue, nothing calls it: it goes, with its grant.
DROP FUNCTION IF EXISTS gridts_request_refresh();
