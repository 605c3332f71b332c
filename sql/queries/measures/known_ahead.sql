-- latest.sql's revisions for GET /measures/horizon: those collected at or before the cutoff,
-- which is `target - lead`, or (day-ahead form) strictly before the local time of day `issued`
-- on the day before the target's local day in time zone `tz`. Targets with no such revision
-- are left out.
CASE WHEN %(lead)s::interval IS NOT NULL
     THEN m.timestamp_collected <= m.timestamp_measured - %(lead)s::interval
     ELSE m.timestamp_collected
          < ((((m.timestamp_measured AT TIME ZONE %(tz)s)::date - 1)
              + %(issued)s::time) AT TIME ZONE %(tz)s)
END
