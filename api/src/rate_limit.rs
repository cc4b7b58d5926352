//! Per-IP and per-user request limits (answering 429 with `Retry-After`), and a stricter per-IP
//! limit for password attempts.

use picup_common::id::UserId;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use picup_common::config::RateLimits;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct RateLimiters {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_user: DefaultKeyedRateLimiter<UserId>,
    auth_per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl RateLimiters {
    pub fn new(limits: &RateLimits) -> Self {
        RateLimiters {
            per_ip: RateLimiter::keyed(
                Quota::per_second(nonzero(limits.per_ip_per_second)).allow_burst(nonzero(limits.per_ip_burst)),
            ),
            per_user: RateLimiter::keyed(
                Quota::per_second(nonzero(limits.per_user_per_second)).allow_burst(nonzero(limits.per_user_burst)),
            ),
            auth_per_ip: RateLimiter::keyed(
                Quota::per_minute(nonzero(limits.auth_per_ip_per_minute))
                    .allow_burst(nonzero(limits.auth_per_ip_per_minute)),
            ),
        }
    }

    pub fn check_user(&self, user_id: UserId) -> ApiResult<()> {
        check(&self.per_user, &user_id)
    }

    pub fn check_auth(&self, ip: IpAddr) -> ApiResult<()> {
        check(&self.auth_per_ip, &ip)
    }

    /// Forgets idle keys so the limiters do not grow without bound.
    pub fn forget_idle(&self) {
        self.per_ip.retain_recent();
        self.per_user.retain_recent();
        self.auth_per_ip.retain_recent();
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> ApiResult<()> {
    limiter.check_key(key).map_err(|not_until| ApiError::TooManyRequests {
        retry_after: not_until.wait_time_from(DefaultClock::default().now()),
    })
}

/// The client's address: the peer, or the first `X-Forwarded-For` hop behind a trusted proxy.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// The client address in `X-Forwarded-For` behind one trusted load balancer: the last entry,
/// which the balancer appended. Earlier entries are whatever the client sent, so trusting the
/// first would let anyone pick a fresh address per password guess.
pub fn forwarded_client(header: &str) -> Option<IpAddr> {
    header.rsplit(',').next()?.trim().parse().ok()
}

pub async fn limit_per_ip(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let forwarded = state
        .config()
        .trust_proxy
        .then(|| request.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|value| value.to_str().ok())
        .and_then(forwarded_client);
    let ip = forwarded.or(peer).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    request.extensions_mut().insert(ClientIp(ip));
    if let Err(err) = check(&state.limiters.per_ip, &ip) {
        return axum::response::IntoResponse::into_response(err);
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_balancers_entry_counts_not_the_one_a_client_made_up() {
        let spoofed = "203.0.113.9, 198.51.100.7";
        assert_eq!(forwarded_client(spoofed), Some("198.51.100.7".parse().expect("ip")));
        assert_eq!(forwarded_client(" 2001:db8::1 "), Some("2001:db8::1".parse().expect("ip")));
        assert_eq!(forwarded_client("198.51.100.7, not-an-address"), None);
        assert_eq!(forwarded_client(""), None);
    }
}
