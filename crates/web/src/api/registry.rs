//! The registry resources: one generic set of handlers, registered per record type
//! together with its OpenAPI description.

use crate::AppState;
use crate::extract::{Caller, JsonBody, QueryParams};
use crate::openapi::{self, Doc};
use crate::problem::Problem;
use app::{AppError, ListFilter};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::codes;
use domain::error::FieldError;
use domain::paging::PageRequest;
use domain::registry::{Entry, Record};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::schema::{AllOfBuilder, Type};
use uuid::Uuid;

/// The bookkeeping fields of every stored record.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct EntryMeta {
    id: Uuid,
    /// Inactive records stay for history and cannot be newly referred to.
    active: bool,
    /// Send back as `If-Match` to update only the version you saw.
    version: i64,
    created_at: domain::time::Timestamp,
    updated_at: domain::time::Timestamp,
}

/// An id in a path; a malformed one is simply not found.
pub fn parse_id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

/// `If-Match: "3"` (or `W/"3"`, or `3`) as a version number.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, AppError> {
    let Some(v) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let s = v.to_str().unwrap_or("").trim();
    let s = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
    s.parse::<i64>().map(Some).map_err(|_| AppError::Invalid(FieldError::with("If-Match", codes::INVALID_VALUE, s)))
}

/// The JSON of a record with its `ETag`.
pub fn entry_response<T: Serialize>(status: StatusCode, location: Option<String>, e: &Entry<T>) -> Response {
    let mut res = (status, Json(e)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", e.version)) {
        res.headers_mut().insert(header::ETAG, v);
    }
    if let Some(loc) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    res
}

fn list_params(query: Option<&str>) -> Result<(ListFilter, PageRequest), FieldError> {
    let mut q = QueryParams::parse(query);
    let uuid = |s: &str| Uuid::parse_str(s).ok();
    let num = |s: &str| s.parse::<u32>().ok();
    let page = q.take("page", num)?;
    let page_size = q.take("page_size", num)?;
    let filter = ListFilter {
        active: q.take("active", |s| s.parse::<bool>().ok())?,
        q: q.take("q", |s| Some(s.to_string()))?,
        supplier_id: q.take("supplier_id", uuid)?,
        refers_to: q.take("refers_to", uuid)?,
        ..Default::default()
    };
    q.finish()?;
    Ok((filter, PageRequest::new(page, page_size)?))
}

async fn list<R: Record>(State(s): State<AppState>, caller: Caller, RawQuery(query): RawQuery) -> Result<Response, Problem> {
    let (filter, page) = list_params(query.as_deref()).map_err(|e| caller.problem(&s)(e.into()))?;
    let page = s.app.list::<R>(&caller.actor, &filter, page).await.map_err(caller.problem(&s))?;
    Ok(Json(page).into_response())
}

async fn create<R: Record>(
    State(s): State<AppState>,
    caller: Caller,
    plural: &'static str,
    JsonBody(rec): JsonBody<R>,
) -> Result<Response, Problem> {
    let e = s.app.create::<R>(&caller.actor, rec).await.map_err(caller.problem(&s))?;
    Ok(entry_response(StatusCode::CREATED, Some(format!("/api/v1/{plural}/{}", e.id)), &e))
}

