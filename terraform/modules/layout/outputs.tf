output "subnet_cidrs" {
  description = "CIDR of the public subnet in each availability zone, in zone order."
  value       = local.subnet_cidrs
}

output "placements" {
  description = "Per role, in index order: subnet index, availability zone and private IP of each instance."
  value       = local.placements
}

output "members" {
  description = "Per role, in index order: the private IPs (the cluster membership)."
  value       = local.members
}
