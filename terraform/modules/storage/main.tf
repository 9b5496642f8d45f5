# Separate journal and ledger gp3 volumes per bookie. Their ids go into the cluster document:
# on Nitro instances the device name is not kept (volumes appear as /dev/nvmeXn1), so the
# bootstrap finds each volume by its id in /dev/disk/by-id.

locals {
  device_names = {
    journal = "/dev/sdf"
    ledgers = "/dev/sdg"
  }

  volumes = merge([
    for index, zone in var.availability_zones : {
      for kind, spec in { journal = var.journal_volume, ledgers = var.ledger_volume } : "bookkeeper-${index}-${kind}" => {
        index                     = index
        kind                      = kind
        availability_zone         = zone
        spec                      = spec
      }
    }
  ]...)
}

resource "aws_ebs_volume" "bookie" {
  for_each = local.volumes

  availability_zone = each.value.availability_zone
  type              = "gp3"
  size              = each.value.spec.size_gb
  iops              = each.value.spec.iops
  throughput        = each.value.spec.throughput_mbps
  encrypted         = true

  tags = {
    Name      = "${var.name_prefix}-${each.key}"
    Component = "bookkeeper"
    LabIndex  = tostring(each.value.index)
    LabVolume = each.value.kind
  }
}

resource "aws_volume_attachment" "bookie" {
  for_each = local.volumes

  device_name = local.device_names[each.value.kind]
  volume_id   = aws_ebs_volume.bookie[each.key].id
  instance_id = var.bookie_instance_ids[each.value.index]

  # Detaching a mounted volume from a running instance can hang; on destroy the instance is
  # terminated first and the volume is then deleted on its own.
  skip_destroy = true
}
