# Receives the root variables unchanged (defaults already applied by the root module), so the
# test suite can render this module from a terraform.tfvars.json exactly as the root does.

variable "experiment_id" {
  description = "The root variable experiment_id."
  type        = string
}

variable "network" {
  description = "The root variable network."
  type        = object({ vpc_cidr = string })
}

variable "roles" {
  description = "The root variable roles."
  type        = any
}

variable "pulsar" {
  description = "The root variable pulsar."
  type        = any
}

variable "availability_zones" {
  description = "The resolved availability zones (from the network variable or the region's list)."
  type        = list(string)
}

variable "bookie_volumes" {
  description = "Per bookie index: volume id and device name of its journal and ledger volumes."
  type = list(object({
    journal = object({ volume_id = string, device_name = string })
    ledgers = object({ volume_id = string, device_name = string })
  }))
}

variable "expires_at" {
  description = "The experiment's ExpiresAt (created_at + ttl_hours, RFC 3339 UTC)."
  type        = string
}
