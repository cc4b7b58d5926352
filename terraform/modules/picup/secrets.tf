# What picup's pods read as files (k8s: Secret `picup-secrets`, synced from here by the External
# Secrets Operator; README, operations guide). The CloudFront private key is put in by the
# operator (it never passes through Terraform's state).

resource "aws_secretsmanager_secret" "database_url" {
  name        = "${var.name}/database-url"
  description = "DATABASE_URL for picup (PostgreSQL, TLS required)"
  kms_key_id  = aws_kms_key.picup.arn
  tags        = local.tags
  #checkov:skip=CKV2_AWS_57:rotation needs the pods to re-read the file and the RDS password changed in step; the README's runbook rotates it by hand
}

resource "aws_secretsmanager_secret_version" "database_url" {
  secret_id     = aws_secretsmanager_secret.database_url.id
  secret_string = "postgres://picup:${random_password.database.result}@${aws_db_instance.picup.address}:5432/picup?sslmode=verify-full&sslrootcert=/etc/ssl/certs/rds-global-bundle.pem"
}

resource "aws_secretsmanager_secret" "redis_url" {
  name        = "${var.name}/redis-url"
  description = "REDIS_URL for picup (ElastiCache, TLS and AUTH)"
  kms_key_id  = aws_kms_key.picup.arn
  tags        = local.tags
  #checkov:skip=CKV2_AWS_57:the AUTH token rotates with ElastiCache's rotate strategy by hand (README), not a Lambda
}

resource "aws_secretsmanager_secret_version" "redis_url" {
  secret_id     = aws_secretsmanager_secret.redis_url.id
  secret_string = "rediss://:${random_password.redis.result}@${aws_elasticache_replication_group.picup.primary_endpoint_address}:6379"
}

resource "aws_secretsmanager_secret" "cloudfront_private_key" {
  name        = "${var.name}/cloudfront-private-key"
  description = "PEM private key picup-api signs CloudFront URLs with; set by the operator"
  kms_key_id  = aws_kms_key.picup.arn
  tags        = local.tags
  #checkov:skip=CKV2_AWS_57:key rotation goes through the CloudFront key group (README), which a rotation Lambda cannot do safely
}
