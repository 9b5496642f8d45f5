# Provider-less: placement of every instance and the cluster document it boots with.

locals {
  roles = ["zookeeper", "bookkeeper", "broker", "client"]
}

module "layout" {
  source = "../layout"

  vpc_cidr           = var.network.vpc_cidr
  availability_zones = var.availability_zones
  counts             = { for role in local.roles : role => var.roles[role].count }
}

module "document" {
  source = "../cluster-document"

  experiment_id  = var.experiment_id
  expires_at     = var.expires_at
  cluster_name   = var.pulsar.cluster_name
  members        = module.layout.members
  bookie_volumes = var.bookie_volumes
  quorum = {
    ensemble_size = var.pulsar.ensemble_size
    write_quorum  = var.pulsar.write_quorum
    ack_quorum    = var.pulsar.ack_quorum
  }
  jvm = {
    for role in local.roles : role => {
      heap_mb          = var.pulsar.jvm[role].heap_mb
      direct_memory_mb = var.pulsar.jvm[role].direct_memory_mb
    }
  }
  settings = {
    zookeeper  = var.pulsar.zookeeper_settings
    bookkeeper = var.pulsar.bookkeeper_settings
    broker     = var.pulsar.broker_settings
  }
}
