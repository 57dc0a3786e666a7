//! The audit log's API (LOG-2, LOG-3, LOG-4, LOG-6, X-1, X-2): target systems post
//! batches; the security officer, the DPO and auditors search, export, place legal
//! holds and produce citizen extracts. Searches take the data subject in the body, so
//! that a CPR number never appears in a URL or an access log.

use crate::AppState;
use crate::extract::{Caller, JsonBody, QueryParams};
use crate::openapi::{self, Doc};
use crate::problem::Problem;
use app::{AuditFilter, AuditPage, CitizenExtract, HoldInput, ProofView};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::codes;
use domain::error::FieldError;
use domain::text::Name;
use domain::time::{Date, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{Required, ResponseBuilder};
use uuid::Uuid;

/// The largest batch body: 10,000 events of up to ~1.6 KiB each.
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;

type Res = Result<Response, Problem>;

/// One event as a target system reports it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct InboundEventDoc {
    /// When it happened (RFC 3339 with offset); at most 5 minutes ahead.
    occurred_at: Timestamp,
    /// The username on the target system.
    username: String,
    /// Transaction type, e.g. `journal.read`, `logon`, `search`.
    action: String,
    /// `success` (default), `denied`, `failed` or `error`.
    #[serde(default)]
    outcome: Option<String>,
    /// The data subject: a CPR number or personnummer as text, or
    /// `{"kind": "cpr"|"personnummer"|"other", "value": …}`. Stored encrypted.
    #[serde(default)]
    #[schema(value_type = Object)]
    subject: Option<serde_json::Value>,
    /// The search criterion used (stored encrypted).
    #[serde(default)]
    criterion: Option<String>,
    #[serde(default)]
    client_ip: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    details: Option<serde_json::Value>,
}

/// What a batch stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestResult {
    /// Sequence number of the batch's first event in the log.
    pub first_seq: u64,
    pub count: u64,
    /// The batch had been stored before under this Idempotency-Key; nothing new was
    /// stored.
    pub replayed: bool,
}

/// Search filters (LOG-6). All optional; results newest first.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditSearch {
    /// A CPR number or personnummer.
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub account_id: Option<Uuid>,
    #[serde(default)]
    pub supplier_id: Option<Uuid>,
    #[serde(default)]
    pub system_id: Option<Uuid>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub from: Option<Timestamp>,
    #[serde(default)]
    pub to: Option<Timestamp>,
    /// The previous page's `next`.
    #[serde(default)]
    pub before: Option<u64>,
    /// 1–1000 (default 50; exports up to 10,000).
    #[serde(default)]
    pub limit: Option<u32>,
}

