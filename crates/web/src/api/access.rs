//! Logging in for a token, and the administration of machine clients' API tokens.

use super::registry::parse_id;
use crate::AppState;
use crate::extract::{Caller, JsonBody, LangOf};
use crate::openapi::{self, Doc};
use crate::problem::Problem;
use app::{IssuedToken, TokenRequest};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::authz::UserRole;
use domain::text::Name;
use domain::time::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::path::HttpMethod;
use uuid::Uuid;

/// A local user's credentials. A user whose password is a one-time password (the
/// first-run administrator) gives the new one in `new_password`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub new_password: Option<String>,
    /// The current code of the user's authenticator app: required of every user who has
    /// set one up in the pages, and of the roles the policy demands it of.
    #[serde(default)]
    pub totp_code: Option<String>,
}

impl std::fmt::Debug for LoginInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginInput").field("username", &self.username).finish_non_exhaustive()
    }
}

/// A new API token for a machine client, scoped to a role and an organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    pub name: Name,
    pub role: UserRole,
    /// Required for supplier roles, forbidden for municipal ones.
    #[serde(default)]
    pub supplier_id: Option<Uuid>,
    /// Required for department heads and local administrators.
    #[serde(default)]
    pub department_id: Option<Uuid>,
    /// The registry person behind the token: required for local administrators, and
    /// for a supplier's orderer who submits requests (must be on the orderer list).
    #[serde(default)]
    pub person_id: Option<Uuid>,
    /// Required for the `target_system` role: the system whose audit events the token
    /// reports; forbidden for the others.
    #[serde(default)]
    pub system_id: Option<Uuid>,
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

/// A token as created: `token` is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedTokenView {
    pub id: Uuid,
    pub token: String,
    pub role: UserRole,
    pub supplier_id: Option<Uuid>,
    pub expires_at: Option<Timestamp>,
}

impl From<IssuedToken> for IssuedTokenView {
    fn from(t: IssuedToken) -> Self {
        IssuedTokenView { id: t.id, token: t.token, role: t.role, supplier_id: t.supplier_id, expires_at: t.expires_at }
    }
}

/// A stored token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub name: String,
    pub role: UserRole,
    pub supplier_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub system_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl From<store::StoredApiToken> for TokenView {
    fn from(t: store::StoredApiToken) -> Self {
        TokenView {
            id: t.id,
            name: t.name,
            role: t.role,
            supplier_id: t.supplier_id,
            department_id: t.department_id,
            person_id: t.person_id,
            system_id: t.system_id,
            created_by: t.created_by,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

async fn login(State(s): State<AppState>, LangOf(lang): LangOf, JsonBody(input): JsonBody<LoginInput>) -> Result<Response, Problem> {
    let issued = s
        .app
        .login(&input.username, &input.password, input.new_password.as_deref(), input.totp_code.as_deref())
        .await
        .map_err(|e| Problem::from_app(&s.catalog, lang, e))?;
    Ok((StatusCode::CREATED, Json(IssuedTokenView::from(issued))).into_response())
}

async fn create_token(State(s): State<AppState>, caller: Caller, JsonBody(t): JsonBody<TokenInput>) -> Result<Response, Problem> {
    let req = TokenRequest {
        name: t.name,
        role: t.role,
        supplier_id: t.supplier_id,
        department_id: t.department_id,
        person_id: t.person_id,
        system_id: t.system_id,
        expires_at: t.expires_at,
    };
    let issued = s.app.create_token(&caller.actor, req).await.map_err(caller.problem(&s))?;
    Ok((StatusCode::CREATED, Json(IssuedTokenView::from(issued))).into_response())
}

async fn list_tokens(State(s): State<AppState>, caller: Caller) -> Result<Response, Problem> {
    let tokens = s.app.list_tokens(&caller.actor).await.map_err(caller.problem(&s))?;
    Ok(Json(tokens.into_iter().map(TokenView::from).collect::<Vec<_>>()).into_response())
}

async fn revoke_token(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, Problem> {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let t = s.app.revoke_token(&caller.actor, id).await.map_err(caller.problem(&s))?;
    Ok(Json(TokenView::from(t)).into_response())
}

pub fn routes(doc: &mut Doc) -> Router<AppState> {
    doc.tag("access", "Logging in and API tokens (AUTH-1..4)");
    let login_input = doc.schema::<LoginInput>();
    let issued = doc.schema::<IssuedTokenView>();
    doc.add(
        "/api/v1/auth/token",
        HttpMethod::Post,
        openapi::op(
            "access",
            "login",
            "Log in with a local user and get a token for the user's role (valid for the policy's session lifetime)",
            false,
        )
        .request_body(Some(openapi::body(login_input)))
        .response("201", openapi::json("The token, shown once", issued.clone()))
        .response("401", openapi::problem("Unknown user, wrong password, or locked after too many failed attempts (one answer for all)"))
        .response(
            "422",
            openapi::problem(
                "The one-time password must be replaced (`new_password`), the new one breaks the password rules, or the second factor (`totp_code`) is missing, wrong or not set up yet",
            ),
        )
        .response("423", openapi::problem("Locked after too many wrong codes from the authenticator app"))
        .build(),
    );
    let token_input = doc.schema::<TokenInput>();
    let token_view = doc.schema::<TokenView>();
    let token_list = doc.named("TokenList", utoipa::openapi::schema::ArrayBuilder::new().items(token_view.clone()).into());
    doc.add(
        "/api/v1/tokens",
        HttpMethod::Post,
        openapi::op("access", "create_token", "Create a machine client's API token (administrators)", true)
            .description(Some("The secret is returned once; only its SHA-256 hash is stored."))
            .request_body(Some(openapi::body(token_input)))
            .response("201", openapi::json("The token, shown once", issued))
            .response("422", openapi::problem("Role and supplier do not fit, or the supplier is unknown"))
            .build(),
    );
    doc.add(
        "/api/v1/tokens",
        HttpMethod::Get,
        openapi::op("access", "list_tokens", "List API tokens, without secrets (administrators)", true)
            .response("200", openapi::json("The tokens", token_list))
            .build(),
    );
    doc.add(
        "/api/v1/tokens/{id}/revoke",
        HttpMethod::Post,
        openapi::op("access", "revoke_token", "Revoke an API token at once (administrators)", true)
            .parameter(openapi::path_id())
            .response("200", openapi::json("The revoked token", token_view))
            .response("404", openapi::problem("No such token"))
            .build(),
    );
    Router::new()
        .route("/api/v1/auth/token", post(login))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}/revoke", post(revoke_token))
}
