# Deterministic placement: every instance's subnet and private IP follow from the inputs
# alone, so each node's user-data can carry the whole membership without waiting for (or
# depending on) the other instances. Provider-less, so the test suite can render it.

locals {
  roles = ["zookeeper", "bookkeeper", "broker", "client"]

  # Each role owns a block of 40 host numbers in every subnet (AWS reserves .0-.3 and the last).
  host_offsets = {
    zookeeper  = 10
    bookkeeper = 50
    broker     = 90
    client     = 130
  }

  subnet_newbits = 24 - tonumber(split("/", var.vpc_cidr)[1])
  subnet_cidrs   = [for index, zone in var.availability_zones : cidrsubnet(var.vpc_cidr, local.subnet_newbits, index)]
  subnet_count   = length(var.availability_zones)

  # Instances of a role are spread round-robin over the subnets.
  placements = {
    for role in local.roles : role => [
      for index in range(var.counts[role]) : {
        subnet_index      = index % local.subnet_count
        availability_zone = var.availability_zones[index % local.subnet_count]
        private_ip        = cidrhost(local.subnet_cidrs[index % local.subnet_count], local.host_offsets[role] + floor(index / local.subnet_count))
      }
    ]
  }

  members = { for role in local.roles : role => [for placement in local.placements[role] : placement.private_ip] }
}
