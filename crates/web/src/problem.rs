//! RFC 9457 problem details: one typed error body for the whole API, with a stable
//! `type` per rule (`urn:portvagt:problem:cvr-checksum`) and a translated message that
//! names the field.

use app::AppError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::codes;
use domain::error::FieldError;
use i18n::{Catalog, Lang};
use serde::Serialize;
use utoipa::ToSchema;

/// An API error (`application/problem+json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:portvagt:problem:<code>`: stable, one per rule.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in the caller's language, naming the field.
    pub detail: String,
    /// The rule's code (the last segment of `type`).
    pub code: String,
    /// The input field at fault (`scope.systems[1]`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Each invalid line of a refused batch of audit events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<LineProblem>>,
    #[serde(skip)]
    lang: Option<Lang>,
}

/// What is wrong with one line of a batch (line 0: the batch as a whole).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineProblem {
    pub line: usize,
    pub field: String,
    pub code: String,
    pub detail: String,
}

impl Problem {
    fn new(catalog: &Catalog, lang: Lang, status: StatusCode, title: &str, code: &str, detail: String, field: Option<String>) -> Problem {
        Problem {
            type_uri: format!("urn:portvagt:problem:{code}"),
            title: catalog.text(lang, title, &[]),
            status: status.as_u16(),
            detail,
            code: code.to_string(),
            field,
            errors: None,
            lang: Some(lang),
        }
    }

    /// A rule or validation error on a field.
    pub fn field(catalog: &Catalog, lang: Lang, e: &FieldError, conflict: bool) -> Problem {
        let arg = e.arg.clone().unwrap_or_default();
        let arg2 = e.arg2.clone().unwrap_or_default();
        let detail = catalog.text(lang, e.code, &[("field", e.field.as_str()), ("arg", arg.as_str()), ("arg2", arg2.as_str())]);
        let (status, title) = if conflict {
            (StatusCode::CONFLICT, "problem-conflict")
        } else if e.code == codes::MALFORMED_BODY {
            (StatusCode::BAD_REQUEST, "problem-validation")
        } else if e.code == codes::BODY_TOO_LARGE {
            (StatusCode::PAYLOAD_TOO_LARGE, "problem-payload-too-large")
        } else {
            (StatusCode::UNPROCESSABLE_ENTITY, "problem-validation")
        };
        Problem::new(catalog, lang, status, title, e.code, detail, Some(e.field.clone()))
    }

    pub fn from_app(catalog: &Catalog, lang: Lang, e: AppError) -> Problem {
        let simple = |status, code: &str| {
            let detail = catalog.text(lang, &format!("detail-{code}"), &[]);
            Problem::new(catalog, lang, status, &format!("problem-{code}"), code, detail, None)
        };
        match e {
            AppError::NotFound => simple(StatusCode::NOT_FOUND, "not-found"),
            AppError::Forbidden => simple(StatusCode::FORBIDDEN, "forbidden"),
            AppError::Denied(fe) => {
                let mut p = Problem::field(catalog, lang, &fe, false);
                p.status = StatusCode::FORBIDDEN.as_u16();
                p.title = catalog.text(lang, "problem-forbidden", &[]);
                p
            }
            AppError::BatchInvalid(lines) => {
                let too_large = lines.iter().any(|l| l.code == codes::BATCH_TOO_MANY);
                let status = if too_large { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::UNPROCESSABLE_ENTITY };
                let n = lines.len().to_string();
                let (code, detail) = match lines.as_slice() {
                    [one] if one.line == 0 => (
                        one.code,
                        catalog.text(lang, one.code, &[("field", one.field.as_str()), ("arg", one.arg.as_deref().unwrap_or(""))]),
                    ),
                    _ => (codes::BATCH_INVALID, catalog.text(lang, codes::BATCH_INVALID, &[("arg", n.as_str())])),
                };
                let mut p = Problem::new(catalog, lang, status, "problem-validation", code, detail, None);
                p.errors = Some(
                    lines
                        .iter()
                        .map(|l| LineProblem {
                            line: l.line,
                            field: l.field.clone(),
                            code: l.code.to_string(),
                            detail: catalog.text(lang, l.code, &[("field", l.field.as_str()), ("arg", l.arg.as_deref().unwrap_or(""))]),
                        })
                        .collect(),
                );
                p
            }
            AppError::Unauthenticated => simple(StatusCode::UNAUTHORIZED, "unauthenticated"),
            AppError::Locked(until) => {
                let detail = catalog.text(lang, "detail-locked", &[("arg", until.to_string().as_str())]);
                Problem::new(catalog, lang, StatusCode::LOCKED, "problem-locked", "locked", detail, None)
            }
            AppError::Invalid(fe) => Problem::field(catalog, lang, &fe, false),
            AppError::Conflict(fe) => Problem::field(catalog, lang, &fe, true),
            AppError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                simple(StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }

    /// F-10: too many requests from one client; `Retry-After` says when to come back.
    pub fn too_many_requests(catalog: &Catalog, lang: Lang) -> Problem {
        let detail = catalog.text(lang, codes::TOO_MANY_REQUESTS, &[]);
        Problem::new(catalog, lang, StatusCode::TOO_MANY_REQUESTS, "problem-too-many-requests", codes::TOO_MANY_REQUESTS, detail, None)
    }

    pub fn unsupported_media_type(catalog: &Catalog, lang: Lang) -> Problem {
        let detail = catalog.text(lang, "detail-unsupported-media-type", &[]);
        Problem::new(
            catalog,
            lang,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "problem-unsupported-media-type",
            "unsupported-media-type",
            detail,
            None,
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let lang = self.lang.unwrap_or(Lang::Da);
        let mut res = (status, axum::Json(&self)).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.code()));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}
