-- Distinct segments ({segments}: the compress_segmentby columns) of one hypertable over the
-- %(window)s of stored times up to %(newest)s.
SELECT count(*)
FROM (SELECT DISTINCT {segments}
      FROM {table}
      WHERE {column} > %(newest)s::timestamptz - %(window)s::interval
        AND {column} <= %(newest)s::timestamptz) AS segments
