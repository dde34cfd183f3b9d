# Alert policies in Cloud Monitoring with PromQL conditions, one per rule of infra/alerts/rules.yml (computed in alert-rules.tf), and the functions' right to write the series.
variable "alert_notification_channels" {
  type        = list(string)
  default     = []
  description = "Cloud Monitoring notification channels (projects/<project>/notificationChannels/<id>) the alerts notify."
}

resource "google_project_service" "monitoring" {
  project            = var.project
  service            = "monitoring.googleapis.com"
  disable_on_destroy = false
}

resource "google_monitoring_alert_policy" "rules" {
  for_each              = local.alert_policies
  project               = var.project
  display_name          = "shop-mlops: ${each.key}"
  combiner              = "OR"
  severity              = each.value.labels.severity == "page" ? "CRITICAL" : "WARNING"
  notification_channels = var.alert_notification_channels
  user_labels = {
    app      = "shop-mlops"
    severity = each.value.labels.severity
  }

  conditions {
    display_name = each.key
    condition_prometheus_query_language {
      query               = each.value.query
      duration            = each.value.duration
      evaluation_interval = "60s"
      alert_rule          = each.key
      rule_group          = each.value.group
      labels              = each.value.labels
    }
  }

  documentation {
    subject   = each.value.subject
    content   = each.value.content
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.monitoring]
}

# The monitoring jobs write custom.googleapis.com/shop_mlops/* time series (functions/src/adapters/gcp/cloud-monitoring-sink.ts).
resource "google_project_iam_member" "functions_metric_writer" {
  project    = var.project
  role       = "roles/monitoring.metricWriter"
  member     = local.functions_sa
  depends_on = [google_project_service.monitoring, google_project_service.apis]
}
