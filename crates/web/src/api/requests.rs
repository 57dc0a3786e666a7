//! Access requests over HTTP (REQ-*): submit, list (with the approval inbox), read with
//! the policy checks as they stand, decide, annotate.

use super::registry::{if_match, parse_id};
use crate::AppState;
use crate::extract::{Caller, JsonBody, QueryParams};
use crate::openapi::{self, Doc};
use crate::problem::Problem;
use app::{RequestFilter, RequestView};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::codes;
use domain::error::FieldError;
use domain::paging::PageRequest;
use domain::registry::Page;
use domain::request::{AccessRequest, RequestInput, RequestState, Step};
use i18n::Lang;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::schema::{AllOfBuilder, Type};
use uuid::Uuid;

/// A failed policy check, translated.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckOut {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// A request with its bookkeeping and its policy checks as they stand now.
#[derive(Debug, Serialize)]
pub struct RequestOut {
    pub id: Uuid,
    pub version: i64,
    pub created_at: domain::time::Timestamp,
    pub updated_at: domain::time::Timestamp,
    #[serde(flatten)]
    pub request: AccessRequest,
    pub checks: Vec<CheckOut>,
}

/// The bookkeeping of a stored request (documentation only).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct RequestMeta {
    id: Uuid,
    /// Send back as `If-Match` with a decision.
    version: i64,
    created_at: domain::time::Timestamp,
    updated_at: domain::time::Timestamp,
    /// Policy checks re-run now (open requests): empty when all pass.
    checks: Vec<CheckOut>,
}

/// A decision on a request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub decision: Decision,
    /// Required when rejecting.
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Submit a draft.
    Submit,
    /// The department head's approval, or the coordinator's after it.
    Approve,
    Reject,
    Cancel,
}

/// The owning department's note on a cross-department request (REQ-5); not a veto.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnotationInput {
    pub objection: bool,
    pub comment: String,
}

pub(crate) fn out(s: &AppState, lang: Lang, v: RequestView) -> RequestOut {
    let checks = v
        .checks
        .into_iter()
        .map(|c| {
            let message = s.catalog.text(
                lang,
                c.code,
                &[("field", c.field.as_str()), ("arg", c.arg.as_deref().unwrap_or("")), ("arg2", c.arg2.as_deref().unwrap_or(""))],
            );
            CheckOut { field: c.field, code: c.code.to_string(), message }
        })
        .collect();
    RequestOut { id: v.id, version: v.version, created_at: v.created_at, updated_at: v.updated_at, request: v.request, checks }
}

