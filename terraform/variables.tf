# The orchestrator writes exactly these variables to terraform.tfvars.json. Their TypeScript
# contract (and the defaults it writes) is the zod schema in packages/infra.

variable "experiment_id" {
  description = "The experiment's id (exp-YYYYMMDD-HHMMSS or a user-chosen slug); the ExperimentID tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$", var.experiment_id)) && var.experiment_id != "latest"
    error_message = "experiment_id must be 1-64 lowercase letters, digits and hyphens, start and end with a letter or digit, and not be \"latest\"."
  }
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like eu-west-1."
  }
}

variable "ami_id" {
  description = "The lab AMI (built by lab-ami) every instance boots from."
  type        = string

  validation {
    condition     = can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must look like ami-0123456789abcdef0."
  }
}

variable "tags" {
  description = "User tags added to every resource. They may not redefine the lab's own tag keys."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for key in keys(var.tags) :
      !contains(["project", "experimentid", "component", "managedby", "createdat", "expiresat", "name"], lower(key))
    ])
    error_message = "tags may not set Project, ExperimentID, Component, ManagedBy, CreatedAt, ExpiresAt or Name: the lab sets them."
  }

  validation {
    condition     = length(var.tags) <= 43
    error_message = "At most 43 user tags: AWS allows 50 per resource and the lab sets 7."
  }
}

variable "managed_by" {
  description = "Value of the ManagedBy tag."
  type        = string
  default     = "terraform"
}

variable "created_at" {
  description = "Creation time of the experiment (RFC 3339, UTC), the CreatedAt tag. Passed in so plans are stable."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", var.created_at)) && can(timeadd(var.created_at, "0s"))
    error_message = "created_at must be an RFC 3339 UTC timestamp such as 2026-11-27T03:12:00Z."
  }
}

variable "ttl_hours" {
  description = "Hours after created_at at which the ExpiresAt tag says the experiment may be swept."
  type        = number
  default     = 24

  validation {
    condition     = var.ttl_hours >= 1 && var.ttl_hours <= 720 && floor(var.ttl_hours) == var.ttl_hours
    error_message = "ttl_hours must be a whole number from 1 to 720."
  }
}

variable "network" {
  description = "The experiment's VPC: its CIDR, the availability zones of its subnets (one per zone), and whether instances reach SSM through public IPs or through VPC endpoints."
  type = object({
    vpc_cidr           = optional(string, "10.42.0.0/16")
    availability_zones = optional(list(string), [])
    az_count           = optional(number, 1)
    public_ips         = optional(bool, true)
  })
  default = {}

  validation {
    condition     = can(cidrhost(var.network.vpc_cidr, 0)) && tonumber(split("/", var.network.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.network.vpc_cidr)[1]) <= 22
    error_message = "network.vpc_cidr must be an IPv4 CIDR with a prefix from /16 to /22 (subnets are /24)."
  }

  validation {
    condition     = var.network.az_count >= 1 && var.network.az_count <= 4 && length(var.network.availability_zones) <= 4
    error_message = "Use 1 to 4 availability zones."
  }
}

variable "roles" {
  description = "Instances per role. Bookies also get a journal and a ledger gp3 volume."
  type = object({
    zookeeper = object({
      count          = number
      instance_type  = string
      root_volume_gb = optional(number, 30)
    })
    bookkeeper = object({
      count          = number
      instance_type  = string
      root_volume_gb = optional(number, 30)
      journal_volume = object({
        size_gb         = number
        iops            = optional(number, 3000)
        throughput_mbps = optional(number, 125)
      })
      ledger_volume = object({
        size_gb         = number
        iops            = optional(number, 3000)
        throughput_mbps = optional(number, 125)
      })
    })
    broker = object({
      count          = number
      instance_type  = string
      root_volume_gb = optional(number, 30)
    })
    client = object({
      count          = number
      instance_type  = string
      root_volume_gb = optional(number, 30)
    })
  })

  validation {
    condition     = var.roles.zookeeper.count >= 1 && var.roles.zookeeper.count <= 7 && var.roles.zookeeper.count % 2 == 1
    error_message = "roles.zookeeper.count must be odd, from 1 to 7."
  }

  validation {
    condition = alltrue([
      for count in [var.roles.bookkeeper.count, var.roles.broker.count, var.roles.client.count] :
      count >= 1 && count <= 40 && floor(count) == count
    ])
    error_message = "roles.bookkeeper/broker/client.count must be whole numbers from 1 to 40 (each role has a block of 40 addresses per subnet)."
  }

  validation {
    condition = alltrue([
      for volume in [var.roles.bookkeeper.journal_volume, var.roles.bookkeeper.ledger_volume] :
      volume.size_gb >= 1 && volume.size_gb <= 16384 &&
      volume.iops >= 3000 && volume.iops <= 16000 && volume.iops <= 500 * volume.size_gb &&
      volume.throughput_mbps >= 125 && volume.throughput_mbps <= 1000 && volume.throughput_mbps <= volume.iops / 4
    ])
    error_message = "gp3 limits: 1-16384 GiB, 3000-16000 IOPS (at most 500 per GiB), 125-1000 MiB/s (at most IOPS/4)."
  }

  validation {
    condition = alltrue([
      for role in ["zookeeper", "bookkeeper", "broker", "client"] :
      can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.roles[role].instance_type)) && var.roles[role].root_volume_gb >= 8 && var.roles[role].root_volume_gb <= 16384
    ])
    error_message = "Each role needs an instance_type such as m6i.large and a root_volume_gb from 8 to 16384."
  }
}

