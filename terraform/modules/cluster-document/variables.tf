variable "experiment_id" {
  description = "Experiment id, copied into every document."
  type        = string
}

variable "cluster_name" {
  description = "Pulsar cluster name."
  type        = string
}

variable "members" {
  description = "Private IPs per role, in index order: zookeeper, bookkeeper, broker, client."
  type = object({
    zookeeper  = list(string)
    bookkeeper = list(string)
    broker     = list(string)
    client     = list(string)
  })
}

variable "bookie_volumes" {
  description = "Per bookie index: the EBS volume id and device name of its journal and ledger volumes."
  type = list(object({
    journal = object({ volume_id = string, device_name = string })
    ledgers = object({ volume_id = string, device_name = string })
  }))
}

variable "quorum" {
  description = "Managed-ledger ensemble, write and ack quorum."
  type = object({
    ensemble_size = number
    write_quorum  = number
    ack_quorum    = number
  })
}

variable "jvm" {
  description = "JVM memory per role, in MiB (direct_memory_mb 0 leaves the JVM default)."
  type = object({
    zookeeper  = object({ heap_mb = number, direct_memory_mb = number })
    bookkeeper = object({ heap_mb = number, direct_memory_mb = number })
    broker     = object({ heap_mb = number, direct_memory_mb = number })
    client     = object({ heap_mb = number, direct_memory_mb = number })
  })
}

variable "settings" {
  description = "Passthrough key=value settings per role for its main configuration file."
  type = object({
    zookeeper  = map(string)
    bookkeeper = map(string)
    broker     = map(string)
  })
}

variable "expires_at" {
  description = "The experiment's ExpiresAt (RFC 3339, UTC): every instance shuts itself down then, and terminates."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", var.expires_at))
    error_message = "expires_at must be an RFC 3339 UTC timestamp such as 2026-11-28T03:12:00Z."
  }
}
