output "instance_profile_name" {
  description = "Instance profile to attach to every instance."
  value       = aws_iam_instance_profile.instance.name

  # An instance launched before the policy is attached would start without SSM permissions.
  depends_on = [aws_iam_role_policy_attachment.ssm_agent]
}

output "role_name" {
  description = "The instance role's name."
  value       = aws_iam_role.instance.name
}
