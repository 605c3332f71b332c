-- latest.sql's revisions for GET /measures: all of them, or (as of) those collected by then.
(%(collected)s::timestamptz IS NULL OR m.timestamp_collected <= %(collected)s::timestamptz)
