-- assertion shop_assertions.raw_events_freshness

-- full build
-- Freshness of the raw landing table, measured on received_at. Fails (one row per shop) when
--   * the newest accepted delivery was received on a shop-local day before the snapshot date: the data does
--     not reach the day being built (ingestion stalled, or a snapshot beyond the data was asked for); or
--   * vars.freshness_hours is set (the scheduled cloud workflow sets it) and the newest delivery is older
--     than that many hours: webhooks stopped arriving or landing.
-- The runner treats it as a check of shop_raw.events: when it fails, nothing downstream is built.


SELECT
  shop,
  MAX(received_at) AS newest_received_at,
  CAST(timezone('America/New_York', MAX(received_at)) AS DATE) AS newest_received_day,
  DATE '2024-03-10' AS snapshot_date
FROM "shop_raw"."events"
GROUP BY shop
HAVING CAST(timezone('America/New_York', MAX(received_at)) AS DATE) < DATE '2024-03-10'
