# Names other tools need after apply.
output "functions_service_account" {
  value = google_service_account.functions.email
}

output "artifact_bucket" {
  value = google_storage_bucket.artifacts.name
}

output "webhooks_topic" {
  value = google_pubsub_topic.webhooks.name
}

output "dead_letter_subscription" {
  value = google_pubsub_subscription.dead_letter.name
}

output "dataform_service_account" {
  value = google_service_account.dataform.email
}

output "dataform_workflow_config" {
  value = google_dataform_repository_workflow_config.nightly.id
}
