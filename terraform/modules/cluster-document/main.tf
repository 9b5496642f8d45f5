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

  # The template only inserts the JSON; all logic lives in the baked lab-bootstrap.
  user_data = {
    for role in local.roles : role => [
      for document in local.documents[role] :
      templatefile("${path.module}/user-data.sh.tftpl", { cluster_json = jsonencode(document) })
    ]
  }
}