fn respond(status: StatusCode, r: RequestOut) -> Response {
    let mut res = (status, Json(&r)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", r.version)) {
        res.headers_mut().insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED
        && let Ok(v) = HeaderValue::from_str(&format!("/api/v1/requests/{}", r.id))
    {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

async fn submit(State(s): State<AppState>, caller: Caller, JsonBody(input): JsonBody<RequestInput>) -> Result<Response, Problem> {
    let v = s.app.submit_request(&caller.actor, input).await.map_err(caller.problem(&s))?;
    Ok(respond(StatusCode::CREATED, out(&s, caller.lang, v)))
}

async fn read(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, Problem> {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let v = s.app.get_request(&caller.actor, id).await.map_err(caller.problem(&s))?;
    Ok(respond(StatusCode::OK, out(&s, caller.lang, v)))
}

fn state_of(v: &str) -> Option<RequestState> {
    RequestState::ALL.into_iter().find(|s| s.as_str() == v)
}

async fn list(State(s): State<AppState>, caller: Caller, RawQuery(query): RawQuery) -> Result<Response, Problem> {
    let parse = || -> Result<(RequestFilter, PageRequest), FieldError> {
        let mut q = QueryParams::parse(query.as_deref());
        let num = |v: &str| v.parse::<u32>().ok();
        let page = q.take("page", num)?;
        let page_size = q.take("page_size", num)?;
        let f = RequestFilter {
            state: q.take("state", state_of)?,
            person_id: q.take("person_id", |v| Uuid::parse_str(v).ok())?,
            late: q.take("late", |v| v.parse::<bool>().ok())?,
            inbox: q.take("inbox", |v| v.parse::<bool>().ok())?.unwrap_or(false),
            ..Default::default()
        };
        q.finish()?;
        Ok((f, PageRequest::new(page, page_size)?))
    };
    let (filter, page) = parse().map_err(|e| caller.problem(&s)(e.into()))?;
    let p = s.app.list_requests(&caller.actor, &filter, page).await.map_err(caller.problem(&s))?;
    let items = p.items.into_iter().map(|v| out(&s, caller.lang, v)).collect();
    Ok(Json(Page { items, page: p.page, page_size: p.page_size, total: p.total, total_pages: p.total_pages }).into_response())
}

async fn decide(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(d): JsonBody<DecisionInput>,
) -> Result<Response, Problem> {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let version = if_match(&headers).map_err(caller.problem(&s))?;
    let step = match d.decision {
        Decision::Submit => Step::Submit,
        Decision::Reject => Step::Reject,
        Decision::Cancel => Step::Cancel,
        Decision::Approve => {
            let current = s.app.get_request(&caller.actor, id).await.map_err(caller.problem(&s))?;
            match current.request.state {
                RequestState::Submitted => Step::ApproveAsDepartment,
                RequestState::DepartmentApproved => Step::ApproveAsCoordinator,
                other => return Err(caller.problem(&s)(FieldError::with("decision", codes::ILLEGAL_TRANSITION, other.as_str()).into())),
            }
        }
    };
    let v = s.app.decide_request(&caller.actor, id, step, d.comment, version).await.map_err(caller.problem(&s))?;
    Ok(respond(StatusCode::OK, out(&s, caller.lang, v)))
}

async fn annotate(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(a): JsonBody<AnnotationInput>,
) -> Result<Response, Problem> {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let v = s.app.annotate_request(&caller.actor, id, a.objection, a.comment).await.map_err(caller.problem(&s))?;
    Ok(respond(StatusCode::OK, out(&s, caller.lang, v)))
}

pub fn routes(doc: &mut Doc) -> Router<AppState> {
    let tag = "requests";
    doc.tag(tag, "Access requests — the digital authorisation form (REQ-1..REQ-7, X-10)");
    let input = doc.schema::<RequestInput>();
    let meta = doc.schema::<RequestMeta>();
    let data = doc.schema::<AccessRequest>();
    let entry = doc.named("RequestEntry", AllOfBuilder::new().item(meta).item(data).into());
    let page = doc.named("RequestPage", openapi::page_of(entry.clone()));
    doc.add(
        "/api/v1/requests",
        HttpMethod::Post,
        openapi::op(tag, "submit_request", "Submit (or save as a draft) a request for a new account, a change, an extension or a termination", true)
            .description(Some(
                "By a supplier's listed orderer for its own staff, or a department head. The policy checks run now and again at approval: \
                 lead times (a late order needs `urgent_reason` and is flagged), the agreement's validity, scope and user cap, a DPA for export roles, \
                 a needs assessment for sensitive roles, the security attestations, and an end date within the agreement. A termination takes effect at once.",
            ))
            .request_body(Some(openapi::body(input)))
            .response("201", openapi::json("The request", entry.clone()))
            .response("422", openapi::problem("A policy check failed or a field is invalid; nothing was written"))
            .build(),
    );
    doc.add(
        "/api/v1/requests",
        HttpMethod::Get,
        openapi::op(tag, "list_requests", "List requests the caller may see", true)
            .parameter(openapi::query("inbox", Type::Boolean, "only what waits for the caller's decision"))
            .parameter(openapi::query(
                "state",
                Type::String,
                "draft, submitted, department_approved, approved, rejected, fulfilled, cancelled, expired",
            ))
            .parameter(openapi::query("person_id", Type::String, "requests about this person"))
            .parameter(openapi::query("late", Type::Boolean, "only late orders accepted as urgent"))
            .parameter(openapi::query("page", Type::Integer, "1-based page number"))
            .parameter(openapi::query("page_size", Type::Integer, "1–500"))
            .response("200", openapi::json("One page", page))
            .build(),
    );
    doc.add(
        "/api/v1/requests/{id}",
        HttpMethod::Get,
        openapi::op(tag, "get_request", "Read a request with its full history and its policy checks as they stand now", true)
            .parameter(openapi::path_id())
            .response("200", openapi::json("The request", entry.clone()))
            .response("404", openapi::problem("No such request, or one the caller may not see"))
            .build(),
    );
    let decision = doc.schema::<DecisionInput>();
    doc.add(
        "/api/v1/requests/{id}/decision",
        HttpMethod::Post,
        openapi::op(tag, "decide_request", "Approve, reject, cancel or submit", true)
            .description(Some(
                "`approve` is the area's department head's first approval, then the IT security coordinator's; nobody approves their own \
                 request or both steps. The coordinator's approval creates the account changes and queues their provisioning.",
            ))
            .parameter(openapi::path_id())
            .parameter(openapi::header("If-Match", "the version last seen; of two deciders at once exactly one succeeds"))
            .request_body(Some(openapi::body(decision)))
            .response("200", openapi::json("The request", entry.clone()))
            .response("409", openapi::problem("Someone decided first (stale version)"))
            .response("422", openapi::problem("Not this caller's step, an illegal transition, or a failed policy check"))
            .build(),
    );
    let annotation = doc.schema::<AnnotationInput>();
    doc.add(
        "/api/v1/requests/{id}/annotations",
        HttpMethod::Post,
        openapi::op(tag, "annotate_request", "The owning department's annotation on a cross-department request (not a veto)", true)
            .parameter(openapi::path_id())
            .request_body(Some(openapi::body(annotation)))
            .response("200", openapi::json("The request", entry))
            .build(),
    );
    Router::new()
        .route("/api/v1/requests", get(list).post(submit))
        .route("/api/v1/requests/{id}", get(read))
        .route("/api/v1/requests/{id}/decision", post(decide))
        .route("/api/v1/requests/{id}/annotations", post(annotate))
}
