output "security_group_ids" {
  description = "Security group id per role."
  value       = { for role, group in aws_security_group.role : role => group.id }
}