variable "spot" {
  description = "Run every instance as a one-time spot instance; max_price null pays the current spot price."
  type = object({
    enabled   = optional(bool, false)
    max_price = optional(string)
  })
  default = {}
}

variable "admin_cidrs" {
  description = "IPv4 CIDRs allowed to reach the service ports (ZooKeeper, bookie, broker, OMB worker), each at most /16 wide. Empty by default: operations go through SSM."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.admin_cidrs : !strcontains(cidr, ":")])
    error_message = "admin_cidrs: IPv6 is not supported (${join(", ", [for cidr in var.admin_cidrs : cidr if strcontains(cidr, ":")])}): the experiment's VPC and instances are IPv4-only, so an IPv6 rule could never match. Name IPv4 ranges such as 203.0.113.7/32."
  }

  validation {
    condition = alltrue([
      for cidr in var.admin_cidrs :
      strcontains(cidr, ":") || (can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+/[0-9]+$", cidr)) && can(cidrsubnet(cidr, 0, 0)) && try(cidrsubnet(cidr, 0, 0) == cidr, false))
    ])
    error_message = "admin_cidrs must be IPv4 CIDRs without host bits, such as 203.0.113.7/32 or 198.51.100.0/24 (got ${join(", ", [for cidr in var.admin_cidrs : cidr if !strcontains(cidr, ":") && !(can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+/[0-9]+$", cidr)) && try(cidrsubnet(cidr, 0, 0) == cidr, false))])})."
  }

  # Per entry, so splits such as 0.0.0.0/1 + 128.0.0.0/1 are refused too: ZooKeeper 2181 and the
  # broker's unauthenticated admin port 8080 must never face a large part of the internet.
  validation {
    condition = alltrue([
      for cidr in var.admin_cidrs :
      strcontains(cidr, ":") || !can(cidrhost(cidr, 0)) || try(tonumber(split("/", cidr)[1]) >= 16, false)
    ])
    error_message = "admin_cidrs entries may be at most /16 wide (65,536 addresses); ${join(", ", [for cidr in var.admin_cidrs : cidr if !strcontains(cidr, ":") && can(cidrhost(cidr, 0)) && try(tonumber(split("/", cidr)[1]) < 16, false)])} would open ZooKeeper and the broker admin port to far more than your own network. Name your own address, e.g. 203.0.113.7/32."
  }
}

variable "pulsar" {
  description = "Pulsar cluster settings: name, managed-ledger quorums, JVM memory per role, passthrough configuration."
  type = object({
    cluster_name  = optional(string, "pulsar-lab")
    ensemble_size = optional(number, 3)
    write_quorum  = optional(number, 3)
    ack_quorum    = optional(number, 2)
    jvm = optional(object({
      zookeeper  = optional(object({ heap_mb = optional(number, 1024), direct_memory_mb = optional(number, 0) }), {})
      bookkeeper = optional(object({ heap_mb = optional(number, 2048), direct_memory_mb = optional(number, 2048) }), {})
      broker     = optional(object({ heap_mb = optional(number, 2048), direct_memory_mb = optional(number, 4096) }), {})
      client     = optional(object({ heap_mb = optional(number, 2048), direct_memory_mb = optional(number, 0) }), {})
    }), {})
    zookeeper_settings  = optional(map(string), {})
    bookkeeper_settings = optional(map(string), {})
    broker_settings     = optional(map(string), {})
  })
  default = {}

  validation {
    condition = alltrue([
      for role in ["zookeeper", "bookkeeper", "broker", "client"] :
      var.pulsar.jvm[role].heap_mb >= 128 && var.pulsar.jvm[role].direct_memory_mb >= 0
    ])
    error_message = "pulsar.jvm.<role>.heap_mb must be at least 128 and direct_memory_mb at least 0."
  }

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_-]{0,63}$", var.pulsar.cluster_name))
    error_message = "pulsar.cluster_name must start with a letter and hold at most 64 letters, digits, _ and -."
  }

  validation {
    condition = (
      var.pulsar.ack_quorum >= 1 &&
      var.pulsar.ack_quorum <= var.pulsar.write_quorum &&
      var.pulsar.write_quorum <= var.pulsar.ensemble_size &&
      var.pulsar.ensemble_size <= var.roles.bookkeeper.count
    )
    error_message = "Quorums must satisfy 1 <= ack_quorum <= write_quorum <= ensemble_size <= roles.bookkeeper.count."
  }

  validation {
    condition = alltrue(flatten([
      for settings in [var.pulsar.zookeeper_settings, var.pulsar.bookkeeper_settings, var.pulsar.broker_settings] : [
        for key, value in settings : can(regex("^[A-Za-z][A-Za-z0-9_.-]*$", key)) && !can(regex("[\\r\\n]", value))
      ]
    ]))
    error_message = "Passthrough settings need keys of letters, digits, _ . - and single-line values."
  }
}
