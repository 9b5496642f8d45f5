output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.this.id
}

output "subnet_ids" {
  description = "Subnet ids, in availability-zone order; available once the way to the SSM endpoints exists."
  value       = aws_subnet.this[*].id

  # Instances launched before their route or the endpoints exist would boot without a path to SSM.
  depends_on = [aws_route.internet, aws_route_table_association.this, aws_vpc_endpoint.interface]
}
