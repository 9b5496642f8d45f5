variable "name_prefix" {
  description = "Prefix of every Name tag."
  type        = string
}

variable "ami_id" {
  description = "The lab AMI."
  type        = string
}

variable "instances" {
  description = "Every instance, keyed \"<role>-<index>\"."
  type = map(object({
    role           = string
    index          = number
    subnet_id      = string
    private_ip     = string
    instance_type  = string
    root_volume_gb = number
    user_data      = string
  }))
}

variable "security_group_ids" {
  description = "Security group id per role."
  type        = map(string)
}

variable "instance_profile_name" {
  description = "The SSM instance profile; attached to every instance."
  type        = string
}

variable "spot" {
  description = "Run as one-time spot instances; max_price null pays the current spot price."
  type = object({
    enabled   = bool
    max_price = optional(string)
  })
}

variable "root_volume_tags" {
  description = "The lab's tags, set explicitly on root volumes (default_tags do not reach them in every provider version)."
  type        = map(string)
}

variable "public_ips" {
  description = "Give every instance a public IP (outbound only); false in private subnets with VPC endpoints."
  type        = bool
}
