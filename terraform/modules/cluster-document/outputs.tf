output "documents" {
  description = "The cluster document of every instance, per role in index order."
  value       = local.documents
}

output "user_data" {
  description = "The user-data script of every instance, per role in index order."
  value       = local.user_data
}
