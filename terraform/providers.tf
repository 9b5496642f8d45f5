provider "aws" {
  region = var.region

  # Every taggable resource carries the lab's tags; cleanup and cost tracking rely on them.
  default_tags {
    tags = local.lab_tags
  }
}
