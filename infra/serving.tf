# Serving on Vertex AI endpoints. Endpoints are NOT declared here: the app serves many shops, and a shop gets one endpoint
# per model when its first version is deployed (functions/src/adapters/gcp/vertex-endpoints.ts creates it with a stable id
# derived from shop + model, labels shop_mlops_shop / shop_mlops_model). Terraform declares who may do that and what the
# serving containers run as; the rollout history is written to the artifact bucket under rollouts/<shop>/<model>/.

variable "serving_machine_type" {
  type        = string
  default     = "n1-standard-2"
  description = "Machine type of each deployed model version (DeployedModel.dedicatedResources.machineSpec)."
}

resource "google_service_account" "serving" {
  account_id   = "shop-mlops-serving"
  display_name = "shop-mlops serving containers on Vertex AI endpoints"
  depends_on   = [google_project_service.apis]
}

locals {
  serving_sa = "serviceAccount:${google_service_account.serving.email}"
}

# The functions create endpoints, deploy / undeploy versions, change traffic splits and call predict.
resource "google_project_iam_member" "functions_aiplatform_user" {
  project    = var.project
  role       = "roles/aiplatform.user"
  member     = local.functions_sa
  depends_on = [google_project_service.aiplatform, google_project_service.apis]
}

# deployModel names the serving account (DeployedModel.serviceAccount): the caller must be allowed to act as it.
resource "google_service_account_iam_member" "functions_act_as_serving" {
  service_account_id = google_service_account.serving.name
  role               = "roles/iam.serviceAccountUser"
  member             = local.functions_sa
}

# The predictor reads its version's files (AIP_STORAGE_URI) from the artifact bucket, and nothing else.
resource "google_storage_bucket_iam_member" "serving_object_viewer" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectViewer"
  member = local.serving_sa
}

output "serving_service_account" {
  value = google_service_account.serving.email
}
