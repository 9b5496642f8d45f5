variable "vpc_cidr" {
  description = "The VPC's CIDR; subnet i is its i-th /24."
  type        = string
}

variable "availability_zones" {
  description = "One public subnet per zone, in this order."
  type        = list(string)
}

variable "counts" {
  description = "Number of instances per role."
  type = object({
    zookeeper  = number
    bookkeeper = number
    broker     = number
    client     = number
  })
}
