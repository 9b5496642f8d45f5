# Builds the cluster document every instance receives in its user-data. Provider-less on
# purpose: the test suite renders it with a bare `terraform apply` and feeds the result to
# the bootstrap.

locals {
  roles = ["zookeeper", "bookkeeper", "broker", "client"]

  role_settings = {
    zookeeper  = var.settings.zookeeper
    bookkeeper = var.settings.bookkeeper
    broker     = var.settings.broker
    client     = {}
  }

  documents = {
    for role in local.roles : role => [
      for index, ip in var.members[role] : {
        schema_version = 1
        experiment_id  = var.experiment_id
        cluster_name   = var.cluster_name
        role           = role
        index          = index
        private_ip     = ip
        members        = var.members
        volumes        = role == "bookkeeper" ? var.bookie_volumes[index] : null
        jvm            = var.jvm[role]
        quorum         = var.quorum
        settings       = local.role_settings[role]
      }
    ]
  }

  # ExpiresAt (2026-11-28T03:12:00Z) as a systemd calendar time (2026-11-28 03:12:00 UTC).
  expires_at_calendar = replace(replace(var.expires_at, "T", " "), "Z", " UTC")

  # The template only inserts the JSON and the expiry time; all logic lives in the baked lab-bootstrap.
  user_data = {
    for role in local.roles : role => [
      for document in local.documents[role] :
      templatefile("${path.module}/user-data.sh.tftpl", {
        cluster_json = jsonencode(document)
        expires_at   = local.expires_at_calendar
      })
    ]
  }
}
