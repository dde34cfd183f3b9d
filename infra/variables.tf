# Inputs: the project, its region, the artifact bucket (defaults to "<project>-shop-mlops-artifacts", as the functions assume) and the Dataform Git remote, schedule and shop time zone.
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

# --- Dataform (features in BigQuery; see dataform.tf) --------------------------------------

variable "shop_timezone" {
  type        = string
  default     = "UTC"
  description = "The shop's IANA time zone: feature days are calendar days here (Dataform vars.shop_timezone) and the nightly schedule runs in it."
  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_+/-]*$", var.shop_timezone))
    error_message = "shop_timezone must be an IANA zone name such as UTC or Europe/London."
  }
}

variable "dataform_git_url" {
  type        = string
  description = "HTTPS URL of this project's Git repository; Dataform compiles its dataform_git_branch."
  validation {
    condition     = startswith(var.dataform_git_url, "https://")
    error_message = "dataform_git_url must be an https:// URL (the token in Secret Manager authenticates over HTTPS)."
  }
}

variable "dataform_git_branch" {
  type        = string
  default     = "dataform"
  description = "Branch holding dataform/ at its root (Dataform compiles a repository root only), written by infra/publish-dataform.sh on every merge to main."
}

variable "dataform_git_token_version" {
  type        = string
  default     = "latest"
  description = "Version of the DATAFORM_GIT_TOKEN secret Dataform reads (added with `gcloud secrets versions add`, never in Terraform state)."
}

variable "dataform_release_cron" {
  type        = string
  default     = "0 3 * * *"
  description = "When the release config compiles the branch (cron, in shop_timezone)."
}

variable "dataform_workflow_cron" {
  type        = string
  default     = "30 3 * * *"
  description = "When the workflow config runs the latest compilation in BigQuery (cron, in shop_timezone); after the release cron."
}

variable "dataform_monitoring_cron" {
  type        = string
  default     = "15 * * * *"
  description = "When the monitoring workflow runs the actions tagged monitoring (the outcome join) from the latest compilation: hourly, before the monitor job."
}
