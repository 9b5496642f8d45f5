variable "name_prefix" {
  description = "Prefix of every Name tag."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's IPv4 CIDR."
  type        = string
}

variable "availability_zones" {
  description = "One subnet per zone, in this order."
  type        = list(string)
}

variable "subnet_cidrs" {
  description = "The subnet CIDR for each zone, same order as availability_zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_cidrs) > 0
    error_message = "At least one subnet is needed."
  }
}

variable "region" {
  description = "The region, for the endpoints' service names (com.amazonaws.<region>.ssm)."
  type        = string
}

variable "public_ips" {
  description = "true: internet gateway and public IPs; false: private subnets with SSM interface endpoints and an S3 gateway endpoint."
  type        = bool
}
