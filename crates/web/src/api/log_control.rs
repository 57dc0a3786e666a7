//! Log control through the API (SEC-3): packages drawn for a supplier and period,
//! listed and read (a supplier: its own), their draw verified, and — by the supplier's
//! orderer — entries judged, a data subject revealed (recorded) and the package signed off.

use crate::AppState;
use crate::extract::{Caller, JsonBody};
use crate::openapi::{self, Doc};
use crate::problem::Problem;
use app::{DrawCheck, PackageSummary, PackageView};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::log_control::{Judgement, ReasonCode};
use domain::text::Text;
use domain::time::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::ArrayBuilder;
use utoipa::openapi::{ResponseBuilder, path::HttpMethod};
use uuid::Uuid;

type Res = Result<Response, Problem>;

/// The supplier and period of a new package.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    pub supplier_id: Uuid,
    /// Start of the period (RFC 3339).
    pub from: Timestamp,
    /// End of the period, not included, and passed; at most 93 days after `from`.
    pub to: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PackageCreated {
    pub id: Uuid,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JudgementInput {
    /// The package's `version` as last read.
    #[schema(minimum = 1)]
    pub version: i64,
    pub judgement: Judgement,
    /// One of the reasons of the judgement: justified — `care_task`, `substitute`,
    /// `administrative`; unjustified — `no_task`, `personal_interest`, `wrong_citizen`;
    /// needs information — `ask_employee`, `employee_gone`.
    pub reason_code: ReasonCode,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOffInput {
    #[schema(minimum = 1)]
    pub version: i64,
    /// What the supplier did about the package, in its own words.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub statement: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignedOff {
    /// The security officer's case the unjustified entries opened.
    pub case_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Revealed {
    /// The data subject's CPR number or personnummer.
    pub national_id: String,
}

fn text(field: &'static str, v: Option<&str>) -> Result<Option<Text>, domain::error::FieldError> {
    match v.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Text::parse(t).map(Some).map_err(|e| e.at(field)),
        None => Ok(None),
    }
}

async fn draw(State(s): State<AppState>, caller: Caller, JsonBody(r): JsonBody<DrawRequest>) -> Res {
    let tz = s.ui.time_zone;
    let id = s.app.draw_log_control(&caller.actor, r.supplier_id, r.from, r.to, tz).await.map_err(caller.problem(&s))?;
    Ok((StatusCode::CREATED, Json(PackageCreated { id })).into_response())
}

async fn list(State(s): State<AppState>, caller: Caller) -> Res {
    Ok(Json(s.app.log_control_packages(&caller.actor).await.map_err(caller.problem(&s))?).into_response())
}

async fn read(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = super::registry::parse_id(&id).map_err(caller.problem(&s))?;
    let v: PackageView = s.app.log_control_package(&caller.actor, id).await.map_err(caller.problem(&s))?;
    Ok(Json(v).into_response())
}

async fn verify(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = super::registry::parse_id(&id).map_err(caller.problem(&s))?;
    let check: DrawCheck = s.app.verify_log_control(&caller.actor, id, s.ui.time_zone).await.map_err(caller.problem(&s))?;
    Ok(Json(check).into_response())
}

/// An entry's number from the path: a number that is no entry is not found.
fn entry_number(n: &str) -> Result<u32, app::AppError> {
    n.parse::<u32>().map_err(|_| app::AppError::NotFound)
}

async fn judge(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, n)): Path<(String, String)>,
    JsonBody(i): JsonBody<JudgementInput>,
) -> Res {
    let problem = caller.problem(&s);
    let id = super::registry::parse_id(&id).map_err(&problem)?;
    let n = entry_number(&n).map_err(&problem)?;
    let note = text("note", i.note.as_deref()).map_err(|e| problem(e.into()))?;
    s.app.judge_log_control(&caller.actor, id, i.version, n, i.judgement, i.reason_code, note).await.map_err(&problem)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn reveal(State(s): State<AppState>, caller: Caller, Path((id, n)): Path<(String, String)>) -> Res {
    let id = super::registry::parse_id(&id).map_err(caller.problem(&s))?;
    let n = entry_number(&n).map_err(caller.problem(&s))?;
    let national_id = s.app.reveal_log_control_subject(&caller.actor, id, n).await.map_err(caller.problem(&s))?;
    Ok(Json(Revealed { national_id }).into_response())
}

async fn sign_off(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, JsonBody(i): JsonBody<SignOffInput>) -> Res {
    let problem = caller.problem(&s);
    let id = super::registry::parse_id(&id).map_err(&problem)?;
    let statement = text("statement", i.statement.as_deref()).map_err(|e| problem(e.into()))?;
    let case_id = s.app.sign_off_log_control(&caller.actor, id, i.version, statement).await.map_err(&problem)?;
    Ok(Json(SignedOff { case_id }).into_response())
}

pub fn routes(doc: &mut Doc) -> Router<AppState> {
    const TAG: &str = "log-control";
    doc.tag(TAG, "Log control the supplier reviews and signs off (SEC-3)");
    let req = doc.schema::<DrawRequest>();
    let created = doc.schema::<PackageCreated>();
    doc.add(
        "/api/v1/log-control",
        HttpMethod::Post,
        openapi::op(TAG, "draw_log_control", "Draw a supplier's log-control package for a period (SEC-3)", true)
            .description(Some(
                "From the supplier's accounts' look-ups of data subjects: every look-up of someone not the supplier's client (X-11), \
                 of the user's own record or a colleague's, out of hours or in the period's last days (up to the policy's cap each), \
                 and a random floor per account plus a percentage. The seed's SHA-256 is written to the audit log before the draw \
                 and the seed after it; one package per supplier and period.",
            ))
            .request_body(Some(openapi::body(req)))
            .response("201", openapi::json("The package", created))
            .build(),
    );
    let summary = doc.schema::<PackageSummary>();
    let list_schema = doc.named("LogControlPackageList", ArrayBuilder::new().items(summary).into());
    doc.add(
        "/api/v1/log-control",
        HttpMethod::Get,
        openapi::op(TAG, "list_log_control", "Log-control packages, newest first (a supplier: its own)", true)
            .response("200", openapi::json("The packages", list_schema))
            .build(),
    );
    let view = doc.schema::<PackageView>();
    doc.add(
        "/api/v1/log-control/{id}",
        HttpMethod::Get,
        openapi::op(TAG, "get_log_control", "A package with its entries, the data subjects numbered, not named", true)
            .parameter(openapi::path_id())
            .response("200", openapi::json("The package", view))
            .build(),
    );
    let check = doc.schema::<DrawCheck>();
    doc.add(
        "/api/v1/log-control/{id}/verify",
        HttpMethod::Get,
        openapi::op(TAG, "verify_log_control", "Check a package's draw: the seed against its hash, the sample recomputed", true)
            .parameter(openapi::path_id())
            .response("200", openapi::json("The check", check))
            .build(),
    );
    let entry = || openapi::path_param("n", "The entry's number in the package", 1);
    let judgement = doc.schema::<JudgementInput>();
    doc.add(
        "/api/v1/log-control/{id}/entries/{n}",
        HttpMethod::Post,
        openapi::op(TAG, "judge_log_control_entry", "Judge an entry (the supplier's orderer)", true)
            .parameter(openapi::path_id())
            .parameter(entry())
            .request_body(Some(openapi::body(judgement)))
            .response("204", ResponseBuilder::new().description("Judged").build())
            .build(),
    );
    let revealed = doc.schema::<Revealed>();
    doc.add(
        "/api/v1/log-control/{id}/entries/{n}/reveal",
        HttpMethod::Post,
        openapi::op(TAG, "reveal_log_control_subject", "Show an entry's data subject in clear; recorded in the audit log", true)
            .parameter(openapi::path_id())
            .parameter(entry())
            .response("200", openapi::json("The data subject", revealed))
            .build(),
    );
    let sign = doc.schema::<SignOffInput>();
    let signed = doc.schema::<SignedOff>();
    doc.add(
        "/api/v1/log-control/{id}/sign-off",
        HttpMethod::Post,
        openapi::op(TAG, "sign_off_log_control", "Sign a package off once every entry is judged", true)
            .description(Some(
                "Unjustified entries put their accounts' events under a legal hold and open a case for the security officer.",
            ))
            .parameter(openapi::path_id())
            .request_body(Some(openapi::body(sign)))
            .response("200", openapi::json("Signed off", signed))
            .build(),
    );
    Router::new()
        .route("/api/v1/log-control", get(list).post(draw))
        .route("/api/v1/log-control/{id}", get(read))
        .route("/api/v1/log-control/{id}/verify", get(verify))
        .route("/api/v1/log-control/{id}/entries/{n}", post(judge))
        .route("/api/v1/log-control/{id}/entries/{n}/reveal", post(reveal))
        .route("/api/v1/log-control/{id}/sign-off", post(sign_off))
}
