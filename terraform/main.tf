# One experiment's Pulsar cluster: a fresh VPC, one security group per role, an SSM-only
# instance profile, ZooKeeper/BookKeeper/broker/client instances and the bookies' data
# volumes. State is local to the experiment (the orchestrator passes its path); nothing here
# assumes a shared state.

data "aws_availability_zones" "available" {
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  roles       = ["zookeeper", "bookkeeper", "broker", "client"]
  name_prefix = "pulsar-aws-lab-${var.experiment_id}"
  expires_at  = timeadd(var.created_at, "${var.ttl_hours}h")

  # The provider's default_tags: the lab's tags, the user's, and the sweep's timestamps.
  lab_tags = merge(var.tags, {
    Project      = "pulsar-aws-lab"
    ExperimentID = var.experiment_id
    ManagedBy    = var.managed_by
    CreatedAt    = var.created_at
    ExpiresAt    = local.expires_at
  })

  availability_zones = (
    length(var.network.availability_zones) > 0
    ? var.network.availability_zones
    : slice(data.aws_availability_zones.available.names, 0, var.network.az_count)
  )

  # Flat map of every instance, keyed "<role>-<index>" (stable across plans).
  instances = merge([
    for role in local.roles : {
      for index, placement in module.cluster.placements[role] : "${role}-${index}" => {
        role           = role
        index          = index
        subnet_id      = module.network.subnet_ids[placement.subnet_index]
        private_ip     = placement.private_ip
        instance_type  = var.roles[role].instance_type
        root_volume_gb = var.roles[role].root_volume_gb
        user_data      = module.cluster.user_data[role][index]
      }
    }
  ]...)
}

# Placement and cluster documents: provider-less, rendered by the test suite from the same
# variables.
module "cluster" {
  source = "./modules/cluster"

  experiment_id      = var.experiment_id
  expires_at         = local.expires_at
  network            = var.network
  roles              = var.roles
  pulsar             = var.pulsar
  availability_zones = local.availability_zones
  bookie_volumes     = module.storage.bookie_volumes
}

module "network" {
  source = "./modules/network"

  name_prefix        = local.name_prefix
  region             = var.region
  public_ips         = var.network.public_ips
  vpc_cidr           = var.network.vpc_cidr
  availability_zones = local.availability_zones
  subnet_cidrs       = module.cluster.subnet_cidrs
}

module "security" {
  source = "./modules/security"

  name_prefix = local.name_prefix
  vpc_id      = module.network.vpc_id
  admin_cidrs = var.admin_cidrs
}

module "iam" {
  source = "./modules/iam"

  name_prefix = local.name_prefix
}

# Volumes are created before the instances (their ids go into the cluster document) and
# attached after them; Terraform orders the two halves of this module independently.
module "storage" {
  source = "./modules/storage"

  name_prefix        = local.name_prefix
  availability_zones = [for placement in module.cluster.placements.bookkeeper : placement.availability_zone]
  journal_volume     = var.roles.bookkeeper.journal_volume
  ledger_volume      = var.roles.bookkeeper.ledger_volume
  bookie_instance_ids = [
    for index in range(var.roles.bookkeeper.count) : module.compute.instance_ids["bookkeeper-${index}"]
  ]
}

module "compute" {
  source = "./modules/compute"

  name_prefix           = local.name_prefix
  ami_id                = var.ami_id
  instances             = local.instances
  security_group_ids    = module.security.security_group_ids
  instance_profile_name = module.iam.instance_profile_name
  public_ips            = var.network.public_ips
  spot                  = var.spot
  root_volume_tags      = local.lab_tags
}
