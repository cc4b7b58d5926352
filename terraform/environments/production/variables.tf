variable "region" {
  type    = string
  default = "eu-central-1"
}

variable "web_origin" {
  type = string
}

variable "cdn_domain" {
  type = string
}

variable "cdn_certificate_arn" {
  type = string
}

variable "cdn_public_key_files" {
  description = "PEM public key files (openssl rsa -pubout) CloudFront trusts, by name; two only while rotating."
  type        = map(string)
}

variable "vpc_id" {
  type = string
}

variable "private_subnet_ids" {
  type = list(string)
}

variable "cluster_security_group_id" {
  type = string
}

variable "eks_oidc_provider_arn" {
  type = string
}

variable "eks_oidc_provider_url" {
  type = string
}
