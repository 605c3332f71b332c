-- Region or grid level, per kind, subtype and UTC hour, from region_1h / grid_1h ({view}, keyed
-- by {key}): the total of the series' hourly averages for sum kinds, their mean (total / nodes)
-- for mean kinds. One value per hour: avg = min = max = sum = it, count = 1. The views hold
-- integers of the kind's smallest unit (migration 0011), added exactly: one division by the
-- scale (times nodes, for a mean) gives the value.
WITH entities AS MATERIALIZED ({entities}),
hourly AS (
    SELECT v.{key} AS id, v.bucket, v.kind, v.subtype, k.unit, v.nodes, v.estimated, e.tz,
           CASE WHEN k.aggregation = 'mean' THEN v.total_units / (v.nodes * k.scale)
                ELSE v.total_units / k.scale END AS value
    FROM {view} v
    JOIN entities e ON e.id = v.{key}
    JOIN kind k ON k.name = v.kind
    WHERE v.{key} = ANY(%(ids)s::integer[])
      AND v.bucket >= %(start)s::timestamptz AND v.bucket < %(until)s::timestamptz
      AND v.nodes > 0
      AND (%(kinds)s::text[] IS NULL OR v.kind = ANY(%(kinds)s::text[]))
      AND (%(subtypes)s::text[] IS NULL OR v.subtype = ANY(%(subtypes)s::text[]))
      AND (NOT %(default_only)s OR (v.kind = 'load' AND v.subtype IS NULL))
)
SELECT id, bucket, value AS avg, value AS min, value AS max, value AS sum, 1::bigint AS count,
       nodes, NULL::integer AS series_id, kind, subtype, unit, estimated, tz
FROM hourly
