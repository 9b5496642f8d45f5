output "bookie_volumes" {
  description = "Per bookie index: volume id and device name of its journal and ledger volumes."
  value = [
    for index, zone in var.availability_zones : {
      journal = {
        volume_id   = aws_ebs_volume.bookie["bookkeeper-${index}-journal"].id
        device_name = local.device_names.journal
      }
      ledgers = {
        volume_id   = aws_ebs_volume.bookie["bookkeeper-${index}-ledgers"].id
        device_name = local.device_names.ledgers
      }
    }
  ]
}
