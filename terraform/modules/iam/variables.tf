variable "name_prefix" {
  description = "Name of the role and the instance profile (cut to IAM's 64 characters)."
  type        = string
}
