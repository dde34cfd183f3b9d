# Training pipelines on Vertex AI: the step image repository (Artifact Registry), the account steps run as, its grants, and where runs write artifacts.

variable "pipeline_repository" {
  type        = string
  default     = "shop-mlops"
  description = "Artifact Registry Docker repository of the pipeline step image (infra/cloudbuild.yaml _REPOSITORY)."
}

locals {
  pipelines_sa = "serviceAccount:${google_service_account.pipelines.email}"
  # Image name inside the repository (infra/cloudbuild.yaml _IMAGE_NAME); the tag is the commit.
  pipeline_image = "${var.region}-docker.pkg.dev/${var.project}/${var.pipeline_repository}/pipeline"
  # PipelineJob runtimeConfig.gcsOutputDirectory: Vertex writes <job>/<task>/<output> under it.
  pipeline_root = "gs://${google_storage_bucket.artifacts.name}/pipeline-root"
  # infra/cloudbuild.yaml runs as this dedicated account (projects created since 2024 have no legacy Cloud Build account).
  build_sa = "serviceAccount:${google_service_account.build.email}"
}

# --- The image build: a dedicated Cloud Build account and the bucket its sources are staged in ---------------
# gcloud builds submit --config infra/cloudbuild.yaml --service-account=projects/PROJECT/serviceAccounts/$(terraform output -raw build_service_account) \
#   --gcs-source-staging-dir=gs://$(terraform output -raw build_sources_bucket)/source --substitutions=COMMIT_SHA=$(git rev-parse HEAD) .

resource "google_service_account" "build" {
  account_id   = "shop-mlops-build"
  display_name = "shop-mlops Cloud Build (pipeline step image)"
  depends_on   = [google_project_service.apis]
}

resource "google_storage_bucket" "build_sources" {
  name                        = "${var.project}-shop-mlops-build"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  depends_on                  = [google_project_service.apis]

  lifecycle_rule {
    condition {
      age = 7
    }
    action {
      type = "Delete"
    }
  }
}

# The build reads its staged sources and writes its logs to Cloud Logging (cloudbuild.yaml: CLOUD_LOGGING_ONLY).
resource "google_storage_bucket_iam_member" "build_sources_viewer" {
  bucket = google_storage_bucket.build_sources.name
  role   = "roles/storage.objectViewer"
  member = local.build_sa
}

resource "google_project_iam_member" "build_log_writer" {
  project    = var.project
  role       = "roles/logging.logWriter"
  member     = local.build_sa
  depends_on = [google_project_service.apis]
}

resource "google_project_service" "aiplatform" {
  project            = var.project
  service            = "aiplatform.googleapis.com"
  disable_on_destroy = false
}

resource "google_artifact_registry_repository" "pipeline" {
  location      = var.region
  repository_id = var.pipeline_repository
  format        = "DOCKER"
  description   = "shop-mlops pipeline step images, tagged by commit."
  depends_on    = [google_project_service.apis]

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 20
    }
  }
}

resource "google_artifact_registry_repository_iam_member" "build_writer" {
  location   = google_artifact_registry_repository.pipeline.location
  repository = google_artifact_registry_repository.pipeline.name
  role       = "roles/artifactregistry.writer"
  member     = local.build_sa
}

# --- The account pipeline steps run as (PipelineJob.serviceAccount) ---------------------------------

resource "google_service_account" "pipelines" {
  account_id   = "shop-mlops-pipelines"
  display_name = "shop-mlops training pipeline steps"
  depends_on   = [google_project_service.apis]
}

resource "google_artifact_registry_repository_iam_member" "pipelines_reader" {
  location   = google_artifact_registry_repository.pipeline.location
  repository = google_artifact_registry_repository.pipeline.name
  role       = "roles/artifactregistry.reader"
  member     = local.pipelines_sa
}

# Artifacts (datasets, models, metrics) and the pipeline root live in the artifact bucket.
resource "google_storage_bucket_iam_member" "pipelines_object_admin" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectAdmin"
  member = local.pipelines_sa
}

# Steps read the feature tables Dataform builds.
resource "google_bigquery_dataset_iam_member" "pipelines_features_viewer" {
  dataset_id = google_bigquery_dataset.shop_features.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = local.pipelines_sa
}

resource "google_project_iam_member" "pipelines_job_user" {
  project    = var.project
  role       = "roles/bigquery.jobUser"
  member     = local.pipelines_sa
  depends_on = [google_project_service.apis]
}

# Vertex AI Pipelines records executions and artifacts in Vertex ML Metadata as the run's account.
resource "google_project_iam_member" "pipelines_aiplatform_user" {
  project    = var.project
  role       = "roles/aiplatform.user"
  member     = local.pipelines_sa
  depends_on = [google_project_service.aiplatform, google_project_service.apis]
}

output "pipeline_image" {
  value       = local.pipeline_image
  description = "Step image without tag; compile pipelines with <this>:<commit>."
}

output "build_service_account" {
  value = google_service_account.build.email
}

output "build_sources_bucket" {
  value = google_storage_bucket.build_sources.name
}

output "pipeline_service_account" {
  value = google_service_account.pipelines.email
}

output "pipeline_root" {
  value = local.pipeline_root
}

# The monitor's retraining runs submit PipelineJobs that run as the pipelines' account (PipelineJob.serviceAccount):
# the submitter must be allowed to act as it.
resource "google_service_account_iam_member" "functions_act_as_pipelines" {
  service_account_id = google_service_account.pipelines.name
  role               = "roles/iam.serviceAccountUser"
  member             = local.functions_sa
}
