-- latest.sql for one series (s.id), of every revision or as of a collection time, with the
-- targets from fresh_start up to x.split read from series_latest's materialised rows (fresh.sql
-- says where they are exact) instead of sorting their revisions: the latest values of 1,000
-- series over 30 days took 0.44 s in the database instead of 1.1 s, as of a time 0.37-0.40 s
-- instead of 0.61-0.65 s (bench/README.md, "Latest values from series_latest").
--
-- A materialised row holds its target's newest revision. As of a time, that is the answer while
-- it was collected by then; so x.split is the first target whose newest revision came later
-- (without a time, fresh_end), and from it on the targets come from latest.sql, as do those
-- before fresh_start. A part left empty is excluded when the statement is planned (from x.split
-- on, without a time; with one, when it runs). The three parts come in target order.
SELECT r.*
FROM (
    SELECT coalesce((SELECT min(l.target)
                       FROM series_latest l
                      WHERE l.series_id = s.id
                        AND l.target >= %(fresh_start)s::timestamptz
                        AND l.target < %(fresh_end)s::timestamptz
                        AND l.timestamp_collected > %(collected)s::timestamptz),
                    %(fresh_end)s::timestamptz) AS split
) AS x
CROSS JOIN LATERAL (
    (SELECT * FROM ({latest}) AS r WHERE r.timestamp_measured < %(fresh_start)s::timestamptz)
    UNION ALL
    (SELECT l.target, l.timestamp_collected, l.value_units, l.quality
       FROM series_latest l
      WHERE l.series_id = s.id
        AND l.target >= %(fresh_start)s::timestamptz
        AND l.target < %(fresh_end)s::timestamptz
        AND l.target < x.split
      ORDER BY l.target)
    UNION ALL
    (SELECT *
       FROM ({latest}) AS r
      WHERE r.timestamp_measured >= x.split
        AND (%(collected)s::timestamptz IS NOT NULL
             OR r.timestamp_measured >= %(fresh_end)s::timestamptz))
) AS r
