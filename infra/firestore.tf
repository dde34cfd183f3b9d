# Firestore (native mode, the project's "(default)" database, which the functions' Admin SDK opens): each shop's offline Admin API token (`shopify_sessions`, written by POST /shopify/install, cleared by app/uninstalled) and the Flow triggers already sent (`shopify_flow_triggers`).
# Only the functions' account reads or writes it (roles/datastore.user, granted on the project: Firestore has no per-database IAM binding). No security rules are
# released, so the client SDKs (web, mobile) are denied everything; the Admin SDK is not subject to rules.
resource "google_firestore_database" "default" {
  project                 = var.project
  name                    = "(default)"
  location_id             = var.region
  type                    = "FIRESTORE_NATIVE"
  delete_protection_state = "DELETE_PROTECTION_ENABLED"
  deletion_policy         = "ABANDON"
  depends_on              = [google_project_service.apis]
}

resource "google_project_iam_member" "functions_datastore_user" {
  project    = var.project
  role       = "roles/datastore.user"
  member     = local.functions_sa
  depends_on = [google_project_service.apis]
}
