# Read by the orchestrator with `terraform output -json`; the TypeScript parser is
# parseTerraformOutputs in packages/infra. Every role is always present (lists may be empty).

output "experiment_id" {
  description = "The experiment these resources belong to."
  value       = var.experiment_id
}

output "region" {
  description = "The region the experiment runs in."
  value       = var.region
}

output "vpc_id" {
  description = "The experiment's VPC."
  value       = module.network.vpc_id
}

output "subnet_ids" {
  description = "The subnets, one per availability zone."
  value       = module.network.subnet_ids
}

output "security_group_ids" {
  description = "Security group id per role."
  value       = module.security.security_group_ids
}

output "instance_profile_name" {
  description = "The SSM instance profile attached to every instance."
  value       = module.iam.instance_profile_name
}

output "roles" {
  description = "Per role, in index order: instance ids and private IPs (same order in both lists)."
  value = {
    for role in local.roles : role => {
      instance_ids = [for index in range(var.roles[role].count) : module.compute.instance_ids["${role}-${index}"]]
      private_ips  = [for index in range(var.roles[role].count) : module.compute.private_ips["${role}-${index}"]]
    }
  }
}

output "bookkeeper_volumes" {
  description = "Per bookie index: the journal and ledger volume ids and device names."
  value       = module.storage.bookie_volumes
}

output "cluster" {
  description = "How to reach the Pulsar cluster from inside the VPC."
  value = {
    name               = var.pulsar.cluster_name
    service_url        = "pulsar://${join(",", [for ip in module.cluster.members.broker : "${ip}:6650"])}"
    web_service_url    = "http://${module.cluster.members.broker[0]}:8080"
    metadata_store_url = "zk:${join(",", [for ip in module.cluster.members.zookeeper : "${ip}:2181"])}"
  }
}
