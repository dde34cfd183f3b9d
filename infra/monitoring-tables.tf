# Monitoring records: dataset shop_monitoring and the MonitoringStore's tables (schemas/monitoring_*.json, generated from
# functions/src/monitoring/monitoring-tables.ts): the monitor's decisions, nightly drift, retraining requests. The functions
# (monitor, drift and retrain jobs; shop/redact) write them. The outcome-join tables of the same dataset come from Dataform.
locals {
  monitoring_tables = {
    decisions        = { partition = "decided_at", clustering = ["shop", "model"] }
    drift_results    = { partition = "run_date", clustering = ["shop", "subject"] }
    drift_runs       = { partition = "run_date", clustering = ["shop", "subject"] }
    retrain_requests = { partition = "requested_at", clustering = ["shop"] }
  }
}

resource "google_bigquery_dataset" "shop_monitoring" {
  dataset_id  = "shop_monitoring"
  location    = var.bigquery_location
  description = "Live precision of served predictions, the monitor's rollout decisions, nightly drift and retraining requests."
  depends_on  = [google_project_service.apis]
}

resource "google_bigquery_table" "monitoring" {
  for_each            = local.monitoring_tables
  dataset_id          = google_bigquery_dataset.shop_monitoring.dataset_id
  table_id            = each.key
  schema              = file("${path.module}/schemas/monitoring_${each.key}.json")
  clustering          = each.value.clustering
  deletion_protection = false

  time_partitioning {
    type  = "DAY"
    field = each.value.partition
  }
}

# The monitor, drift and retrain jobs record here; the privacy worker deletes a redacted shop's rows.
resource "google_bigquery_dataset_iam_member" "functions_monitoring_editor" {
  dataset_id = google_bigquery_dataset.shop_monitoring.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.functions_sa
}
