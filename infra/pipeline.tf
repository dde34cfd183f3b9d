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
  # The legacy Cloud Build account pushes the image built by infra/cloudbuild.yaml.
  cloudbuild_sa = "serviceAccount:${data.google_project.this.number}@cloudbuild.gserviceaccount.com"
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

resource "google_artifact_registry_repository_iam_member" "cloudbuild_writer" {
  location   = google_artifact_registry_repository.pipeline.location
  repository = google_artifact_registry_repository.pipeline.name
  role       = "roles/artifactregistry.writer"
  member     = local.cloudbuild_sa
}

# --- The account pipeline steps run as (PipelineJob.serviceAccount) ---------------------------------

resource "google_service_account" "pipelines" {
  account_id   = "shop-mlops-pipelines"
  display_name = "shop-mlops training pipeline steps"
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
  project = var.project
  role    = "roles/bigquery.jobUser"
  member  = local.pipelines_sa
}

# Vertex AI Pipelines records executions and artifacts in Vertex ML Metadata as the run's account.
resource "google_project_iam_member" "pipelines_aiplatform_user" {
  project    = var.project
  role       = "roles/aiplatform.user"
  member     = local.pipelines_sa
  depends_on = [google_project_service.aiplatform]
}

output "pipeline_image" {
  value       = local.pipeline_image
  description = "Step image without tag; compile pipelines with <this>:<commit>."
}

output "pipeline_service_account" {
  value = google_service_account.pipelines.email
}

output "pipeline_root" {
  value = local.pipeline_root
}
