-- latest.sql for one series (s.id), with the targets in [fresh_start, fresh_end) read from
-- series_latest's materialised rows (fresh.sql says when they are exact) instead of sorting
-- their revisions: the latest values of 1,000 series over 30 days take 0.44 s in the database
-- instead of 1.1 s (bench/README.md, "Latest values from series_latest"). {materialised} is
-- the materialisation hypertable itself where the role may read it, else the view (fresh.sql).
-- The targets before and after that part come from latest.sql as always; a part left empty is
-- excluded when the statement is planned. The three parts come in target order.
(SELECT * FROM ({latest}) AS r WHERE r.timestamp_measured < %(fresh_start)s::timestamptz)
UNION ALL
(SELECT l.target, l.timestamp_collected, l.value_units, l.quality
   FROM {materialised} l
  WHERE l.series_id = s.id
    AND l.target >= %(fresh_start)s::timestamptz
    AND l.target < %(fresh_end)s::timestamptz
  ORDER BY l.target)
UNION ALL
(SELECT * FROM ({latest}) AS r WHERE r.timestamp_measured >= %(fresh_end)s::timestamptz)
