# The CDN: every object is private to the bucket and reached only through CloudFront with Origin
# Access Control; every request needs a URL signed by picup-api's key (trusted key group).

resource "aws_cloudfront_origin_access_control" "media" {
  name                              = "${var.name}-media"
  description                       = "picup media bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_public_key" "signer" {
  for_each    = var.cdn_public_keys
  name        = "${var.name}-signer-${each.key}"
  comment     = "picup-api signs view URLs with the private half (PICUP_CLOUDFRONT_PRIVATE_KEY)"
  encoded_key = each.value
}

resource "aws_cloudfront_key_group" "signers" {
  name    = "${var.name}-signers"
  comment = "Keys whose signatures CloudFront accepts for picup media"
  items   = [for key in aws_cloudfront_public_key.signer : key.id]
}

# Originals and derivatives never change under a key, so they are cached for a year. The cache
# key holds the path only: the signature's query string differs per viewer and window, and
# CloudFront checks it before the cache is consulted.
resource "aws_cloudfront_cache_policy" "immutable" {
  name        = "${var.name}-immutable"
  comment     = "picup objects are immutable"
  min_ttl     = 86400
  default_ttl = 31536000
  max_ttl     = 31536000
  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = false
    enable_accept_encoding_brotli = false
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

resource "aws_cloudfront_response_headers_policy" "media" {
  name    = "${var.name}-media"
  comment = "Security headers for picup media"
  security_headers_config {
    content_type_options {
      override = true
    }
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
    referrer_policy {
      referrer_policy = "same-origin"
      override        = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
  }
  cors_config {
    access_control_allow_credentials = false
    access_control_allow_headers {
      items = ["*"]
    }
    access_control_allow_methods {
      items = ["GET", "HEAD"]
    }
    access_control_allow_origins {
      items = [var.web_origin]
    }
    origin_override = true
  }
}

resource "aws_cloudfront_distribution" "media" {
  enabled         = true
  is_ipv6_enabled = true
  comment         = "${var.name} media"
  aliases         = [var.cdn_domain]
  price_class     = var.cdn_price_class
  http_version    = "http2and3"
  tags            = local.tags
  #checkov:skip=CKV_AWS_68:every request must carry a CloudFront signature made by picup-api; a WAF in front adds cost and nothing a forged URL could pass
  #checkov:skip=CKV2_AWS_47:no WAF (see CKV_AWS_68), so no Log4j rule either; the origin is S3, not a Java service
  #checkov:skip=CKV_AWS_86:standard access logs would need a log bucket with ACLs; CloudFront's real-time metrics and picup's own request metrics are the operators' view
  #checkov:skip=CKV_AWS_310:one bucket in one region is the origin; a failover origin needs cross-region replication, left to the operator (see s3.tf)
  #checkov:skip=CKV_AWS_374:families travel; signed URLs, not geography, decide who may see a photo
  #checkov:skip=CKV_AWS_305:not a website: there is no root object, every path is a signed media key

  origin {
    origin_id                = "media"
    domain_name              = aws_s3_bucket.media.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.media.id
  }

  default_cache_behavior {
    target_origin_id           = "media"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = false
    cache_policy_id            = aws_cloudfront_cache_policy.immutable.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.media.id
    trusted_key_groups         = [aws_cloudfront_key_group.signers.id]
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = var.cdn_certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}