async fn read<R: Record>(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, Problem> {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let e = s.app.get::<R>(&caller.actor, id).await.map_err(caller.problem(&s))?;
    Ok(entry_response(StatusCode::OK, None, &e))
}

async fn update<R: Record>(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(rec): JsonBody<R>,
) -> Result<Response, Problem> {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let version = if_match(&headers).map_err(caller.problem(&s))?;
    let e = s.app.update::<R>(&caller.actor, id, rec, version).await.map_err(caller.problem(&s))?;
    Ok(entry_response(StatusCode::OK, None, &e))
}

async fn deactivate<R: Record>(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, Problem> {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let e = s.app.deactivate::<R>(&caller.actor, id).await.map_err(caller.problem(&s))?;
    Ok(entry_response(StatusCode::OK, None, &e))
}

/// Routes and documentation of one record type under `/api/v1/{plural}`.
pub fn resource<R: Record + ToSchema>(doc: &mut Doc, plural: &'static str, tag: &str, description: &str) -> Router<AppState> {
    doc.tag(tag, description);
    let name = R::name().to_string();
    let data = doc.schema::<R>();
    let meta = doc.schema::<EntryMeta>();
    let fields = doc.open(&name);
    let entry = doc.named(&format!("{name}Entry"), AllOfBuilder::new().item(meta).item(fields).into());
    let page = doc.named(&format!("{name}Page"), openapi::page_of(entry.clone()));
    let collection = format!("/api/v1/{plural}");
    let item = format!("/api/v1/{plural}/{{id}}");

    doc.add(
        &collection,
        HttpMethod::Get,
        openapi::op(tag, &format!("list_{plural}"), &format!("List {plural}"), true)
            .description(Some("Sorted by name. A supplier's caller sees only its own supplier's records; a page past the last is an error naming the last page."))
            .parameter(openapi::query("page", Type::Integer, "1-based page number (default 1)"))
            .parameter(openapi::query("page_size", Type::Integer, "1–500 (default 50)"))
            .parameter(openapi::query("active", Type::Boolean, "only active (true) or inactive (false) records"))
            .parameter(openapi::query("q", Type::String, "name contains (case-insensitive)"))
            .parameter(openapi::query("supplier_id", Type::String, "only records owned by this supplier"))
            .parameter(openapi::query("refers_to", Type::String, "only records referring to this id (e.g. the roles of a system)"))
            .response("200", openapi::json("One page", page))
            .response("422", openapi::problem("A query parameter is invalid or unknown"))
            .build(),
    );
    doc.add(
        &collection,
        HttpMethod::Post,
        openapi::op(tag, &format!("create_{plural}"), &format!("Create a record in {plural}"), true)
            .request_body(Some(openapi::body(data.clone())))
            .response("201", openapi::json("Created; `Location` and `ETag` are set", entry.clone()))
            .response("400", openapi::problem("The body is not JSON"))
            .response("409", openapi::problem("A record with the same key exists"))
            .response("413", openapi::problem("The body is larger than 1 MiB"))
            .response("415", openapi::problem("The body is not sent as application/json"))
            .response("422", openapi::problem("A field is invalid, unknown, missing, or refers to an unknown record"))
            .build(),
    );
    doc.add(
        &item,
        HttpMethod::Get,
        openapi::op(tag, &format!("get_{plural}"), &format!("Read one record of {plural}"), true)
            .parameter(openapi::path_id())
            .response("200", openapi::json("The record; `ETag` carries its version", entry.clone()))
            .response("404", openapi::problem("No such record, or one the caller may not see"))
            .build(),
    );
    doc.add(
        &item,
        HttpMethod::Put,
        openapi::op(tag, &format!("update_{plural}"), &format!("Replace a record of {plural}"), true)
            .parameter(openapi::path_id())
            .parameter(openapi::header("If-Match", "the version last seen (its ETag); a stale one is refused with 409"))
            .request_body(Some(openapi::body(data)))
            .response("200", openapi::json("The updated record", entry.clone()))
            .response("404", openapi::problem("No such record, or one the caller may not see"))
            .response("409", openapi::problem("Stale version or duplicate key"))
            .response("422", openapi::problem("A field is invalid"))
            .build(),
    );
    doc.add(
        &format!("{item}/deactivate"),
        HttpMethod::Post,
        openapi::op(tag, &format!("deactivate_{plural}"), &format!("Deactivate a record of {plural}"), true)
            .parameter(openapi::path_id())
            .response("200", openapi::json("The deactivated record", entry))
            .response("404", openapi::problem("No such record, or one the caller may not see"))
            .build(),
    );

    Router::new()
        .route(&collection, get(list::<R>).post(move |s: State<AppState>, c: Caller, b: JsonBody<R>| create::<R>(s, c, plural, b)))
        .route(&item, get(read::<R>).put(update::<R>))
        .route(&format!("{item}/deactivate"), post(deactivate::<R>))
}
