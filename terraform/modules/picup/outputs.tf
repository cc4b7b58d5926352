output "bucket_name" {
  description = "PICUP_S3_BUCKET"
  value       = aws_s3_bucket.media.id
}

output "region" {
  description = "PICUP_S3_REGION"
  value       = data.aws_region.current.name
}

output "cdn_domain" {
  description = "PICUP_CLOUDFRONT_DOMAIN (point its DNS name at cdn_target)"
  value       = var.cdn_domain
}

output "cdn_target" {
  description = "The CloudFront host name the CDN domain's CNAME/alias points to"
  value       = aws_cloudfront_distribution.media.domain_name
}

output "cdn_key_pair_ids" {
  description = "PICUP_CLOUDFRONT_KEY_PAIR_ID for each of cdn_public_keys"
  value       = { for name, key in aws_cloudfront_public_key.signer : name => key.id }
}

output "cdn_distribution_id" {
  description = "PICUP_CLOUDFRONT_DISTRIBUTION_ID"
  value       = aws_cloudfront_distribution.media.id
}

output "role_arns" {
  description = "eks.amazonaws.com/role-arn of each service account (k8s/overlays/production/serviceaccounts.yaml)"
  value       = { for component, role in aws_iam_role.component : component => role.arn }
}

output "secret_arns" {
  description = "The Secrets Manager entries behind the Kubernetes Secret picup-secrets"
  value = {
    "database-url"           = aws_secretsmanager_secret.database_url.arn
    "redis-url"              = aws_secretsmanager_secret.redis_url.arn
    "cloudfront-private-key" = aws_secretsmanager_secret.cloudfront_private_key.arn
  }
}
