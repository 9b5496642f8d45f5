output "instance_ids" {
  description = "Instance id per \"<role>-<index>\" key."
  value       = { for key, instance in aws_instance.this : key => instance.id }
}

output "private_ips" {
  description = "Private IP per \"<role>-<index>\" key."
  value       = { for key, instance in aws_instance.this : key => instance.private_ip }
}

output "root_volume_size_gb" {
  description = "Root volume size per \"<role>-<index>\" key (at least the AMI's snapshot size)."
  value       = { for key, instance in var.instances : key => max(instance.root_volume_gb, local.ami_root_size_gb) }
}
