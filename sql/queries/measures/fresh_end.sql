-- latest_materialised.sql's bound for the latest values: series_latest answers every target of
-- its exact part [fresh_start, fresh_end) (fresh.sql).
SELECT %(fresh_end)s::timestamptz
