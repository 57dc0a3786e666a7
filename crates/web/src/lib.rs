//! Portvagt over HTTP: the web pages (`ui`), the JSON API (`/api/v1`, described by
//! OpenAPI at `/api/v1/openapi.json` and browsable at `/api/docs`), health, and security
//! headers.
//! HTTP types live here and nowhere else.

mod api;
mod extract;
pub mod limits;
pub mod openapi;
mod pdf;
mod problem;
pub mod ui;

pub use problem::Problem;

use app::App;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use i18n::Catalog;
use std::sync::Arc;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub catalog: Arc<Catalog>,
    openapi_json: Arc<String>,
    ui: Arc<ui::UiConfig>,
    oidc: Option<Arc<ui::oidc::Provider>>,
    /// The rate limits' buckets, when limits are on (F-10).
    limiters: Option<Arc<limits::Limiters>>,
}

/// The API routes and, built beside them, their OpenAPI document as pretty JSON.
fn api_and_document() -> (Router<AppState>, String) {
    let mut doc = openapi::Doc::default();
    let api = api::routes(&mut doc);
    let mut json = serde_json::to_string_pretty(&doc.build()).unwrap_or_default();
    json.push('\n');
    (api, json)
}

/// The OpenAPI document of this build (what the committed `openapi.json` must hold).
pub fn openapi_json() -> String {
    api_and_document().1
}

/// The whole HTTP application with the pages' defaults (cookies without `Secure`, no
/// OpenID Connect provider): for tests and plain-HTTP loopback use.
pub fn router(app: App) -> Router {
    router_with(app, ui::UiConfig::default())
}

/// The whole HTTP application: the pages, the API, health.
pub fn router_with(app: App, ui_config: ui::UiConfig) -> Router {
    let (api, json) = api_and_document();
    let oidc = ui_config.oidc.clone().map(|s| Arc::new(ui::oidc::Provider::new(s)));
    let pages = ui::routes();
    // F-15: behind HTTPS, browsers are told to use nothing else.
    let https = ui_config.secure_cookies;
    let limiters = ui_config.limits.map(|l| Arc::new(limits::Limiters::new(l)));
    let state = AppState { app, catalog: Arc::new(Catalog::new()), openapi_json: Arc::new(json), ui: Arc::new(ui_config), oidc, limiters };
    Router::new()
        .merge(pages)
        .merge(api)
        .merge(api::scim::routes())
        .route("/healthz", get(health))
        .route("/api/v1/openapi.json", get(openapi_doc))
        .route("/api/docs", get(|| async { asset("text/html; charset=utf-8", include_str!("../assets/docs.html")) }))
        .route("/api/docs/swagger-ui.css", get(|| async { asset("text/css", include_str!("../assets/swagger-ui/swagger-ui.css")) }))
        .route(
            "/api/docs/swagger-ui-bundle.js",
            get(|| async { asset("text/javascript", include_str!("../assets/swagger-ui/swagger-ui-bundle.js")) }),
        )
        .route("/api/docs/swagger-init.js", get(|| async { asset("text/javascript", include_str!("../assets/swagger-init.js")) }))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), limits::limit))
        .layer(middleware::from_fn_with_state(state.clone(), readable_paths))
        .layer(middleware::from_fn_with_state(https, security_headers))
        .with_state(state)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    res
}

async fn openapi_doc(State(s): State<AppState>) -> Response {
    let mut res = s.openapi_json.as_str().to_string().into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

async fn health(State(s): State<AppState>) -> Response {
    match s.app.store().schema_version().await {
        Ok(v) => Json(serde_json::json!({ "status": "ok", "schema_version": v })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "unavailable" }))).into_response()
        }
    }
}

/// Unknown paths: a problem for API clients, a page for browsers.
async fn not_found(State(s): State<AppState>, ctx: ui::Ctx) -> Response {
    let api = ctx.path.starts_with("/api/") || ctx.path.starts_with("/scim/");
    let wants_html = ctx.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if !api && wants_html {
        return ui::app_error_page(&ctx, app::AppError::NotFound);
    }
    let lang = i18n::Lang::negotiate(ctx.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    Problem::from_app(&s.catalog, lang, app::AppError::NotFound).into_response()
}

/// Whether a percent-encoded path decodes to UTF-8 text.
fn decodes_as_utf8(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&out).is_ok()
}

/// A path that is no text (invalid UTF-8 after decoding) is refused before routing: a
/// problem document for the API, a page for people (F-22), never the router's plain text.
async fn readable_paths(State(s): State<AppState>, req: axum::extract::Request, next: Next) -> Response {
    if decodes_as_utf8(req.uri().path()) {
        return next.run(req).await;
    }
    let api = req.uri().path().starts_with("/api/") || req.uri().path().starts_with("/scim/");
    let (mut parts, _) = req.into_parts();
    if api {
        let lang = i18n::Lang::negotiate(parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
        let e = domain::error::FieldError::new("path", domain::codes::MALFORMED_PATH);
        let mut p = Problem::field(&s.catalog, lang, &e, false);
        p.status = StatusCode::BAD_REQUEST.as_u16();
        return p.into_response();
    }
    match <ui::Ctx as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, &s).await {
        Ok(ctx) => ui::error_page(&ctx, StatusCode::BAD_REQUEST, &ctx.tr.t("ui-bad-link-title"), &ctx.tr.t("ui-bad-link")),
        Err(r) => r,
    }
}

/// Security headers on every response; API responses are never cached; HSTS when
/// Portvagt is reached over HTTPS.
async fn security_headers(State(https): State<bool>, req: axum::extract::Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/v1/");
    // Swagger UI sets inline styles from its script; the pages have none (F-22). The
    // design system's font is served from here.
    let docs = req.uri().path().starts_with("/api/docs");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let csp = if docs {
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    } else {
        "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    };
    // A response with a stricter policy of its own (the logo: a sandboxed image) keeps it.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    res
}
