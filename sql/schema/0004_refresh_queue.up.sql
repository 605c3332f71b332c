-- Target windows written below a continuous aggregate's watermark, waiting for a refresh.
-- Ingest adds a row in the same transaction as the measures, so an acknowledged write's
-- refresh survives a crash of the service; the refresher deletes the rows it has refreshed.
-- (The refresh policies only look back 35 days: a late revision of last year would otherwise
-- stay out of the materialised rollups for good.)
CREATE TABLE rollup_refresh_queue (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    queued_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (window_start < window_end)
);
