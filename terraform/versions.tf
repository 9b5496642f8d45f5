terraform {
  # 1.9 is the first release whose variable validations may refer to other variables.
  required_version = ">= 1.9.0, < 2.0.0"

  # State stays local, one file per experiment: the orchestrator runs
  # `init -backend-config=path=<experiment>/terraform/terraform.tfstate`. Without this block
  # Terraform ignores that path and writes terraform.tfstate next to the module, shared by all.
  backend "local" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80.0, < 7.0.0"
    }
  }
}
