# The instances' only AWS permission: what the SSM agent needs (registration, Run Command,
# Session Manager channels), as a tagged customer policy. Nothing on Parameter Store, S3 or KMS:
# results travel back through SSM command output. The same actions are in
# packages/ami-builder/src/ssm-agent-policy.ts (the test suite keeps the two equal).

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

data "aws_iam_policy_document" "ssm_agent" {
  statement {
    sid       = "SsmAgentRegistration"
    actions   = ["ssm:ListAssociations", "ssm:ListInstanceAssociations", "ssm:UpdateInstanceInformation"]
    resources = ["*"]
  }

  statement {
    sid = "RunCommandDelivery"
    actions = [
      "ec2messages:AcknowledgeMessage",
      "ec2messages:DeleteMessage",
      "ec2messages:FailMessage",
      "ec2messages:GetEndpoint",
      "ec2messages:GetMessages",
      "ec2messages:SendReply",
    ]
    resources = ["*"]
  }

  statement {
    sid = "SessionChannels"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role" "instance" {
  name               = local.name
  description        = "pulsar-aws-lab instances: SSM agent only"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json

  tags = {
    Name = local.name
  }
}

# A customer policy (not AmazonSSMManagedInstanceCore, which also grants ssm:GetParameter* on
# every parameter of the account). Tagged with the experiment by default_tags, so tag cleanup
# deletes it with the experiment.
resource "aws_iam_policy" "ssm_agent" {
  name        = substr("${var.name_prefix}-ssm-agent", 0, 128)
  description = "pulsar-aws-lab instances: what the SSM agent needs, nothing else"
  policy      = data.aws_iam_policy_document.ssm_agent.json

  tags = {
    Name = substr("${var.name_prefix}-ssm-agent", 0, 128)
  }
}

resource "aws_iam_role_policy_attachment" "ssm_agent" {
  role       = aws_iam_role.instance.name
  policy_arn = aws_iam_policy.ssm_agent.arn
}

resource "aws_iam_instance_profile" "instance" {
  name = local.name
  role = aws_iam_role.instance.name

  tags = {
    Name = local.name
  }
}
