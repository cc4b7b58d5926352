# One role per Kubernetes service account (IRSA), each allowed only what its process does.

locals {
  originals   = "${aws_s3_bucket.media.arn}/originals/*"
  derivatives = "${aws_s3_bucket.media.arn}/derivatives/*"
}

data "aws_iam_policy_document" "assume" {
  for_each = toset(["api", "thumbnailer", "worker"])
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.eks_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_provider_url}:sub"
      values   = ["system:serviceaccount:${var.kubernetes_namespace}:picup-${each.key}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_provider_url}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "component" {
  for_each           = data.aws_iam_policy_document.assume
  name               = "${var.name}-${each.key}"
  assume_role_policy = each.value.json
  tags               = local.tags
}

# The api presigns uploads (single and multipart) of originals, checks and completes them, signs
# view URLs when no CDN is configured, and deletes an upload that lied about its size.
data "aws_iam_policy_document" "api" {
  statement {
    sid = "Originals"
    actions = [
      "s3:PutObject",
      "s3:GetObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = [local.originals]
  }
  statement {
    sid       = "ViewDerivatives"
    actions   = ["s3:GetObject"]
    resources = [local.derivatives]
  }
  statement {
    # HEAD of a missing key answers 404 (not 403) only with ListBucket; readiness checks the bucket.
    sid       = "Bucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.media.arn]
  }
  statement {
    sid       = "EncryptedObjects"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.picup.arn]
  }
}

# The thumbnailer reads originals and writes derivatives; nothing else.
data "aws_iam_policy_document" "thumbnailer" {
  statement {
    sid       = "ReadOriginals"
    actions   = ["s3:GetObject"]
    resources = [local.originals]
  }
  statement {
    sid       = "WriteDerivatives"
    actions   = ["s3:PutObject"]
    resources = [local.derivatives]
  }
  statement {
    sid       = "Bucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.media.arn]
  }
  statement {
    sid       = "EncryptedObjects"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.picup.arn]
  }
}

# The worker deletes purged media, abandoned uploads and orphan derivatives (the storage audit lists
# the bucket) and invalidates the CDN's copies.
data "aws_iam_policy_document" "worker" {
  statement {
    sid       = "Delete"
    actions   = ["s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = [local.originals, local.derivatives]
  }
  statement {
    sid       = "Bucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.media.arn]
  }
  statement {
    sid       = "Invalidate"
    actions   = ["cloudfront:CreateInvalidation"]
    resources = [aws_cloudfront_distribution.media.arn]
  }
}

locals {
  component_policies = {
    api         = data.aws_iam_policy_document.api.json
    thumbnailer = data.aws_iam_policy_document.thumbnailer.json
    worker      = data.aws_iam_policy_document.worker.json
  }
}

resource "aws_iam_role_policy" "component" {
  for_each = local.component_policies
  name     = "${var.name}-${each.key}"
  role     = aws_iam_role.component[each.key].id
  policy   = each.value
}
