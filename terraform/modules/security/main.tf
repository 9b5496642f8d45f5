# One security group per role. Ingress only from the roles that talk to it, on the ports they
# use; nothing from the internet unless admin_cidrs says so. Egress is open: the SSM agent
# needs HTTPS to the regional endpoints.

locals {
  roles = ["zookeeper", "bookkeeper", "broker", "client"]

  # role => port => the roles that connect to it.
  service_ports = {
    zookeeper = {
      "2181" = ["bookkeeper", "broker"]
      "2888" = ["zookeeper"]
      "3888" = ["zookeeper"]
    }
    bookkeeper = {
      # Bookies read from each other during auto-recovery.
      "3181" = ["bookkeeper", "broker"]
      "8000" = []
    }
    broker = {
      # Brokers redirect lookups and admin calls to each other.
      "6650" = ["broker", "client"]
      "8080" = ["broker", "client"]
    }
    client = {
      # The OMB driver on one client talks to the workers on all of them.
      "8080" = ["client"]
      "8081" = ["client"]
    }
  }

  peer_rules = merge([
    for role, ports in local.service_ports : merge([
      for port, sources in ports : {
        for source in sources : "${role}-${port}-from-${source}" => {
          role   = role
          port   = tonumber(port)
          source = source
        }
      }
    ]...)
  ]...)

  admin_rules = merge([
    for role, ports in local.service_ports : merge([
      for port, sources in ports : {
        for cidr in var.admin_cidrs : "${role}-${port}-from-${cidr}" => {
          role = role
          port = tonumber(port)
          cidr = cidr
        }
      }
    ]...)
  ]...)
}

resource "aws_security_group" "role" {
  for_each = toset(local.roles)

  name        = "${var.name_prefix}-${each.key}"
  description = "pulsar-aws-lab ${each.key} instances"
  vpc_id      = var.vpc_id

  tags = {
    Name      = "${var.name_prefix}-${each.key}"
    Component = each.key
  }
}

resource "aws_vpc_security_group_ingress_rule" "peer" {
  for_each = local.peer_rules

  security_group_id            = aws_security_group.role[each.value.role].id
  referenced_security_group_id = aws_security_group.role[each.value.source].id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  description                  = "${each.value.source} to ${each.value.role} port ${each.value.port}"

  tags = {
    Name      = "${var.name_prefix}-${each.key}"
    Component = each.value.role
  }
}

resource "aws_vpc_security_group_ingress_rule" "admin" {
  for_each = local.admin_rules

  security_group_id = aws_security_group.role[each.value.role].id
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  description       = "admin ${each.value.cidr} to ${each.value.role} port ${each.value.port}"

  tags = {
    Name      = "${var.name_prefix}-${each.key}"
    Component = each.value.role
  }
}

resource "aws_vpc_security_group_egress_rule" "all" {
  for_each = toset(local.roles)

  security_group_id = aws_security_group.role[each.key].id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
  description       = "all outbound (SSM endpoints, peers)"

  tags = {
    Name      = "${var.name_prefix}-${each.key}-egress"
    Component = each.key
  }
}
