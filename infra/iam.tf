# Identities and least-privilege grants: the functions' service account and the Pub/Sub service agent (BigQuery subscriptions, dead letters).
resource "google_service_account" "functions" {
  account_id   = "shop-mlops-functions"
  display_name = "shop-mlops Cloud Functions"
  depends_on   = [google_project_service.apis]
}

locals {
  functions_sa = "serviceAccount:${google_service_account.functions.email}"
  pubsub_agent = "serviceAccount:${google_project_service_identity.pubsub.email}"
  bq_subscripts = {
    events     = google_pubsub_subscription.events_to_bigquery.name
    quarantine = google_pubsub_subscription.quarantine_to_bigquery.name
  }
}

# --- Pub/Sub service agent ---------------------------------------------------------------

resource "google_bigquery_dataset_iam_member" "pubsub_agent_editor" {
  dataset_id = google_bigquery_dataset.shop_raw.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.pubsub_agent
}

resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letter_publisher" {
  topic  = google_pubsub_topic.dead_letter.name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_subscriber" {
  for_each     = local.bq_subscripts
  subscription = each.value
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# --- Functions service account -----------------------------------------------------------

resource "google_pubsub_topic_iam_member" "functions_publish_webhooks" {
  topic  = google_pubsub_topic.webhooks.name
  role   = "roles/pubsub.publisher"
  member = local.functions_sa
}

resource "google_pubsub_topic_iam_member" "functions_publish_privacy" {
  topic  = google_pubsub_topic.privacy.name
  role   = "roles/pubsub.publisher"
  member = local.functions_sa
}

resource "google_secret_manager_secret_iam_member" "functions_secret_accessor" {
  secret_id = google_secret_manager_secret.shopify_api_secret.id
  role      = "roles/secretmanager.secretAccessor"
  member    = local.functions_sa
}

resource "google_bigquery_dataset_iam_member" "functions_data_editor" {
  dataset_id = google_bigquery_dataset.shop_raw.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.functions_sa
}

resource "google_project_iam_member" "functions_job_user" {
  project    = var.project
  role       = "roles/bigquery.jobUser"
  member     = local.functions_sa
  depends_on = [google_project_service.apis]
}

# Redaction edits the tables Dataform derives (core/privacy.ts CUSTOMER_DATA_TABLES: shop_staging, shop_features) and shop/redact
# empties them; the api function reads its online features there. dataEditor includes dataViewer.
resource "google_bigquery_dataset_iam_member" "functions_staging_editor" {
  dataset_id = google_bigquery_dataset.shop_staging.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.functions_sa
}

resource "google_bigquery_dataset_iam_member" "functions_features_editor" {
  dataset_id = google_bigquery_dataset.shop_features.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.functions_sa
}

resource "google_storage_bucket_iam_member" "functions_object_admin" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectAdmin"
  member = local.functions_sa
}

# The privacy worker's Eventarc trigger runs as the functions' account (firebase-tools gives the trigger the function's
# account) and must be allowed to receive events...
resource "google_project_iam_member" "functions_event_receiver" {
  project    = var.project
  role       = "roles/eventarc.eventReceiver"
  member     = local.functions_sa
  depends_on = [google_project_service.apis]
}

# ...and to invoke the privacy worker's Cloud Run service, or Pub/Sub's pushes are refused and the worker never runs. The
# service is created by `firebase deploy`, after this apply, so the grant is on the project.
resource "google_project_iam_member" "functions_run_invoker" {
  project    = var.project
  role       = "roles/run.invoker"
  member     = local.functions_sa
  depends_on = [google_project_service.apis]
}
