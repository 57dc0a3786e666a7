//! Anti-automation (F-10, ASVS 2.4.1): rate limits per client — per API token when the
//! request carries one, else per client address — on logging in (the pages' login steps,
//! the OpenID Connect start and the API's token), on the API and SCIM, and on audit
//! ingestion per target system. A refusal is a 429 with `Retry-After`, and is recorded
//! in the audit log once a minute per client and kind, so a flood cannot flood the log.
//!
//! The limits are token buckets of `governor` (the maintained rate-limiting crate that
//! tower rate-limit layers are built on), kept in memory per instance, one bucket per
//! client and kind.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many requests a client may make: a burst, refilled at a steady rate per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

/// The limits of one instance (`[limits]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    /// Login attempts and OpenID Connect starts, per client address.
    pub login: Rate,
    /// API and SCIM calls, per token (or client address without one).
    pub api: Rate,
    /// Batches of audit events, per target system's token.
    pub ingest: Rate,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            login: Rate { per_minute: 30, burst: 10 },
            api: Rate { per_minute: 3_000, burst: 300 },
            ingest: Rate { per_minute: 12, burst: 6 },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Login,
    Api,
    Ingest,
}

impl Kind {
    fn of(method: &Method, path: &str) -> Option<Kind> {
        let login_step = matches!(path, "/login" | "/login/password" | "/login/totp" | "/login/totp-setup") && method == Method::POST;
        if login_step || path.starts_with("/login/oidc") || path == "/api/v1/auth/token" {
            Some(Kind::Login)
        } else if path == "/api/v1/audit/events" && method == Method::POST {
            Some(Kind::Ingest)
        } else if path.starts_with("/api/v1/") || path.starts_with("/scim/") {
            Some(Kind::Api)
        } else {
            None
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            Kind::Login => "login",
            Kind::Api => "api",
            Kind::Ingest => "ingest",
        }
    }
}

/// The buckets of one instance.
pub(crate) struct Limiters {
    login: DefaultKeyedRateLimiter<String>,
    api: DefaultKeyedRateLimiter<String>,
    ingest: DefaultKeyedRateLimiter<String>,
    /// When a refusal was last recorded, per client and kind.
    recorded: Mutex<HashMap<(String, Kind), Instant>>,
    keyed: std::collections::hash_map::RandomState,
}

fn quota(r: Rate) -> Quota {
    let per_minute = NonZeroU32::new(r.per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(per_minute).allow_burst(NonZeroU32::new(r.burst.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl Limiters {
    pub(crate) fn new(l: RateLimits) -> Limiters {
        Limiters {
            login: RateLimiter::keyed(quota(l.login)),
            api: RateLimiter::keyed(quota(l.api)),
            ingest: RateLimiter::keyed(quota(l.ingest)),
            recorded: Mutex::new(HashMap::new()),
            keyed: std::collections::hash_map::RandomState::new(),
        }
    }

    /// Whether this refusal is the first of the minute for the client and kind.
    fn first_in_a_minute(&self, client: &str, kind: Kind) -> bool {
        let mut seen = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if seen.len() > 10_000 {
            seen.retain(|_, at| now.duration_since(*at) < Duration::from_secs(60));
        }
        match seen.get(&(client.to_string(), kind)) {
            Some(at) if now.duration_since(*at) < Duration::from_secs(60) => false,
            _ => {
                seen.insert((client.to_string(), kind), now);
                true
            }
        }
    }
}

fn bearer(req: &Request) -> Option<&str> {
    req.headers().get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// The client a bucket belongs to: its token (hashed with this process's random key: the
/// bucket map holds no secret), else its address.
fn client_of(limiters: &Limiters, req: &Request) -> String {
    match bearer(req) {
        Some(t) => format!("token {:016x}", std::hash::BuildHasher::hash_one(&limiters.keyed, t)),
        None => {
            let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
            format!("address {}", ip.unwrap_or_else(|| "unknown".into()))
        }
    }
}

/// The middleware: passes a request within its client's limit, refuses it otherwise.
pub(crate) async fn limit(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let (Some(limiters), Some(kind)) = (s.limiters.as_deref(), Kind::of(req.method(), req.uri().path())) else {
        return next.run(req).await;
    };
    let client = client_of(limiters, &req);
    let bucket = match kind {
        Kind::Login => &limiters.login,
        Kind::Api => &limiters.api,
        Kind::Ingest => &limiters.ingest,
    };
    let wait = match bucket.check_key(&client) {
        Ok(()) => return next.run(req).await,
        Err(not_until) => not_until.wait_time_from(DefaultClock::default().now()).as_secs().max(1),
    };
    if limiters.first_in_a_minute(&client, kind) {
        let actor = match bearer(&req) {
            Some(t) => s.app.authenticate(t).await.ok(),
            None => None,
        };
        s.app.record_rate_limited(actor.as_ref(), &client, kind.as_str(), req.uri().path()).await;
    }
    let api = req.uri().path().starts_with("/api/") || req.uri().path().starts_with("/scim/");
    let (mut parts, _) = req.into_parts();
    let mut res = if api {
        let lang = i18n::Lang::negotiate(parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
        crate::Problem::too_many_requests(&s.catalog, lang).into_response()
    } else {
        match crate::ui::Ctx::from_request_parts(&mut parts, &s).await {
            Ok(ctx) => crate::ui::error_page(
                &ctx,
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                &ctx.tr.t("problem-too-many-requests"),
                &ctx.tr.t("too-many-requests"),
            ),
            Err(r) => r,
        }
    };
    *res.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_sorted_into_their_kind() {
        assert_eq!(Kind::of(&Method::POST, "/login"), Some(Kind::Login));
        assert_eq!(Kind::of(&Method::GET, "/login"), None, "showing the form costs nothing");
        assert_eq!(Kind::of(&Method::GET, "/login/oidc"), Some(Kind::Login));
        assert_eq!(Kind::of(&Method::POST, "/api/v1/auth/token"), Some(Kind::Login));
        assert_eq!(Kind::of(&Method::POST, "/api/v1/audit/events"), Some(Kind::Ingest));
        assert_eq!(Kind::of(&Method::GET, "/api/v1/persons"), Some(Kind::Api));
        assert_eq!(Kind::of(&Method::DELETE, "/scim/v2/Users/x"), Some(Kind::Api));
        assert_eq!(Kind::of(&Method::GET, "/requests"), None);
    }
}
