# The pulsar-aws-lab base image: Amazon Linux 2023, Amazon Corretto, Apache Pulsar, OpenMessaging
# Benchmark and the lab's on-instance scripts, baked once so nothing is installed at boot.
# Built by `lab-ami build`, which passes the variables below and reads the AMI id from Packer's
# machine-readable `artifact` lines.

packer {
  required_version = ">= 1.10.0"
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      # 1.3.0 is the first release with imds_support; 2.x may change the source's arguments.
      version = ">= 1.3.0, < 2.0.0"
    }
  }
}

variable "region" {
  type        = string
  description = "AWS region to build in."
  default     = "us-east-1"
}

variable "pulsar_version" {
  type        = string
  description = "Apache Pulsar release to bake, e.g. 4.0.4."
  default     = "4.0.4"
  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.pulsar_version))
    error_message = "The pulsar_version must look like 4.0.4."
  }
}

variable "pulsar_mirror" {
  type        = string
  description = "Base URL of the Apache release archive; the tarball and its .sha512 come from here."
  default     = "https://archive.apache.org/dist/pulsar"
}

variable "omb_repository" {
  type        = string
  description = "Git repository of OpenMessaging Benchmark."
  default     = "https://github.com/openmessaging/benchmark.git"
}

variable "omb_commit" {
  type        = string
  description = "Full 40-character commit of OpenMessaging Benchmark to build."
  validation {
    condition     = can(regex("^[0-9a-f]{40}$", var.omb_commit))
    error_message = "The omb_commit must be a full 40-character lowercase git commit id."
  }
}

variable "java_version" {
  type        = string
  description = "Amazon Corretto major version that runs Pulsar and is the JDK that builds OMB: 17 or 21."
  default     = "21"
  validation {
    condition     = contains(["17", "21"], var.java_version)
    error_message = "The java_version must be 17 or 21 (Pulsar 3.x/4.x servers need Java 17+)."
  }
}

variable "lab_files_archive" {
  type        = string
  description = "Local .tar.gz holding lab/ and systemd/ of packer/files; lab-ami build writes it (by hand: tar -czf lab-files.tar.gz -C packer/files lab systemd)."
  validation {
    condition     = can(regex("\\.tar\\.gz$", var.lab_files_archive))
    error_message = "The lab_files_archive must be the path of a .tar.gz file."
  }
}

variable "instance_type" {
  type        = string
  description = "Instance type of the temporary build instance (the OMB Maven build wants 8 GiB)."
  default     = "m6i.large"
}

variable "root_volume_size_gb" {
  type        = number
  description = "Root volume size; instances launched from the AMI need at least this much."
  default     = 20
}

variable "subnet_id" {
  type        = string
  description = "Subnet of the build instance; empty means the default VPC. It needs outbound access to SSM."
  default     = ""
}

variable "iam_instance_profile" {
  type        = string
  description = "Instance profile of the build instance; its role needs the SSM agent permissions for Session Manager (lab-ami passes pulsar-aws-lab-ami-build)."
}

variable "kms_key_id" {
  type        = string
  description = "KMS key for the encrypted root volume and AMI snapshot; empty means the account's default EBS key."
  default     = ""
}

variable "build_id" {
  type        = string
  description = "Experiment-like id of this build (ExperimentID tag), so lab-cleanup can find leftovers of an interrupted build."
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$", var.build_id))
    error_message = "The build_id must be 2-64 lowercase letters, digits and hyphens."
  }
}

variable "managed_by" {
  type        = string
  description = "Value of the ManagedBy tag."
  default     = "lab-ami"
}

variable "extra_tags" {
  type        = map(string)
  description = "The user's own tags, added to every resource of the build and to the image."
  default     = {}
}

