//! Security reports through the API (SEC-1, SEC-2): made for a period, listed, read (each
//! reading recorded), and taken through their case.

use crate::AppState;
use crate::extract::{Caller, JsonBody};
use crate::openapi::{self, Doc};
use crate::problem::Problem;
use app::{CaseInput, SecurityReportSummary, SecurityReportView};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::codes;
use domain::error::FieldError;
use domain::text::Text;
use domain::time::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::ResponseBuilder;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::schema::ArrayBuilder;
use uuid::Uuid;

type Res = Result<Response, Problem>;

/// The period of a new report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// Start of the period (RFC 3339).
    pub from: Timestamp,
    /// End of the period, not included; at most 31 days after `from`.
    pub to: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportCreated {
    pub id: Uuid,
}

/// A step on a report's case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStepName {
    /// Hand it to a department's head (the coordinator).
    Assign,
    /// Start looking into it.
    Investigate,
    /// No misuse found.
    Close,
    /// Misuse found: its events go under a legal hold.
    Misuse,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseStepInput {
    pub step: CaseStepName,
    /// The report's `version` as last read.
    #[schema(minimum = 1)]
    pub version: i64,
    /// For `assign`.
    #[serde(default)]
    pub department_id: Option<Uuid>,
    /// For `close` and `misuse`: what was found, and why.
    #[serde(default)]
    pub conclusion: Option<String>,
}

async fn create(State(s): State<AppState>, caller: Caller, JsonBody(r): JsonBody<ReportRequest>) -> Res {
    let id = s.app.make_security_report(&caller.actor, r.from, r.to).await.map_err(caller.problem(&s))?;
    Ok((StatusCode::CREATED, Json(ReportCreated { id })).into_response())
}

async fn list(State(s): State<AppState>, caller: Caller) -> Res {
    let reports = s.app.security_reports(&caller.actor).await.map_err(caller.problem(&s))?;
    Ok(Json(reports).into_response())
}

async fn read(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = super::registry::parse_id(&id).map_err(caller.problem(&s))?;
    let v: SecurityReportView = s.app.security_report(&caller.actor, id).await.map_err(caller.problem(&s))?;
    Ok(Json(v).into_response())
}

async fn step(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, JsonBody(i): JsonBody<CaseStepInput>) -> Res {
    let problem = caller.problem(&s);
    let id = super::registry::parse_id(&id).map_err(&problem)?;
    let conclusion = || -> Result<Text, FieldError> {
        let text = i.conclusion.as_deref().unwrap_or("").trim();
        if text.is_empty() {
            return Err(FieldError::new("conclusion", codes::REASON_REQUIRED));
        }
        Text::parse(text).map_err(|e| e.at("conclusion"))
    };
    let input = match i.step {
        CaseStepName::Assign => {
            i.department_id.map(CaseInput::Assign).ok_or_else(|| FieldError::new("department_id", codes::MISSING_FIELD))
        }
        CaseStepName::Investigate => Ok(CaseInput::Investigate),
        CaseStepName::Close => conclusion().map(CaseInput::Close),
        CaseStepName::Misuse => conclusion().map(CaseInput::Misuse),
    };
    let input = input.map_err(|e| problem(e.into()))?;
    s.app.security_report_step(&caller.actor, id, i.version, input).await.map_err(&problem)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub fn routes(doc: &mut Doc) -> Router<AppState> {
    doc.tag("security-reports", "Security reports from the log and their cases (SEC-1, SEC-2, X-11)");
    let req = doc.schema::<ReportRequest>();
    let created = doc.schema::<ReportCreated>();
    doc.add(
        "/api/v1/security-reports",
        HttpMethod::Post,
        openapi::op("security-reports", "make_security_report", "Make a security report of a period from the log (SEC-1)", true)
            .description(Some(
                "Findings typed with a severity: unknown usernames, repeated failed sign-ons, lockouts, transactions without an \
                 authenticated user or outside the account's transaction set, activity by accounts not active then, a supplier's \
                 look-up of someone not its client (X-11), refusals inside Portvagt. A report without findings is closed at once. \
                 Portvagt also makes yesterday's report every day.",
            ))
            .request_body(Some(openapi::body(req)))
            .response("201", openapi::json("The report", created))
            .build(),
    );
    let summary = doc.schema::<SecurityReportSummary>();
    let list_schema = doc.named("SecurityReportList", ArrayBuilder::new().items(summary).into());
    doc.add(
        "/api/v1/security-reports",
        HttpMethod::Get,
        openapi::op(
            "security-reports",
            "list_security_reports",
            "Security reports, newest first (a department head: those handed to it)",
            true,
        )
        .response("200", openapi::json("The reports", list_schema))
        .build(),
    );
    let view = doc.schema::<SecurityReportView>();
    doc.add(
        "/api/v1/security-reports/{id}",
        HttpMethod::Get,
        openapi::op("security-reports", "get_security_report", "A security report with its findings; reading it is recorded", true)
            .parameter(openapi::path_id())
            .response("200", openapi::json("The report", view))
            .build(),
    );
    let input = doc.schema::<CaseStepInput>();
    doc.add(
        "/api/v1/security-reports/{id}/steps",
        HttpMethod::Post,
        openapi::op("security-reports", "step_security_report", "Take a step on a report's case (SEC-2)", true)
            .description(Some(
                "`assign` a department (the coordinator), `investigate`, then `close` (no misuse; deleted after the policy's days) or \
                 `misuse` (the report's events go under a legal hold at once, and the case to the security officer).",
            ))
            .parameter(openapi::path_id())
            .request_body(Some(openapi::body(input)))
            .response("204", ResponseBuilder::new().description("Done").build())
            .build(),
    );
    Router::new()
        .route("/api/v1/security-reports", get(list).post(create))
        .route("/api/v1/security-reports/{id}", get(read))
        .route("/api/v1/security-reports/{id}/steps", post(step))
}
