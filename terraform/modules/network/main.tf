# A dedicated VPC with one subnet per availability zone. Two ways out to the SSM endpoints:
# - public_ips = true: an internet gateway, a default route and a public IP per instance, used
#   for outbound traffic only (security groups allow nothing in from the internet);
# - public_ips = false: no internet gateway, no public IP, no route out of the VPC; interface
#   endpoints for ssm, ssmmessages and ec2messages (private DNS, one network interface per zone)
#   and an S3 gateway endpoint. The AMI is baked: instances need nothing else.

locals {
  interface_endpoints = var.public_ips ? [] : ["ssm", "ssmmessages", "ec2messages"]
}

resource "aws_vpc" "this" {
  cidr_block = var.vpc_cidr
  # Both are needed for the endpoints' private DNS names.
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = var.name_prefix
  }
}

# Adopting the default security group strips its allow-all rules, so nothing can use it by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = {
    Name = "${var.name_prefix}-default"
  }
}

resource "aws_internet_gateway" "this" {
  count = var.public_ips ? 1 : 0

  vpc_id = aws_vpc.this.id

  tags = {
    Name = var.name_prefix
  }
}

resource "aws_subnet" "this" {
  count = length(var.availability_zones)

  vpc_id                  = aws_vpc.this.id
  cidr_block              = var.subnet_cidrs[count.index]
  availability_zone       = var.availability_zones[count.index]
  map_public_ip_on_launch = var.public_ips

  tags = {
    Name = "${var.name_prefix}-${var.public_ips ? "public" : "private"}-${var.availability_zones[count.index]}"
  }
}

resource "aws_route_table" "this" {
  vpc_id = aws_vpc.this.id

  tags = {
    Name = "${var.name_prefix}-${var.public_ips ? "public" : "private"}"
  }
}

resource "aws_route" "internet" {
  count = var.public_ips ? 1 : 0

  route_table_id         = aws_route_table.this.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "this" {
  count = length(var.availability_zones)

  subnet_id      = aws_subnet.this[count.index].id
  route_table_id = aws_route_table.this.id
}

# HTTPS from inside the VPC to the interface endpoints, nothing else.
resource "aws_security_group" "endpoints" {
  count = var.public_ips ? 0 : 1

  name        = "${var.name_prefix}-endpoints"
  description = "pulsar-aws-lab VPC endpoints: HTTPS from the VPC"
  vpc_id      = aws_vpc.this.id

  tags = {
    Name = "${var.name_prefix}-endpoints"
  }
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  count = var.public_ips ? 0 : 1

  security_group_id = aws_security_group.endpoints[0].id
  cidr_ipv4         = aws_vpc.this.cidr_block
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "HTTPS from the VPC to the SSM endpoints"

  tags = {
    Name = "${var.name_prefix}-endpoints-https"
  }
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(local.interface_endpoints)

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = aws_subnet.this[*].id
  security_group_ids  = [aws_security_group.endpoints[0].id]

  tags = {
    Name = "${var.name_prefix}-${each.key}"
  }
}

# Free; lets instances reach S3 (e.g. the Amazon Linux package repositories) without a route out.
resource "aws_vpc_endpoint" "s3" {
  count = var.public_ips ? 0 : 1

  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.this.id]

  tags = {
    Name = "${var.name_prefix}-s3"
  }
}
