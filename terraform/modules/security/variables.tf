variable "name_prefix" {
  description = "Prefix of every group name."
  type        = string
}

variable "vpc_id" {
  description = "The experiment's VPC."
  type        = string
}

variable "admin_cidrs" {
  description = "Extra CIDRs allowed to reach each role's service ports; empty by default."
  type        = list(string)
  default     = []
}
