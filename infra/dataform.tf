# Features in the cloud: the Dataform datasets, repository (Git remote), nightly release + workflow configs (and the hourly
# outcome join: actions tagged monitoring), their runner account and grants.

# --- Datasets Dataform writes (same names as the DuckDB schemas and dataform/workflow_settings.yaml) ----

resource "google_bigquery_dataset" "shop_staging" {
  dataset_id  = "shop_staging"
  location    = var.bigquery_location
  description = "Exactly-once, current-state tables built by Dataform from shop_raw (defaultDataset)."
  depends_on  = [google_project_service.apis]
}

resource "google_bigquery_dataset" "shop_features" {
  dataset_id  = "shop_features"
  location    = var.bigquery_location
  description = "Feature tables by snapshot_date (customer_rfm, customer_labels, variant_daily_demand, co_purchase_pairs; the co_purchase view)."
  depends_on  = [google_project_service.apis]
}

resource "google_bigquery_dataset" "shop_assertions" {
  dataset_id  = "shop_assertions"
  location    = var.bigquery_location
  description = "Dataform assertion views: the rows that failed each check (defaultAssertionDataset)."
  depends_on  = [google_project_service.apis]
}

locals {
  dataform_sa    = "serviceAccount:${google_service_account.dataform.email}"
  dataform_agent = "serviceAccount:${google_project_service_identity.dataform.email}"
  # Datasets the workflows create and replace tables in; shop_raw and shop_predictions are only read (declarations).
  # shop_monitoring (infra/monitoring-tables.tf) also holds the MonitoringStore's tables, which Dataform never touches.
  dataform_written = {
    staging    = google_bigquery_dataset.shop_staging.dataset_id
    features   = google_bigquery_dataset.shop_features.dataset_id
    assertions = google_bigquery_dataset.shop_assertions.dataset_id
    monitoring = google_bigquery_dataset.shop_monitoring.dataset_id
  }
  dataform_git_token_version = "${google_secret_manager_secret.dataform_git_token.id}/versions/${var.dataform_git_token_version}"
}

# --- Git token (value added with `gcloud secrets versions add DATAFORM_GIT_TOKEN --data-file=-`, never in state) ---

