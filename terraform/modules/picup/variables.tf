variable "name" {
  description = "Prefix of every resource's name, e.g. picup-production."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,40}$", var.name))
    error_message = "Use 3 to 41 lower-case letters, digits and dashes, starting with a letter."
  }
}

variable "web_origin" {
  description = "The address families open in the browser (https://photos.example.org); the only origin allowed to upload to the bucket."
  type        = string
  validation {
    condition     = startswith(var.web_origin, "https://")
    error_message = "The web origin must be https://."
  }
}

variable "cdn_domain" {
  description = "The CDN's host name (media.photos.example.org), served by CloudFront with the ACM certificate below."
  type        = string
}

variable "cdn_certificate_arn" {
  description = "ACM certificate for cdn_domain, in us-east-1 (CloudFront's requirement)."
  type        = string
}

variable "cdn_public_keys" {
  description = "The public keys (PEM) CloudFront accepts signatures from, by a name you choose (e.g. the month it was made). picup-api signs with one of them; two are listed only while rotating (README, operations guide)."
  type        = map(string)
  validation {
    condition     = length(var.cdn_public_keys) >= 1 && length(var.cdn_public_keys) <= 5
    error_message = "List one to five keys (CloudFront's limit per key group is five)."
  }
}

variable "cdn_price_class" {
  description = "CloudFront price class; PriceClass_100 serves North America and Europe."
  type        = string
  default     = "PriceClass_100"
}

variable "vpc_id" {
  description = "The VPC the database and Redis live in (the EKS cluster's)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (two availability zones at least) for RDS and ElastiCache."
  type        = list(string)
  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "RDS and ElastiCache need subnets in at least two availability zones."
  }
}

variable "cluster_security_group_id" {
  description = "The security group of the EKS nodes/pods; only it may reach PostgreSQL and Redis."
  type        = string
}

variable "eks_oidc_provider_arn" {
  description = "The EKS cluster's IAM OIDC provider, for IAM roles for service accounts."
  type        = string
}

variable "eks_oidc_provider_url" {
  description = "The OIDC issuer without https:// (oidc.eks.REGION.amazonaws.com/id/XXXX)."
  type        = string
}

variable "kubernetes_namespace" {
  description = "The namespace picup runs in (k8s/overlays/production)."
  type        = string
  default     = "picup"
}

variable "db_instance_class" {
  type    = string
  default = "db.t4g.medium"
}

variable "db_allocated_storage_gb" {
  type    = number
  default = 50
}

variable "db_multi_az" {
  description = "A standby in a second availability zone (recommended for production)."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  type    = number
  default = 14
  validation {
    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35
    error_message = "RDS keeps backups for 1 to 35 days."
  }
}

variable "db_deletion_protection" {
  type    = bool
  default = true
}

variable "redis_node_type" {
  type    = string
  default = "cache.t4g.small"
}

variable "noncurrent_version_days" {
  description = "Days a replaced or deleted object version is kept before it expires."
  type        = number
  default     = 30
}

variable "tags" {
  type    = map(string)
  default = {}
}