locals {
  build_stamp = formatdate("YYYYMMDD-hhmmss", timestamp())
  ami_name    = "pulsar-base-${var.pulsar_version}-${local.build_stamp}"

  # The lab's tag vocabulary (@lab/core TAG_KEYS); the lab's keys win over user tags.
  lab_tags = merge(var.extra_tags, {
    Project      = "pulsar-aws-lab"
    ExperimentID = var.build_id
    ManagedBy    = var.managed_by
  })

  image_tags = merge(local.lab_tags, {
    Name          = local.ami_name
    PulsarVersion = var.pulsar_version
    OmbCommit     = var.omb_commit
    JavaVersion   = var.java_version
    BuildDate     = timestamp()
  })

  build_instance_tags = merge(local.lab_tags, {
    Name = "pulsar-ami-build-${var.build_id}"
  })

  # One archive uploaded to an explicit file path, unpacked into the directories install-lab.sh
  # reads (finish.sh removes them).
  lab_archive_upload = "/tmp/lab-image-files.tar.gz"
  lab_files_dir      = "/tmp/lab-files"
  lab_systemd_dir    = "/tmp/lab-systemd"
}

source "amazon-ebs" "pulsar" {
  region          = var.region
  instance_type   = var.instance_type
  ami_name        = local.ami_name
  ami_description = "pulsar-aws-lab base image: Apache Pulsar ${var.pulsar_version}, Corretto ${var.java_version}, OMB ${var.omb_commit}"

  source_ami_filter {
    filters = {
      name                = "al2023-ami-2023.*-kernel-*-x86_64"
      architecture        = "x86_64"
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = ["amazon"]
    most_recent = true
  }

  subnet_id                   = var.subnet_id
  associate_public_ip_address = true
  iam_instance_profile        = var.iam_instance_profile

  # Session Manager tunnel: no inbound SSH rule, no public port.
  communicator            = "ssh"
  ssh_username            = "ec2-user"
  ssh_interface           = "session_manager"
  ssh_timeout             = "15m"
  pause_before_ssm        = "30s"
  temporary_key_pair_type = "ed25519"

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  imds_support = "v2.0"

  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = var.root_volume_size_gb
    volume_type           = "gp3"
    encrypted             = true
    kms_key_id            = var.kms_key_id
    delete_on_termination = true
  }
  encrypt_boot = true
  kms_key_id   = var.kms_key_id

  # The image and its snapshots carry what `lab-ami list` reads; the build instance, its volumes,
  # its temporary security group and key pair carry the lab's tags for cleanup by tag.
  tags            = local.image_tags
  snapshot_tags   = local.image_tags
  run_tags        = local.build_instance_tags
  run_volume_tags = local.build_instance_tags
}

build {
  name    = "pulsar-base"
  sources = ["source.amazon-ebs.pulsar"]

  provisioner "file" {
    source      = var.lab_files_archive
    destination = local.lab_archive_upload
  }

  provisioner "shell" {
    execute_command = "sudo -E bash '{{ .Path }}'"
    environment_vars = [
      "LAB_ARCHIVE=${local.lab_archive_upload}",
      "LAB_FILES=${local.lab_files_dir}",
      "LAB_SYSTEMD_FILES=${local.lab_systemd_dir}",
    ]
    script = "${path.root}/scripts/unpack-lab-files.sh"
  }

  provisioner "shell" {
    execute_command = "sudo -E bash '{{ .Path }}'"
    environment_vars = [
      "PULSAR_VERSION=${var.pulsar_version}",
      "PULSAR_MIRROR=${var.pulsar_mirror}",
      "OMB_REPOSITORY=${var.omb_repository}",
      "OMB_COMMIT=${var.omb_commit}",
      "JAVA_VERSION=${var.java_version}",
      "LAB_FILES=${local.lab_files_dir}",
      "LAB_SYSTEMD_FILES=${local.lab_systemd_dir}",
    ]
    scripts = [
      "${path.root}/scripts/base.sh",
      "${path.root}/scripts/install-pulsar.sh",
      "${path.root}/scripts/install-omb.sh",
      "${path.root}/scripts/install-lab.sh",
      "${path.root}/scripts/tune-os.sh",
      "${path.root}/scripts/finish.sh",
    ]
  }
}