resource "google_secret_manager_secret" "dataform_git_token" {
  secret_id = "DATAFORM_GIT_TOKEN"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

# --- The runner: workflow invocations run as this account ---------------------------------------------

resource "google_service_account" "dataform" {
  account_id   = "shop-mlops-dataform"
  display_name = "shop-mlops Dataform workflows"
  depends_on   = [google_project_service.apis]
}

resource "google_bigquery_dataset_iam_member" "dataform_data_editor" {
  for_each   = local.dataform_written
  dataset_id = each.value
  role       = "roles/bigquery.dataEditor"
  member     = local.dataform_sa
}

resource "google_bigquery_dataset_iam_member" "dataform_raw_viewer" {
  dataset_id = google_bigquery_dataset.shop_raw.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = local.dataform_sa
}

# The outcome join reads the prediction log (the serving path writes it).
resource "google_bigquery_dataset_iam_member" "dataform_predictions_viewer" {
  dataset_id = google_bigquery_dataset.shop_predictions.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = local.dataform_sa
}

resource "google_project_iam_member" "dataform_job_user" {
  project    = var.project
  role       = "roles/bigquery.jobUser"
  member     = local.dataform_sa
  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_iam_member" "dataform_git_token_accessor" {
  secret_id = google_secret_manager_secret.dataform_git_token.id
  role      = "roles/secretmanager.secretAccessor"
  member    = local.dataform_sa
}

# --- Dataform service agent: reads the Git token and mints the runner's credentials ----------------------
# (The agent is created by google_project_service_identity.dataform; whoever applies also needs iam.serviceAccounts.actAs on the runner.)

resource "google_secret_manager_secret_iam_member" "dataform_agent_git_token_accessor" {
  secret_id = google_secret_manager_secret.dataform_git_token.id
  role      = "roles/secretmanager.secretAccessor"
  member    = local.dataform_agent
}

resource "google_service_account_iam_member" "dataform_agent_token_creator" {
  service_account_id = google_service_account.dataform.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.dataform_agent
}

resource "google_service_account_iam_member" "dataform_agent_sa_user" {
  service_account_id = google_service_account.dataform.name
  role               = "roles/iam.serviceAccountUser"
  member             = local.dataform_agent
}

# --- Repository, release config (compiles the branch nightly), workflow config (runs it) -----------------

resource "google_dataform_repository" "shop_mlops" {
  provider        = google-beta
  name            = "shop-mlops"
  region          = var.region
  display_name    = "shop-mlops features"
  service_account = google_service_account.dataform.email

  git_remote_settings {
    url                                 = var.dataform_git_url
    default_branch                      = var.dataform_git_branch
    authentication_token_secret_version = local.dataform_git_token_version
  }

  # Dataform reads a repository root, so the remote branch is dataform/ of main, published by
  # infra/publish-dataform.sh after each merge. Development workspaces write to this project.
  workspace_compilation_overrides {
    default_database = var.project
  }

  depends_on = [
    google_project_service.apis,
    google_secret_manager_secret_iam_member.dataform_git_token_accessor,
    google_secret_manager_secret_iam_member.dataform_agent_git_token_accessor,
    google_service_account_iam_member.dataform_agent_token_creator,
    google_service_account_iam_member.dataform_agent_sa_user,
  ]
}

resource "google_dataform_repository_release_config" "nightly" {
  provider   = google-beta
  project    = google_dataform_repository.shop_mlops.project
  region     = google_dataform_repository.shop_mlops.region
  repository = google_dataform_repository.shop_mlops.name

  name          = "nightly"
  git_commitish = var.dataform_git_branch
  cron_schedule = var.dataform_release_cron
  time_zone     = var.shop_timezone

  # Overrides workflow_settings.yaml (vars merge key by key): this project, BigQuery SQL, the shop's days,
  # and an empty snapshot_date so every run snapshots yesterday in the shop's time zone.
  code_compilation_config {
    default_database = var.project
    default_location = var.bigquery_location
    default_schema   = google_bigquery_dataset.shop_staging.dataset_id
    assertion_schema = google_bigquery_dataset.shop_assertions.dataset_id
    vars = {
      dialect       = "bigquery"
      shop_timezone = var.shop_timezone
      snapshot_date = ""
    }
  }
}

resource "google_dataform_repository_workflow_config" "nightly" {
  provider   = google-beta
  project    = google_dataform_repository.shop_mlops.project
  region     = google_dataform_repository.shop_mlops.region
  repository = google_dataform_repository.shop_mlops.name

  name           = "nightly"
  release_config = google_dataform_repository_release_config.nightly.id
  cron_schedule  = var.dataform_workflow_cron
  time_zone      = var.shop_timezone

  # No included tags or targets: every action (staging, features, assertions; the monitoring ones too, a cheap extra
  # outcome join after the night's build) in dependency order. Dataform has no excluded tags.
  invocation_config {
    service_account                          = google_service_account.dataform.email
    transitive_dependencies_included         = true
    fully_refresh_incremental_tables_enabled = false
  }

  depends_on = [
    google_bigquery_dataset_iam_member.dataform_data_editor,
    google_bigquery_dataset_iam_member.dataform_raw_viewer,
    google_project_iam_member.dataform_job_user,
  ]
}

# The outcome join, hourly: only the actions tagged monitoring (shop_monitoring.prediction_outcomes, outcome_daily,
# live_metrics and their checks) over the staging tables the nightly run built and the prediction log; nothing upstream
# is rebuilt. The monitor job reads outcome_daily after it.
resource "google_dataform_repository_workflow_config" "monitoring" {
  provider   = google-beta
  project    = google_dataform_repository.shop_mlops.project
  region     = google_dataform_repository.shop_mlops.region
  repository = google_dataform_repository.shop_mlops.name

  name           = "monitoring"
  release_config = google_dataform_repository_release_config.nightly.id
  cron_schedule  = var.dataform_monitoring_cron
  time_zone      = var.shop_timezone

  invocation_config {
    included_tags                            = ["monitoring"]
    service_account                          = google_service_account.dataform.email
    transitive_dependencies_included         = false
    fully_refresh_incremental_tables_enabled = false
  }

  depends_on = [
    google_bigquery_dataset_iam_member.dataform_data_editor,
    google_bigquery_dataset_iam_member.dataform_predictions_viewer,
    google_project_iam_member.dataform_job_user,
  ]
}
