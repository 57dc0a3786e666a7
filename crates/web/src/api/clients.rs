//! Suppliers' client lists through the API: the care system (a `target_system`
//! token) or the coordinator sends a supplier's whole list, or changes to it, as CSV or
//! NDJSON; the municipality's overseers and the supplier's orderers read what it holds.

use crate::AppState;
use crate::extract::{Caller, QueryParams};
use crate::openapi::{self, Doc};
use crate::problem::Problem;
use app::{ClientImportView, ClientListMode, ClientListSummary, MAX_CLIENT_FILE_BYTES};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use domain::codes;
use domain::error::FieldError;
use serde::Serialize;
use store::ClientListCounts;
use utoipa::ToSchema;
use utoipa::openapi::Required;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use uuid::Uuid;

type Res = Result<Response, Problem>;

/// What an import changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientImportResult {
    /// Relations in the file.
    pub total: u64,
    pub added: u64,
    /// Relations no longer in the list (`replace` only).
    pub removed: u64,
    /// Relations whose last day changed.
    pub changed: u64,
    pub unchanged: u64,
}

impl From<ClientListCounts> for ClientImportResult {
    fn from(c: ClientListCounts) -> Self {
        ClientImportResult { total: c.total, added: c.added, removed: c.removed, changed: c.changed, unchanged: c.unchanged }
    }
}

/// One import of a supplier's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientImportDoc {
    pub id: Uuid,
    pub imported_at: String,
    /// The importer as the log names them: a username, or a token's name.
    pub imported_by: String,
    /// Imported by Portvagt's command line.
    pub automatic: bool,
    /// `replace` or `update`.
    pub mode: String,
    /// SHA-256 of the file, hex.
    pub digest: String,
    pub total: u64,
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
    pub unchanged: u64,
}

impl From<ClientImportView> for ClientImportDoc {
    fn from(i: ClientImportView) -> Self {
        ClientImportDoc {
            id: i.id,
            imported_at: i.imported_at,
            imported_by: i.imported_by,
            automatic: i.automatic,
            mode: i.mode,
            digest: i.digest,
            total: i.counts.total,
            added: i.counts.added,
            removed: i.counts.removed,
            changed: i.counts.changed,
            unchanged: i.counts.unchanged,
        }
    }
}

/// What a supplier's client list holds: counts only, never an identifier.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientListView {
    pub supplier_id: Uuid,
    /// Clients whose relation holds today.
    pub current: u64,
    /// Relations kept in all, past and future ones too.
    pub kept: u64,
    /// The latest imports, newest first.
    pub imports: Vec<ClientImportDoc>,
}

impl From<ClientListSummary> for ClientListView {
    fn from(s: ClientListSummary) -> Self {
        ClientListView {
            supplier_id: s.supplier_id,
            current: s.current,
            kept: s.kept,
            imports: s.imports.into_iter().map(ClientImportDoc::from).collect(),
        }
    }
}

async fn import(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, RawQuery(query): RawQuery, req: Request) -> Res {
    let problem = caller.problem(&s);
    let id = super::registry::parse_id(&id).map_err(&problem)?;
    let mode = {
        let mut q = QueryParams::parse(query.as_deref());
        let mode = q.take("mode", |v| ClientListMode::parse(v).ok()).map_err(|e| problem(e.into()))?;
        q.finish().map_err(|e| problem(e.into()))?;
        mode.unwrap_or(ClientListMode::Replace)
    };
    let csv = match super::audit::content_type(&req).as_str() {
        "application/json" | "application/x-ndjson" | "application/jsonl" => false,
        "text/csv" => true,
        _ => return Err(Problem::unsupported_media_type(&s.catalog, caller.lang)),
    };
    let body = axum::body::to_bytes(req.into_body(), MAX_CLIENT_FILE_BYTES)
        .await
        .map_err(|_| problem(FieldError::with("body", codes::BODY_TOO_LARGE, MAX_CLIENT_FILE_BYTES).into()))?;
    let counts = s.app.import_client_list(&caller.actor, id, &body, csv, mode).await.map_err(&problem)?;
    Ok((StatusCode::OK, Json(ClientImportResult::from(counts))).into_response())
}

async fn read(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let problem = caller.problem(&s);
    let id = super::registry::parse_id(&id).map_err(&problem)?;
    let summary = s.app.client_list(&caller.actor, id).await.map_err(&problem)?;
    let mut res = Json(ClientListView::from(summary)).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(res)
}

pub fn routes(doc: &mut Doc) -> Router<AppState> {
    let text = || ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)).max_length(Some(MAX_CLIENT_FILE_BYTES));
    let result = doc.schema::<ClientImportResult>();
    let mut put = openapi::op("suppliers", "import_client_list", "Import a supplier's client list: the citizens it serves (X-11)", true)
        .description(Some(
            "The care system (a `target_system` token) or the IT security coordinator. CSV with a header row (`national_id`, `from`, `to`, \
             optionally `supplier`; `,` or `;` between cells) or NDJSON / a JSON array of objects with those fields; `to` empty while the \
             relation lasts. Up to 200,000 lines. All or nothing: a refused file lists each bad line. `mode=replace` (default) makes the \
             list exactly the file's; `mode=update` adds relations and changes their last day. The same file as the last import is \
             refused (409). Identifiers are kept only as keyed blind indexes; the import is recorded in the log with its counts.",
        ))
        .parameter(openapi::path_id())
        .parameter(
            utoipa::openapi::path::ParameterBuilder::new()
                .name("mode")
                .parameter_in(utoipa::openapi::path::ParameterIn::Query)
                .required(Required::False)
                .description(Some("`replace` (default): the list becomes the file's; `update`: the file's relations are added or changed"))
                .schema(Some(ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)).enum_values(Some(["replace", "update"])))),
        )
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content("text/csv", ContentBuilder::new().schema(Some(text())).build())
                .content("application/x-ndjson", ContentBuilder::new().schema(Some(text())).build())
                .build(),
        ))
        .response("200", openapi::json("Imported", result))
        .response("409", openapi::problem("The same file was imported last time; nothing changed"))
        .response("413", openapi::problem("The body is larger than 16 MiB or holds more than 200,000 lines"))
        .response("415", openapi::problem("The body is neither CSV nor NDJSON"))
        .response("422", openapi::problem("Lines are invalid (each listed in `errors`), or the mode is unknown; nothing was stored"))
        .build();
    put.responses.responses.entry("400".into()).or_insert_with(|| openapi::problem("The body could not be read").into());
    doc.add("/api/v1/suppliers/{id}/clients", HttpMethod::Put, put);
    let view = doc.schema::<ClientListView>();
    doc.add(
        "/api/v1/suppliers/{id}/clients",
        HttpMethod::Get,
        openapi::op("suppliers", "get_client_list", "What a supplier's client list holds: counts and the latest imports (X-11)", true)
            .description(Some("Counts only, never an identifier."))
            .parameter(openapi::path_id())
            .response("200", openapi::json("The list's counts and imports", view))
            .build(),
    );
    Router::new().route("/api/v1/suppliers/{id}/clients", get(read).put(import))
}
