# Inputs: the project, its region and the artifact bucket (defaults to "<project>-shop-mlops-artifacts", as the functions assume).
variable "project" {
  type        = string
  description = "Google Cloud project id (the Firebase project)."
}

variable "region" {
  type        = string
  default     = "us-central1"
  description = "Region of the functions, the bucket and the Pub/Sub message storage."
}

variable "bigquery_location" {
  type        = string
  default     = "US"
  description = "BigQuery dataset location."
}

variable "bucket" {
  type        = string
  default     = null
  description = "Artifact bucket name; null means \"<project>-shop-mlops-artifacts\"."
}

variable "max_delivery_attempts" {
  type        = number
  default     = 10
  description = "Deliveries to BigQuery before a message goes to the dead-letter topic."
}

locals {
  bucket = coalesce(var.bucket, "${var.project}-shop-mlops-artifacts")
  # Values of the `route` message attribute set by functions/src/adapters/gcp/pubsub-event-bus.ts.
  routes = {
    events     = "events"
    quarantine = "quarantine"
  }
}
