# Prediction log: the api function publishes every served prediction to a topic; a BigQuery subscription writes them
# into shop_predictions.prediction_log (schema generated from functions/src/serving/prediction-log-table.ts). The A/B
# exposures query reads this table; customer rows are deleted on customers/redact.
resource "google_pubsub_topic" "predictions" {
  name                       = "shop-mlops-predictions"
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_topic" "predictions_dead_letter" {
  name                       = "shop-mlops-predictions-dead-letter"
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_subscription" "predictions_dead_letter" {
  name                       = "shop-mlops-predictions-dead-letter"
  topic                      = google_pubsub_topic.predictions_dead_letter.id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  expiration_policy {
    ttl = ""
  }
}

resource "google_bigquery_table" "prediction_log" {
  dataset_id          = google_bigquery_dataset.shop_predictions.dataset_id
  table_id            = "prediction_log"
  schema              = file("${path.module}/schemas/prediction_log.json")
  clustering          = ["shop", "model"]
  deletion_protection = false

  time_partitioning {
    type  = "DAY"
    field = "served_at"
  }
}

resource "google_pubsub_subscription" "predictions_to_bigquery" {
  name  = "shop-mlops-predictions-bq"
  topic = google_pubsub_topic.predictions.id

  bigquery_config {
    table            = "${var.project}.${google_bigquery_dataset.shop_predictions.dataset_id}.${google_bigquery_table.prediction_log.table_id}"
    use_table_schema = true
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.predictions_dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_bigquery_dataset_iam_member.pubsub_agent_predictions_editor]
}

# The Pub/Sub service agent writes the log table, publishes its dead letters and subscribes to its subscription.
resource "google_bigquery_dataset_iam_member" "pubsub_agent_predictions_editor" {
  dataset_id = google_bigquery_dataset.shop_predictions.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.pubsub_agent
}

resource "google_pubsub_topic_iam_member" "pubsub_agent_predictions_dead_letter_publisher" {
  topic  = google_pubsub_topic.predictions_dead_letter.name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_predictions_subscriber" {
  subscription = google_pubsub_subscription.predictions_to_bigquery.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# The api function publishes the log.
resource "google_pubsub_topic_iam_member" "functions_publish_predictions" {
  topic  = google_pubsub_topic.predictions.name
  role   = "roles/pubsub.publisher"
  member = local.functions_sa
}
# (It reads its features through functions_staging_editor / functions_features_editor, infra/iam.tf.)
