# The raw dataset: events (what BigQuery subscriptions land), quarantine, privacy audit. Schemas live in schemas/*.json.
resource "google_bigquery_dataset" "shop_raw" {
  dataset_id  = "shop_raw"
  location    = var.bigquery_location
  description = "Raw Shopify webhook deliveries as received (at-least-once; deduplicated in staging)."
  depends_on  = [google_project_service.apis]
}

resource "google_bigquery_table" "events" {
  dataset_id          = google_bigquery_dataset.shop_raw.dataset_id
  table_id            = "events"
  schema              = file("${path.module}/schemas/events.json")
  clustering          = ["shop", "topic"]
  deletion_protection = true

  time_partitioning {
    type  = "DAY"
    field = "received_at"
  }
}

resource "google_bigquery_table" "quarantine" {
  dataset_id          = google_bigquery_dataset.shop_raw.dataset_id
  table_id            = "quarantine"
  schema              = file("${path.module}/schemas/quarantine.json")
  clustering          = ["shop"]
  deletion_protection = true

  time_partitioning {
    type  = "DAY"
    field = "quarantined_at"
  }
}

resource "google_bigquery_table" "privacy_audit" {
  dataset_id          = google_bigquery_dataset.shop_raw.dataset_id
  table_id            = "privacy_audit"
  schema              = file("${path.module}/schemas/privacy_audit.json")
  clustering          = ["shop"]
  deletion_protection = true
}
