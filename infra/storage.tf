# Artifact bucket: privacy exports, the pipeline root, model artifacts; private, uniform access, versioned (noncurrent generations kept briefly).
resource "google_storage_bucket" "artifacts" {
  name                        = local.bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      num_newer_versions = 5
    }
    action {
      type = "Delete"
    }
  }

  # A redaction deletes every generation of what it rewrites or deletes (functions/src/core/privacy-artifacts.ts);
  # this is the backstop: no overwritten or deleted object outlives noncurrent_retention_days as a noncurrent generation.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.noncurrent_retention_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  # Data-request exports expire (the scheduled privacyRetry deletes them too; SHOP_MLOPS_PRIVACY_EXPORT_TTL_DAYS).
  lifecycle_rule {
    condition {
      age            = var.privacy_export_ttl_days
      matches_prefix = ["privacy-exports/"]
    }
    action {
      type = "Delete"
    }
  }
}

variable "noncurrent_retention_days" {
  description = "Days an overwritten or deleted artifact is kept as a noncurrent generation (recovery window; redactions delete theirs at once)."
  type        = number
  default     = 7
}

variable "privacy_export_ttl_days" {
  description = "Days a customers/data_request export is kept; must equal the functions' SHOP_MLOPS_PRIVACY_EXPORT_TTL_DAYS."
  type        = number
  default     = 30
}
