//! The extractors of the pages: who is signed in (else the login), the record id in the
//! path (else a page that does not exist), and a posted form whose token is the session's
//! (CSRF) — so a handler starts from what it needs instead of early returns.

use super::{Ctx, app_error_page, error_page};
use crate::AppState;
use app::AppError;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::{Form, RequestPartsExt};
use domain::authz::Actor;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use uuid::Uuid;

/// The largest form the pages accept.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// A page request of a signed-in user: the page context and the actor. Anyone else is
/// sent to the login (or the step of it they stand at).
pub struct SignedIn {
    pub ctx: Ctx,
    pub actor: Actor,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let actor = ctx.actor()?;
        Ok(SignedIn { ctx, actor })
    }
}

/// The record id in the path; anything that is not one answers as a page that does not
/// exist.
pub struct RecordId(pub Uuid);

impl FromRequestParts<AppState> for RecordId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let id = parts.extract::<Path<String>>().await.ok().and_then(|Path(id)| Uuid::parse_str(&id).ok());
        match id {
            Some(id) => Ok(RecordId(id)),
            None => {
                let ctx = Ctx::from_request_parts(parts, state).await?;
                Err(app_error_page(&ctx, AppError::NotFound))
            }
        }
    }
}

/// A posted form's values, name → values in order (checkboxes post a name many times).
pub type Values = HashMap<String, Vec<String>>;

/// Reads a form body into its values.
pub fn values_from_post(body: &[u8]) -> Values {
    let mut out: Values = HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        out.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    out
}

/// The body of a posted form, its token checked against the session's.
async fn checked_body(req: Request, state: &AppState) -> Result<(Parts, axum::body::Bytes), Response> {
    let (mut parts, body) = req.into_parts();
    let ctx = Ctx::from_request_parts(&mut parts, state).await?;
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| error_page(&ctx, StatusCode::PAYLOAD_TOO_LARGE, &ctx.tr.t("problem-validation"), &ctx.tr.t("ui-form-too-large")))?;
    let values = values_from_post(&bytes);
    let token = values.get("csrf").and_then(|v| v.first()).map(String::as_str).unwrap_or("");
    ctx.check_csrf(token)?;
    Ok((parts, bytes))
}

/// A posted form, its token checked (CSRF), as name → values.
pub struct Posted(pub Values);

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (_, bytes) = checked_body(req, state).await?;
        Ok(Posted(values_from_post(&bytes)))
    }
}

/// A posted form, its token checked (CSRF), read into `T`.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, bytes) = checked_body(req, state).await?;
        let ctx = Ctx::from_request_parts(&mut parts, state).await?;
        let rebuilt = Request::from_parts(parts, Body::from(bytes));
        match Form::<T>::from_request(rebuilt, state).await {
            Ok(Form(t)) => Ok(CsrfForm(t)),
            Err(_) => {
                Err(error_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &ctx.tr.t("ui-form-unreadable")))
            }
        }
    }
}
