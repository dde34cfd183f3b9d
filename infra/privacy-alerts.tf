# The privacy alarm: a privacy request not honoured (a 4xx from BigQuery, the streaming buffer, any failure for good) is
# logged at ERROR with this exact message by the privacyWorker and privacyRetry functions (core/privacy-retry.ts
# PRIVACY_PENDING_ALARM); the request stays pending and is retried every 30 minutes, and this pages someone.
locals {
  privacy_pending_message = "privacy request not honoured; kept pending and retried on schedule"
}

resource "google_monitoring_alert_policy" "privacy_pending" {
  project               = var.project
  display_name          = "shop-mlops: privacy request not honoured"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = var.alert_notification_channels
  user_labels = {
    app      = "shop-mlops"
    severity = "page"
  }

  conditions {
    display_name = "privacy request kept pending"
    condition_matched_log {
      filter = "resource.type=\"cloud_run_revision\" AND severity>=ERROR AND jsonPayload.message=\"${local.privacy_pending_message}\""
    }
  }

  alert_strategy {
    notification_rate_limit {
      period = "3600s"
    }
    auto_close = "86400s"
  }

  documentation {
    subject   = "A Shopify privacy request is not honoured yet"
    content   = "The privacy worker or the scheduled privacyRetry could not honour a privacy request (see the log entry: webhook id, topic, shop, error). It stays in shop_raw.events without an audit row and is retried every 30 minutes; fix the cause (a grant, a table) so the next pass honours it. Shopify expects redaction within 30 days."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.monitoring]
}
