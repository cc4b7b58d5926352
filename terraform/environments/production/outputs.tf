output "picup" {
  description = "Values for k8s/overlays/production (config.yaml, serviceaccounts.yaml) and the secrets"
  value = {
    bucket_name         = module.picup.bucket_name
    region              = module.picup.region
    cdn_domain          = module.picup.cdn_domain
    cdn_target          = module.picup.cdn_target
    cdn_key_pair_ids    = module.picup.cdn_key_pair_ids
    cdn_distribution_id = module.picup.cdn_distribution_id
    role_arns           = module.picup.role_arns
    secret_arns         = module.picup.secret_arns
  }
}
