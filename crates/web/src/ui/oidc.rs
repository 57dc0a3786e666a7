//! AUTH-1: login through the municipality's or supplier's OpenID Connect provider —
//! authorization code flow with PKCE, `state` and `nonce`, the ID token's signature,
//! issuer, audience, expiry and nonce checked by `openidconnect`. The user is the
//! Portvagt user whose OIDC subject is the token's `sub`.

use super::{Ctx, SESSION_COOKIE, set_cookie};
use crate::AppState;
use app::AppError;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse,
};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

/// The provider Portvagt trusts for logins.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where the provider sends the browser back: `<public_url>/login/oidc/callback`.
    pub redirect_url: String,
}

/// The provider's discovered metadata, fetched at the first login (the provider may be
/// down when Portvagt starts).
pub(crate) struct Provider {
    settings: OidcSettings,
    metadata: OnceCell<CoreProviderMetadata>,
    http: openidconnect::reqwest::Client,
}

impl Provider {
    pub(crate) fn new(settings: OidcSettings) -> Provider {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would open the token request to SSRF.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Provider { settings, metadata: OnceCell::new(), http }
    }

    async fn metadata(&self) -> Result<&CoreProviderMetadata, String> {
        self.metadata
            .get_or_try_init(|| async {
                let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(|e| e.to_string())?;
                CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|e| format!("discovery: {e}"))
            })
            .await
    }
}

/// What the answer must match, kept in the pending session.
#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    nonce: String,
    verifier: String,
}

fn unavailable(ctx: &Ctx, detail: &str) -> Response {
    tracing::warn!(detail, "OpenID Connect provider not usable");
    super::error_page(ctx, axum::http::StatusCode::BAD_GATEWAY, &ctx.tr.t("ui-oidc-failed-title"), &ctx.tr.t("ui-oidc-unavailable"))
}

/// Sends the browser to the provider.
pub(super) async fn start(State(s): State<AppState>, ctx: Ctx) -> Response {
    let Some(provider) = s.oidc.as_deref() else {
        return super::app_error_page(&ctx, AppError::NotFound);
    };
    let meta = match provider.metadata().await {
        Ok(m) => m.clone(),
        Err(e) => return unavailable(&ctx, &e),
    };
    let redirect = match RedirectUrl::new(provider.settings.redirect_url.clone()) {
        Ok(r) => r,
        Err(e) => return unavailable(&ctx, &e.to_string()),
    };
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(provider.settings.client_id.clone()),
        Some(ClientSecret::new(provider.settings.client_secret.clone())),
    )
    .set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("openid".into()))
        .set_pkce_challenge(challenge)
        .url();
    let pending = Pending { state: state.secret().clone(), nonce: nonce.secret().clone(), verifier: verifier.secret().clone() };
    let pending = serde_json::to_string(&pending).unwrap_or_default();
    match s.app.begin_oidc(pending).await {
        Ok(secret) => {
            let mut res = Redirect::to(url.as_str()).into_response();
            res.headers_mut().append(header::SET_COOKIE, set_cookie(&s, SESSION_COOKIE, &secret, None));
            res
        }
        Err(e) => super::app_error_page(&ctx, e),
    }
}

#[derive(Deserialize)]
pub(super) struct Callback {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: Option<String>,
}

/// The provider's answer: checks state, exchanges the code (with the PKCE verifier),
/// verifies the ID token (signature, issuer, audience, expiry, nonce), then logs in.
pub(super) async fn callback(State(s): State<AppState>, mut ctx: Ctx, Query(q): Query<Callback>) -> Response {
    let Some(provider) = s.oidc.as_deref() else {
        return super::app_error_page(&ctx, AppError::NotFound);
    };
    let pending_session = ctx.session.clone().filter(|p| p.stage == app::LoginStage::Oidc);
    let Some(pending_session) = pending_session else {
        return refuse(&s, &mut ctx, "no_pending_login", "ui-oidc-failed").await;
    };
    let Some(pending) = pending_session.pending.as_deref().and_then(|p| serde_json::from_str::<Pending>(p).ok()) else {
        return refuse(&s, &mut ctx, "no_pending_login", "ui-oidc-failed").await;
    };
    if let Some(err) = &q.error {
        tracing::info!(error = %err, "the provider refused the login");
        return refuse(&s, &mut ctx, "provider_error", "ui-oidc-failed").await;
    }
    if q.state.is_empty() || !app::constant_time_eq(q.state.as_bytes(), pending.state.as_bytes()) {
        return refuse(&s, &mut ctx, "state_mismatch", "ui-oidc-failed").await;
    }
    let meta = match provider.metadata().await {
        Ok(m) => m.clone(),
        Err(e) => return unavailable(&ctx, &e),
    };
    let Ok(redirect) = RedirectUrl::new(provider.settings.redirect_url.clone()) else {
        return unavailable(&ctx, "redirect url");
    };
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(provider.settings.client_id.clone()),
        Some(ClientSecret::new(provider.settings.client_secret.clone())),
    )
    .set_redirect_uri(redirect);
    let request = match client.exchange_code(AuthorizationCode::new(q.code.clone())) {
        Ok(r) => r,
        Err(e) => return unavailable(&ctx, &e.to_string()),
    };
    let token = match request.set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone())).request_async(&provider.http).await {
        Ok(t) => t,
        Err(e) => {
            tracing::info!(error = %e, "code exchange failed");
            return refuse(&s, &mut ctx, "code_exchange_failed", "ui-oidc-failed").await;
        }
    };
    let Some(id_token) = token.id_token() else {
        return refuse(&s, &mut ctx, "no_id_token", "ui-oidc-failed").await;
    };
    let verifier = client.id_token_verifier();
    let claims = match id_token.claims(&verifier, &Nonce::new(pending.nonce.clone())) {
        Ok(c) => c,
        Err(e) => {
            tracing::info!(error = %e, "ID token refused");
            return refuse(&s, &mut ctx, "id_token_invalid", "ui-oidc-failed").await;
        }
    };
    let subject = claims.subject().as_str().to_string();
    match s.app.complete_oidc(&pending_session, &subject).await {
        Ok(started) => {
            let mut res = Redirect::to("/").into_response();
            res.headers_mut().append(header::SET_COOKIE, set_cookie(&s, SESSION_COOKIE, &started.secret, None));
            res
        }
        Err(e) => {
            let msg = super::form_error(&ctx, &s.catalog, e).message;
            ctx.session = None;
            let mut res = super::auth::show_login(&s, &mut ctx, Some(msg), String::new(), String::new());
            res.headers_mut().append(header::SET_COOKIE, set_cookie(&s, SESSION_COOKIE, "", Some(0)));
            res
        }
    }
}

/// A refused answer: audited, the pending login ends, the login page says so.
async fn refuse(s: &AppState, ctx: &mut Ctx, reason: &str, message: &str) -> Response {
    if let Err(e) = s.app.record_oidc_failure(reason).await {
        tracing::error!(error = %e, "could not audit a refused OpenID Connect login");
    }
    if let Some(p) = ctx.session.take()
        && p.stage == app::LoginStage::Oidc
    {
        let _ = s.app.end_session(&p).await;
    }
    let msg = ctx.tr.t(message);
    let mut res = super::auth::show_login(s, ctx, Some(msg), String::new(), String::new());
    res.headers_mut().append(header::SET_COOKIE, set_cookie(s, SESSION_COOKIE, "", Some(0)));
    res
}
