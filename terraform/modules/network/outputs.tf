output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.this.id
}

output "subnet_ids" {
  description = "Public subnet ids, in availability-zone order; available once their route to the internet exists."
  value       = aws_subnet.public[*].id

  # Instances launched before the route exists would boot without a path to SSM.
  depends_on = [aws_route.internet, aws_route_table_association.public]
}