impl AuditSearch {
    fn filter(self, max: u32) -> Result<AuditFilter, FieldError> {
        let limit = self.limit.unwrap_or(50);
        if limit == 0 || limit > max {
            return Err(FieldError::with("limit", codes::INVALID_VALUE, limit));
        }
        if let (Some(f), Some(t)) = (&self.from, &self.to)
            && t < f
        {
            return Err(FieldError::new("to", codes::ENDS_BEFORE_START));
        }
        Ok(AuditFilter {
            subject: self.subject,
            account_id: self.account_id,
            supplier_id: self.supplier_id,
            system_id: self.system_id,
            action: self.action,
            outcome: self.outcome,
            from: self.from,
            to: self.to,
            before: self.before,
            limit,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    /// The misuse case's reference.
    pub case_ref: Name,
    pub reason: Name,
    /// Keep events about this data subject (CPR or personnummer) …
    #[serde(default)]
    pub subject: Option<String>,
    /// … and/or by this account.
    #[serde(default)]
    pub account_id: Option<Uuid>,
    /// First and last day (inclusive) of the events kept.
    pub from: Date,
    pub to: Date,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoldView {
    pub id: String,
    pub case_ref: String,
    pub reason: String,
    pub created_at: String,
    pub created_by: String,
    pub released_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointView {
    pub size: u64,
    /// Root hash, hex.
    pub root: String,
    pub created_at: String,
    pub key_id: String,
    /// Ed25519 signature (base64) of `<origin>\n<size>\n<base64 root>\n<created_at>\n`.
    pub signature: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractRequest {
    /// The data subject's CPR number or personnummer.
    pub subject: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: Uuid,
}

pub(super) fn content_type(req: &Request) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default()
}

async fn ingest(State(s): State<AppState>, caller: Caller, RawQuery(query): RawQuery, req: Request) -> Res {
    let problem = caller.problem(&s);
    let system = {
        let mut q = QueryParams::parse(query.as_deref());
        let system = q.take("system_id", |v| Uuid::parse_str(v).ok()).map_err(|e| problem(e.into()))?;
        q.finish().map_err(|e| problem(e.into()))?;
        system
    };
    let csv = match content_type(&req).as_str() {
        "application/json" | "application/x-ndjson" | "application/jsonl" => false,
        "text/csv" => true,
        _ => return Err(Problem::unsupported_media_type(&s.catalog, caller.lang)),
    };
    let key = req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = axum::body::to_bytes(req.into_body(), MAX_BATCH_BYTES)
        .await
        .map_err(|_| problem(FieldError::with("body", codes::BODY_TOO_LARGE, MAX_BATCH_BYTES).into()))?;
    let out = s.app.ingest_batch(&caller.actor, system, key.as_deref(), &body, csv).await.map_err(&problem)?;
    let status = if out.replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(IngestResult { first_seq: out.first_seq, count: out.count, replayed: out.replayed })).into_response())
}

async fn search(State(s): State<AppState>, caller: Caller, JsonBody(q): JsonBody<AuditSearch>) -> Res {
    let f = q.filter(1_000).map_err(|e| caller.problem(&s)(e.into()))?;
    let page: AuditPage = s.app.audit_events(&caller.actor, &f, false).await.map_err(caller.problem(&s))?;
    Ok(Json(page).into_response())
}

async fn export(State(s): State<AppState>, caller: Caller, JsonBody(q): JsonBody<AuditSearch>) -> Res {
    let f = q.filter(10_000).map_err(|e| caller.problem(&s)(e.into()))?;
    let page = s.app.audit_events(&caller.actor, &f, true).await.map_err(caller.problem(&s))?;
    let mut res = app::csv_export(&page.items).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    res.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"audit-log.csv\""));
    if let Some(next) = page.next
        && let Ok(v) = HeaderValue::from_str(&next.to_string())
    {
        res.headers_mut().insert("x-next-before", v);
    }
    Ok(res)
}

async fn checkpoints(State(s): State<AppState>, caller: Caller) -> Res {
    let cps = s.app.audit_checkpoints(&caller.actor).await.map_err(caller.problem(&s))?;
    let view: Vec<CheckpointView> = cps
        .into_iter()
        .map(|c| CheckpointView {
            size: c.size,
            root: ::audit::merkle::to_hex(&c.root),
            created_at: c.created_at,
            key_id: c.key_id,
            signature: c.signature,
        })
        .collect();
    Ok(Json(view).into_response())
}

async fn proof(State(s): State<AppState>, caller: Caller, Path(seq): Path<String>, RawQuery(query): RawQuery) -> Res {
    let problem = caller.problem(&s);
    let seq: u64 = seq.parse().map_err(|_| problem(FieldError::with("seq", codes::INVALID_VALUE, seq).into()))?;
    let mut q = QueryParams::parse(query.as_deref());
    let size = q.take("size", |v| v.parse::<u64>().ok()).map_err(|e| problem(e.into()))?;
    q.finish().map_err(|e| problem(e.into()))?;
    let p: ProofView = s.app.audit_proof(&caller.actor, seq, size).await.map_err(&problem)?;
    Ok(Json(p).into_response())
}

fn hold_view(h: store::log::Hold) -> HoldView {
    HoldView {
        id: h.id,
        case_ref: h.case_ref,
        reason: h.reason,
        created_at: h.created_at,
        created_by: h.created_by,
        released_at: h.released_at,
    }
}

async fn create_hold(State(s): State<AppState>, caller: Caller, JsonBody(h): JsonBody<HoldRequest>) -> Res {
    let input = HoldInput { case_ref: h.case_ref, reason: h.reason, subject: h.subject, account_id: h.account_id, from: h.from, to: h.to };
    let id = s.app.create_hold(&caller.actor, input).await.map_err(caller.problem(&s))?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

async fn list_holds(State(s): State<AppState>, caller: Caller) -> Res {
    let holds = s.app.holds(&caller.actor).await.map_err(caller.problem(&s))?;
    Ok(Json(holds.into_iter().map(hold_view).collect::<Vec<_>>()).into_response())
}

async fn release_hold(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = super::registry::parse_id(&id).map_err(caller.problem(&s))?;
    s.app.release_hold(&caller.actor, id).await.map_err(caller.problem(&s))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn create_extract(State(s): State<AppState>, caller: Caller, JsonBody(e): JsonBody<ExtractRequest>) -> Res {
    let id = s.app.create_extract(&caller.actor, &e.subject).await.map_err(caller.problem(&s))?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

async fn get_extract(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = super::registry::parse_id(&id).map_err(caller.problem(&s))?;
    let e: CitizenExtract = s.app.citizen_extract(&caller.actor, id).await.map_err(caller.problem(&s))?;
    Ok(Json(e).into_response())
}

async fn approve_names(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = super::registry::parse_id(&id).map_err(caller.problem(&s))?;
    s.app.approve_extract_names(&caller.actor, id).await.map_err(caller.problem(&s))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn no_content(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new().description(description).build()
}

pub fn routes(doc: &mut Doc) -> Router<AppState> {
    doc.tag("audit", "The tamper-evident audit log: ingestion, search, export, legal holds, citizen extracts (LOG-*, X-1, X-2)");
    let event = doc.schema::<InboundEventDoc>();
    let array = ArrayBuilder::new().items(event).min_items(Some(1)).max_items(Some(app::MAX_BATCH)).build();
    let result = doc.schema::<IngestResult>();
    let mut ingest_op = openapi::op("audit", "ingest_audit_events", "Report a batch of log events from a target system (LOG-2)", true)
        .description(Some(
            "Only a `target_system` token, and only for its own system. Up to 10,000 events as a JSON array, NDJSON (`application/x-ndjson`) or CSV with a header row (`text/csv`). All or nothing: a refused batch lists each bad line. The answer comes once the batch is committed; a batch sent again with the same Idempotency-Key is not stored twice.",
        ))
        .parameter(openapi::query("system_id", Type::String, "The system the events come from; must be the token's"))
        .parameter(openapi::header("Idempotency-Key", "Required: 1–200 visible characters naming this batch"))
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content("application/json", ContentBuilder::new().schema(Some(array)).build())
                .build(),
        ))
        .response("201", openapi::json("Stored", result.clone()))
        .response("200", openapi::json("Stored before under this Idempotency-Key", result))
        .response("403", openapi::problem("Not a target_system token, or one issued for another system"))
        .response("409", openapi::problem("The Idempotency-Key was used for a batch with other content"))
        .response("413", openapi::problem("The body is larger than 16 MiB or holds more than 10,000 events"))
        .response("422", openapi::problem("Lines are invalid (each listed in `errors`); nothing was stored"))
        .build();
    ingest_op.responses.responses.entry("400".into()).or_insert_with(|| openapi::problem("The body is not JSON").into());
    doc.add("/api/v1/audit/events", HttpMethod::Post, ingest_op);

    let search_body = doc.schema::<AuditSearch>();
    let page = doc.schema::<AuditPage>();
    doc.add(
        "/api/v1/audit/search",
        HttpMethod::Post,
        openapi::op("audit", "search_audit_log", "Search the log: by data subject, account, supplier, system, type, time (LOG-6)", true)
            .description(Some("The search is itself recorded in the log (X-2). Data subjects are shown masked."))
            .request_body(Some(openapi::body(search_body.clone())))
            .response("200", openapi::json("A page of events, newest first", page))
            .build(),
    );
    doc.add(
        "/api/v1/audit/export",
        HttpMethod::Post,
        openapi::op("audit", "export_audit_log", "Export a search as CSV (LOG-6); cells that could be formulas are defused", true)
            .request_body(Some(openapi::body(search_body)))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("CSV with a header row")
                    .content(
                        "text/csv",
                        ContentBuilder::new().schema(Some(ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)))).build(),
                    )
                    .build(),
            )
            .build(),
    );
    let cp = doc.schema::<CheckpointView>();
    let cps = doc.named("CheckpointList", ArrayBuilder::new().items(cp).into());
    doc.add(
        "/api/v1/audit/checkpoints",
        HttpMethod::Get,
        openapi::op("audit", "list_checkpoints", "The signed checkpoints of the log (LOG-3)", true)
            .response("200", openapi::json("Oldest first", cps))
            .build(),
    );
    let proof_schema = doc.schema::<ProofView>();
    doc.add(
        "/api/v1/audit/events/{seq}/proof",
        HttpMethod::Get,
        openapi::op("audit", "prove_audit_event", "The RFC 6962 inclusion proof of one event (LOG-3)", true)
            .parameter(
                utoipa::openapi::path::ParameterBuilder::new()
                    .name("seq")
                    .parameter_in(utoipa::openapi::path::ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(ObjectBuilder::new().schema_type(SchemaType::Type(Type::Integer)).minimum(Some(0))))
                    .build(),
            )
            .parameter(openapi::query("size", Type::Integer, "Tree size to prove against (default: the latest checkpoint)"))
            .response("200", openapi::json("The proof", proof_schema))
            .response("404", openapi::problem("No such event in a tree of that size"))
            .response("422", openapi::problem("A parameter is invalid"))
            .build(),
    );
    let hold = doc.schema::<HoldRequest>();
    let created = doc.schema::<Created>();
    doc.add(
        "/api/v1/audit/holds",
        HttpMethod::Post,
        openapi::op("audit", "create_hold", "Place a legal hold: keep a misuse case's events past retention (LOG-4)", true)
            .request_body(Some(openapi::body(hold)))
            .response("201", openapi::json("The hold", created.clone()))
            .build(),
    );
    let hv = doc.schema::<HoldView>();
    let hl = doc.named("HoldList", ArrayBuilder::new().items(hv).into());
    doc.add(
        "/api/v1/audit/holds",
        HttpMethod::Get,
        openapi::op("audit", "list_holds", "Legal holds, newest first", true).response("200", openapi::json("The holds", hl)).build(),
    );
    doc.add(
        "/api/v1/audit/holds/{id}/release",
        HttpMethod::Post,
        openapi::op("audit", "release_hold", "Release a legal hold; its events go at the next purge if past retention", true)
            .parameter(openapi::path_id())
            .response("204", no_content("Released"))
            .build(),
    );
    let er = doc.schema::<ExtractRequest>();
    doc.add(
        "/api/v1/audit/extracts",
        HttpMethod::Post,
        openapi::op("audit", "create_extract", "Start a citizen's extract: who accessed their data (X-1)", true)
            .request_body(Some(openapi::body(er)))
            .response("201", openapi::json("The extract", created))
            .build(),
    );
    let ce = doc.schema::<CitizenExtract>();
    doc.add(
        "/api/v1/audit/extracts/{id}",
        HttpMethod::Get,
        openapi::op("audit", "get_extract", "The extract: organisations always, persons' names after a reviewer's approval (X-1)", true)
            .description(Some("Producing the extract is recorded in the log."))
            .parameter(openapi::path_id())
            .response("200", openapi::json("The extract", ce))
            .build(),
    );
    doc.add(
        "/api/v1/audit/extracts/{id}/approve-names",
        HttpMethod::Post,
        openapi::op("audit", "approve_extract_names", "A second person approves showing persons' names in the extract (X-1)", true)
            .parameter(openapi::path_id())
            .response("204", no_content("Approved"))
            .response("403", openapi::problem("The caller started the extract, or the role does not allow it"))
            .build(),
    );
    Router::new()
        .route("/api/v1/audit/events", post(ingest))
        .route("/api/v1/audit/search", post(search))
        .route("/api/v1/audit/export", post(export))
        .route("/api/v1/audit/checkpoints", get(checkpoints))
        .route("/api/v1/audit/events/{seq}/proof", get(proof))
        .route("/api/v1/audit/holds", get(list_holds).post(create_hold))
        .route("/api/v1/audit/holds/{id}/release", post(release_hold))
        .route("/api/v1/audit/extracts", post(create_extract))
        .route("/api/v1/audit/extracts/{id}", get(get_extract))
        .route("/api/v1/audit/extracts/{id}/approve-names", post(approve_names))
}
