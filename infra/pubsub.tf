# Pub/Sub: the webhook topic routed by attribute into BigQuery (events / quarantine), its dead letters, and the privacy topic.
resource "google_pubsub_topic" "webhooks" {
  name                       = "shopify-webhooks"
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_topic" "dead_letter" {
  name                       = "shopify-webhooks-dead-letter"
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.apis]
}

# Operators pull dead letters from here to inspect and republish them.
resource "google_pubsub_subscription" "dead_letter" {
  name                       = "shopify-webhooks-dead-letter"
  topic                      = google_pubsub_topic.dead_letter.id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  expiration_policy {
    ttl = ""
  }
}

# The privacy worker function subscribes to this topic (Eventarc creates its subscription on deploy).
resource "google_pubsub_topic" "privacy" {
  name                       = "shopify-privacy"
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_subscription" "events_to_bigquery" {
  name   = "shopify-webhooks-events-bq"
  topic  = google_pubsub_topic.webhooks.id
  filter = "attributes.route = \"events\""

  bigquery_config {
    table            = "${var.project}.${google_bigquery_dataset.shop_raw.dataset_id}.${google_bigquery_table.events.table_id}"
    use_table_schema = true
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_bigquery_dataset_iam_member.pubsub_agent_editor]
}

resource "google_pubsub_subscription" "quarantine_to_bigquery" {
  name   = "shopify-webhooks-quarantine-bq"
  topic  = google_pubsub_topic.webhooks.id
  filter = "attributes.route = \"quarantine\""

  bigquery_config {
    table            = "${var.project}.${google_bigquery_dataset.shop_raw.dataset_id}.${google_bigquery_table.quarantine.table_id}"
    use_table_schema = true
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_bigquery_dataset_iam_member.pubsub_agent_editor]
}
