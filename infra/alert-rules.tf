# Cloud Monitoring alert policies computed from infra/alerts/rules.yml (pure locals, no provider: tests evaluate them with `terraform console`).
locals {
  alert_rule_list = flatten([
    for g in yamldecode(file("${path.module}/alerts/rules.yml")).groups : [
      for r in g.rules : merge(r, { group = g.name }) if can(r.alert)
    ]
  ])
  # Prometheus durations ("10m") as Cloud Monitoring's seconds ("600s").
  alert_duration_seconds = { s = 1, m = 60, h = 3600, d = 86400 }
  # Prometheus templates in the annotations as Cloud Monitoring documentation variables ({{ $labels.model }} → ${metric.label.model}).
  alert_label_template = "/\\{\\{ *\\$labels\\.([a-z_]+) *\\}\\}/"
  alert_value_template = "/\\{\\{ *\\$value[^}]*\\}\\}/"
  # Rules over series only the embedded runtime has: in the cloud the queue is Pub/Sub, which measures it itself.
  # The subscription names are those of infra/pubsub.tf (test/gcp/infra-alerts.test.ts checks they match).
  alert_cloud_queries = {
    # Age of the oldest published (acknowledged to Shopify) delivery its BigQuery subscription has not yet written:
    # what shop_mlops_queue_lag_seconds measures at the embedded loader's offset.
    IngestQueueLagging = <<-EOT
      max(pubsub_googleapis_com:subscription_oldest_unacked_message_age{monitored_resource="pubsub_subscription",subscription_id=~"shopify-webhooks-(events|quarantine)-bq"}) > 300
    EOT
    # Deliveries written into shop_raw.quarantine within the hour (a BigQuery subscription acks a message once written),
    # or left in the dead-letter subscription (a row BigQuery refused): new quarantine, as the embedded rule's growth.
    QuarantineGrowing = <<-EOT
      (sum(increase(pubsub_googleapis_com:subscription_ack_message_count{monitored_resource="pubsub_subscription",subscription_id="shopify-webhooks-quarantine-bq"}[1h])) > 0) or (max(pubsub_googleapis_com:subscription_num_undelivered_messages{monitored_resource="pubsub_subscription",subscription_id="shopify-webhooks-dead-letter"}) > 0)
    EOT
  }
  alert_policies = {
    for r in local.alert_rule_list : r.alert => {
      group = r.group
      # The series the code writes to Cloud Monitoring are custom.googleapis.com/shop_mlops/<name>: PromQL custom_googleapis_com:shop_mlops_<name>.
      query    = trimspace(try(local.alert_cloud_queries[r.alert], replace(r.expr, "/\\bshop_mlops_/", "custom_googleapis_com:shop_mlops_")))
      duration = "${tonumber(regex("^([0-9]+)([smhd])$", try(r["for"], "0s"))[0]) * local.alert_duration_seconds[regex("^([0-9]+)([smhd])$", try(r["for"], "0s"))[1]]}s"
      labels   = r.labels
      subject  = replace(replace(r.annotations.summary, local.alert_label_template, "$${metric.label.$1}"), local.alert_value_template, "the observed value")
      content  = replace(replace(r.annotations.description, local.alert_label_template, "$${metric.label.$1}"), local.alert_value_template, "the observed value")
    }
  }
}
