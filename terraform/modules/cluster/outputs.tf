output "subnet_cidrs" {
  description = "CIDR of the public subnet in each availability zone."
  value       = module.layout.subnet_cidrs
}

output "placements" {
  description = "Per role, in index order: subnet index, availability zone and private IP."
  value       = module.layout.placements
}

output "members" {
  description = "Per role, in index order: the private IPs."
  value       = module.layout.members
}

output "documents" {
  description = "Per role, in index order: the cluster document."
  value       = module.document.documents
}

output "user_data" {
  description = "Per role, in index order: the user-data script."
  value       = module.document.user_data
}
