# The cluster's instances. Each boots the lab AMI, gets the SSM instance profile, requires
# IMDSv2, and receives its cluster document through user-data, which also shuts the instance
# down at the experiment's ExpiresAt: with shutdown behaviour "terminate", a lost laptop costs at
# most the TTL.

data "aws_ami" "lab" {
  filter {
    name   = "image-id"
    values = [var.ami_id]
  }

  lifecycle {
    postcondition {
      condition     = self.state == "available"
      error_message = "AMI ${var.ami_id} is not available (state ${self.state})."
    }
  }
}

locals {
  # The root volume may not be smaller than the AMI's root snapshot.
  ami_root_size_gb = max(concat([1], [
    for mapping in data.aws_ami.lab.block_device_mappings :
    tonumber(lookup(mapping.ebs, "volume_size", "1"))
    if mapping.device_name == data.aws_ami.lab.root_device_name
  ])...)
}

resource "aws_instance" "this" {
  for_each = var.instances

  ami                                  = var.ami_id
  instance_type                        = each.value.instance_type
  subnet_id                            = each.value.subnet_id
  private_ip                           = each.value.private_ip
  associate_public_ip_address          = var.public_ips
  vpc_security_group_ids               = [var.security_group_ids[each.value.role]]
  iam_instance_profile                 = var.instance_profile_name
  instance_initiated_shutdown_behavior = "terminate"
  user_data                            = each.value.user_data
  user_data_replace_on_change          = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = max(each.value.root_volume_gb, local.ami_root_size_gb)
    encrypted             = true
    delete_on_termination = true

    tags = merge(var.root_volume_tags, {
      Name      = "${var.name_prefix}-${each.key}-root"
      Component = each.value.role
    })
  }

  dynamic "instance_market_options" {
    for_each = var.spot.enabled ? [var.spot] : []

    content {
      market_type = "spot"

      spot_options {
        spot_instance_type             = "one-time"
        instance_interruption_behavior = "terminate"
        max_price                      = instance_market_options.value.max_price
      }
    }
  }

  tags = {
    Name      = "${var.name_prefix}-${each.key}"
    Component = each.value.role
    LabIndex  = tostring(each.value.index)
  }
}
