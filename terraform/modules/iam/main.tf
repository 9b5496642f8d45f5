# The instances' only AWS permission: what the SSM agent needs (Run Command, Session
# Manager). Results travel back through SSM command output, so nothing broader is granted.

data "aws_partition" "current" {}

locals {
  name = substr("${var.name_prefix}-instance", 0, 64)
}

data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "instance" {
  name               = local.name
  description        = "pulsar-aws-lab instances: SSM only"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json

  tags = {
    Name = local.name
  }
}

resource "aws_iam_role_policy_attachment" "ssm_core" {
  role       = aws_iam_role.instance.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "instance" {
  name = local.name
  role = aws_iam_role.instance.name

  tags = {
    Name = local.name
  }
}
