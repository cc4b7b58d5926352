# The production environment: `terraform init && terraform apply` with a terraform.tfvars that
# names the network and the EKS cluster (see terraform.tfvars.example).

terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 7.0"
    }
  }
  # State holds generated passwords: keep it in an encrypted, versioned bucket of your own.
  # backend "s3" {
  #   bucket       = "my-terraform-state"
  #   key          = "picup/production.tfstate"
  #   region       = "eu-central-1"
  #   encrypt      = true
  #   use_lockfile = true
  # }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { environment = "production" }
  }
}

module "picup" {
  source = "../../modules/picup"

  name                      = "picup-production"
  web_origin                = var.web_origin
  cdn_domain                = var.cdn_domain
  cdn_certificate_arn       = var.cdn_certificate_arn
  cdn_public_keys           = { for name, path in var.cdn_public_key_files : name => file(path) }
  vpc_id                    = var.vpc_id
  private_subnet_ids        = var.private_subnet_ids
  cluster_security_group_id = var.cluster_security_group_id
  eks_oidc_provider_arn     = var.eks_oidc_provider_arn
  eks_oidc_provider_url     = var.eks_oidc_provider_url
  db_multi_az               = true
  db_deletion_protection    = true
}
