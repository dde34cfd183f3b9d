# Batch scores: dataset shop_predictions and its tables (schemas/predictions_*.json, generated from functions/src/serving/prediction-tables.ts),
# written by the training pipeline's score step, read by the prediction routes; customer rows are deleted on customers/redact.
locals {
  prediction_tables = {
    customer_clv            = ["shop", "customer_id"]
    customer_propensity     = ["shop", "customer_id"]
    variant_forecast        = ["shop", "variant_id"]
    variant_replenishment   = ["shop", "variant_id"]
    product_recommendations = ["shop", "product_id"]
  }
}

resource "google_bigquery_dataset" "shop_predictions" {
  dataset_id  = "shop_predictions"
  location    = var.bigquery_location
  description = "Batch scores of registered model versions, keyed by (shop, snapshot_date, model, version)."
  depends_on  = [google_project_service.apis]
}

resource "google_bigquery_table" "predictions" {
  for_each            = local.prediction_tables
  dataset_id          = google_bigquery_dataset.shop_predictions.dataset_id
  table_id            = each.key
  schema              = file("${path.module}/schemas/predictions_${each.key}.json")
  clustering          = each.value
  deletion_protection = false

  time_partitioning {
    type  = "DAY"
    field = "snapshot_date"
  }
}

# The score step writes the batches and reads current stock (shop_staging.inventory_levels) and order lines (extract).
resource "google_bigquery_dataset_iam_member" "pipelines_predictions_editor" {
  dataset_id = google_bigquery_dataset.shop_predictions.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.pipelines_sa
}

resource "google_bigquery_dataset_iam_member" "pipelines_staging_viewer" {
  dataset_id = google_bigquery_dataset.shop_staging.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = local.pipelines_sa
}

# The privacy worker deletes a redacted customer's scores and a redacted shop's rows.
resource "google_bigquery_dataset_iam_member" "functions_predictions_editor" {
  dataset_id = google_bigquery_dataset.shop_predictions.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.functions_sa
}
