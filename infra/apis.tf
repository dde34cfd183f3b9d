# Google APIs the stack uses (Functions v2 runs on Cloud Run + Eventarc and builds with Cloud Build; Dataform builds the features; Cloud Scheduler triggers the scheduled functions; Firestore keeps the shops' offline tokens;
# IAM and Resource Manager: service accounts and project-level grants need them on a fresh project).
resource "google_project_service" "apis" {
  for_each = toset([
    "iam.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "pubsub.googleapis.com",
    "bigquery.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    "cloudfunctions.googleapis.com",
    "run.googleapis.com",
    "eventarc.googleapis.com",
    "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com",
    "dataform.googleapis.com",
    "cloudscheduler.googleapis.com",
    "firestore.googleapis.com",
  ])
  project            = var.project
  service            = each.value
  disable_on_destroy = false
}

data "google_project" "this" {
  project_id = var.project
}

# Service agents (Pub/Sub: BigQuery subscriptions and dead letters; Dataform: the Git token and the runner's credentials) exist
# only once created; these resources create them, so grants to them never run before the agent exists.
resource "google_project_service_identity" "pubsub" {
  provider   = google-beta
  project    = var.project
  service    = "pubsub.googleapis.com"
  depends_on = [google_project_service.apis]
}

resource "google_project_service_identity" "dataform" {
  provider   = google-beta
  project    = var.project
  service    = "dataform.googleapis.com"
  depends_on = [google_project_service.apis]
}
