variable "name_prefix" {
  description = "Prefix of every Name tag."
  type        = string
}

variable "availability_zones" {
  description = "Availability zone of each bookie, in index order."
  type        = list(string)
}

variable "journal_volume" {
  description = "The bookies' journal volume (gp3)."
  type = object({
    size_gb         = number
    iops            = number
    throughput_mbps = number
  })
}

variable "ledger_volume" {
  description = "The bookies' ledger volume (gp3)."
  type = object({
    size_gb         = number
    iops            = number
    throughput_mbps = number
  })
}

variable "bookie_instance_ids" {
  description = "Instance id of each bookie, in index order."
  type        = list(string)
}
