# The Shopify app's client secret (value added with `firebase functions:secrets:set SHOPIFY_API_SECRET`, never in Terraform state).
resource "google_secret_manager_secret" "shopify_api_secret" {
  secret_id = "SHOPIFY_API_SECRET"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}
