# Google APIs the stack uses (Functions v2 runs on Cloud Run + Eventarc and builds with Cloud Build; Dataform builds the features; Cloud Scheduler triggers the scheduled functions).
resource "google_project_service" "apis" {
  for_each = toset([
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
  ])
  project            = var.project
  service            = each.value
  disable_on_destroy = false
}

data "google_project" "this" {
  project_id = var.project
}
