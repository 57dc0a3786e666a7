//! Accounts, their evidence and authenticators, emergency and support accounts, the IT
//! operator's manual tasks, and the reports of the lifecycle (ACC-*, EMG-*, PRV-1,
//! AGR-6, X-4).

use super::registry::parse_id;
use crate::AppState;
use crate::extract::{Caller, JsonBody, QueryParams};
use crate::openapi::{self, Doc};
use crate::problem::Problem;
use app::{EmergencyInput, EmergencyLine, LifecycleReport, NewAuthenticator, OverdueDeletion, SupportInput};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::account::{AccountKind, AccountStatus};
use domain::error::FieldError;
use domain::paging::PageRequest;
use domain::registry::Page;
use domain::time::Timestamp;
use store::{AccountQuery, AccountRow};
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::schema::{ArrayBuilder, Type};
use uuid::Uuid;

pub use super::account_types::*;

type Res = Result<Response, Problem>;

fn account(a: AccountRow) -> Response {
    Json(AccountOut::from(a)).into_response()
}

async fn list_accounts(State(s): State<AppState>, caller: Caller, RawQuery(query): RawQuery) -> Res {
    let parse = || -> Result<(AccountQuery, PageRequest), FieldError> {
        let mut q = QueryParams::parse(query.as_deref());
        let num = |v: &str| v.parse::<u32>().ok();
        let uuid = |v: &str| Uuid::parse_str(v).ok();
        let page = PageRequest::new(q.take("page", num)?, q.take("page_size", num)?)?;
        let status = q.take("status", |v| AccountStatus::parse(v).map(|s| s.as_str()))?;
        let kind = q.take("kind", |v| AccountKind::parse(v).map(|k| k.as_str()))?;
        let aq = AccountQuery {
            person_id: q.take("person_id", uuid)?,
            system_id: q.take("system_id", uuid)?,
            agreement_id: q.take("agreement_id", uuid)?,
            department_id: None,
            or_agreements: Vec::new(),
            supplier_id: q.take("supplier_id", uuid)?,
            statuses: status.into_iter().collect(),
            kind,
            text: None,
            sort: None,
            count_cap: None,
            ends_by: None,
            offset: page.offset(),
            limit: page.page_size,
        };
        q.finish()?;
        Ok((aq, page))
    };
    let (q, page) = parse().map_err(|e| caller.problem(&s)(e.into()))?;
    let (rows, total) = s.app.list_accounts(&caller.actor, q).await.map_err(caller.problem(&s))?;
    page.check_within(total).map_err(|e| caller.problem(&s)(e.into()))?;
    let items: Vec<AccountOut> = rows.into_iter().map(AccountOut::from).collect();
    Ok(Json(Page { items, page: page.page, page_size: page.page_size, total, total_pages: page.total_pages(total) }).into_response())
}

async fn get_account(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(account(s.app.account(&caller.actor, id).await.map_err(caller.problem(&s))?))
}

async fn lock(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, JsonBody(r): JsonBody<ReasonInput>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(account(s.app.lock_account(&caller.actor, id, r.reason).await.map_err(caller.problem(&s))?))
}

async fn unlock(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(account(s.app.unlock_account(&caller.actor, id).await.map_err(caller.problem(&s))?))
}

async fn order_deletion(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, JsonBody(r): JsonBody<ReasonInput>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(account(s.app.order_emergency_deletion(&caller.actor, id, r.reason).await.map_err(caller.problem(&s))?))
}

async fn remind(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(account(s.app.remind_emergency_signoff(&caller.actor, id).await.map_err(caller.problem(&s))?))
}

async fn revoke_person(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, JsonBody(r): JsonBody<ReasonInput>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let rows = s.app.revoke_person(&caller.actor, id, r.reason.as_str()).await.map_err(caller.problem(&s))?;
    Ok(Json(rows.into_iter().map(AccountOut::from).collect::<Vec<_>>()).into_response())
}

async fn revoke(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, JsonBody(r): JsonBody<ReasonInput>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(account(s.app.revoke_account(&caller.actor, id, r.reason.as_str()).await.map_err(caller.problem(&s))?))
}

fn evidence_out(rows: Vec<store::EvidenceRow>) -> Response {
    Json(
        rows.into_iter()
            .map(|e| EvidenceOut { id: e.id, kind: e.kind, recorded_at: e.recorded_at, recorded_by: e.recorded_by, note: e.note })
            .collect::<Vec<_>>(),
    )
    .into_response()
}

async fn add_evidence(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, JsonBody(e): JsonBody<EvidenceInput>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(evidence_out(s.app.record_evidence(&caller.actor, id, e.kind, e.note).await.map_err(caller.problem(&s))?))
}

async fn get_evidence(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(evidence_out(s.app.evidence(&caller.actor, id).await.map_err(caller.problem(&s))?))
}

async fn activation(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, RawQuery(query): RawQuery) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let mut q = QueryParams::parse(query.as_deref());
    let agreement = q.take("agreement_id", |v| Uuid::parse_str(v).ok()).map_err(|e| caller.problem(&s)(e.into()))?;
    q.finish().map_err(|e| caller.problem(&s)(e.into()))?;
    let missing = s.app.activation_status(&caller.actor, id, agreement).await.map_err(caller.problem(&s))?;
    Ok(Json(ActivationOut { missing }).into_response())
}

fn authenticators_out(rows: Vec<store::AuthenticatorRow>) -> Response {
    Json(
        rows.into_iter()
            .map(|a| AuthenticatorOut {
                id: a.id,
                kind: a.kind,
                serial: a.serial,
                issued_on: a.issued_on,
                identity_checked_by: a.identity_checked_by,
                status: a.status,
                billed_supplier_id: a.billed_supplier_id,
            })
            .collect::<Vec<_>>(),
    )
    .into_response()
}

async fn add_authenticator(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(a): JsonBody<AuthenticatorInput>,
) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let input = NewAuthenticator {
        kind: a.kind,
        serial: a.serial,
        issued_on: a.issued_on,
        identity_checked_by: a.identity_checked_by,
        billed_supplier_id: a.billed_supplier_id,
    };
    Ok(authenticators_out(s.app.add_authenticator(&caller.actor, id, input).await.map_err(caller.problem(&s))?))
}

async fn get_authenticators(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(authenticators_out(s.app.authenticators(&caller.actor, id).await.map_err(caller.problem(&s))?))
}

async fn create_emergency(State(s): State<AppState>, caller: Caller, JsonBody(e): JsonBody<EmergencyIn>) -> Res {
    let input = EmergencyInput {
        name: e.name,
        supplier_id: e.supplier_id,
        reason: e.reason,
        profiles: e.profiles,
        valid_to: e.valid_to,
        same_name_confirmed: e.same_name_confirmed,
    };
    let receipt = s.app.create_emergency_account(&caller.actor, input).await.map_err(caller.problem(&s))?;
    Ok((StatusCode::CREATED, Json(receipt.accounts.into_iter().map(AccountOut::from).collect::<Vec<_>>())).into_response())
}

async fn sign_off(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(account(s.app.sign_off_emergency(&caller.actor, id).await.map_err(caller.problem(&s))?))
}

async fn delete_emergency(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(account(s.app.delete_emergency_account(&caller.actor, id).await.map_err(caller.problem(&s))?))
}

async fn reconciliation(State(s): State<AppState>, caller: Caller) -> Res {
    let lines: Vec<EmergencyLine> = s.app.emergency_reconciliation(&caller.actor).await.map_err(caller.problem(&s))?;
    Ok(Json(lines).into_response())
}

async fn request_support(State(s): State<AppState>, caller: Caller, JsonBody(i): JsonBody<SupportIn>) -> Res {
    let input = SupportInput {
        person_id: i.person_id,
        agreement_id: i.agreement_id,
        profiles: i.profiles,
        valid_from: i.valid_from,
        valid_to: i.valid_to,
        purpose: i.purpose,
    };
    let a = s.app.request_support_account(&caller.actor, input).await.map_err(caller.problem(&s))?;
    Ok((StatusCode::CREATED, Json(AccountOut::from(a))).into_response())
}

async fn approve_support(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(account(s.app.approve_support_account(&caller.actor, id).await.map_err(caller.problem(&s))?))
}

async fn list_tasks(State(s): State<AppState>, caller: Caller, RawQuery(query): RawQuery) -> Res {
    let mut q = QueryParams::parse(query.as_deref());
    let state = q
        .take("state", |v| ["open", "confirmed", "failed"].contains(&v).then(|| v.to_string()))
        .map_err(|e| caller.problem(&s)(e.into()))?;
    q.finish().map_err(|e| caller.problem(&s)(e.into()))?;
    let tasks = s.app.list_tasks(&caller.actor, state.as_deref()).await.map_err(caller.problem(&s))?;
    Ok(Json(tasks.into_iter().map(TaskOut::from).collect::<Vec<_>>()).into_response())
}

async fn confirm_task(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, JsonBody(n): JsonBody<NoteInput>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(Json(TaskOut::from(s.app.confirm_task(&caller.actor, id, n.note).await.map_err(caller.problem(&s))?)).into_response())
}

async fn fail_task(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, JsonBody(n): JsonBody<NoteInput>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(Json(TaskOut::from(s.app.fail_task(&caller.actor, id, n.note.unwrap_or_default()).await.map_err(caller.problem(&s))?))
        .into_response())
}

async fn failing_actions(State(s): State<AppState>, caller: Caller) -> Res {
    Ok(Json(s.app.failing_actions(&caller.actor).await.map_err(caller.problem(&s))?).into_response())
}

async fn sign_ons(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, JsonBody(b): JsonBody<SignOnsInput>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let pairs: Vec<(String, Timestamp)> = b.sign_ons.into_iter().map(|x| (x.username.to_string(), x.at)).collect();
    let matched = s.app.record_sign_ons(&caller.actor, id, &pairs).await.map_err(caller.problem(&s))?;
    Ok(Json(SignOnsOut { matched }).into_response())
}

async fn reconcile(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    Ok(Json(s.app.reconcile(&caller.actor, id).await.map_err(caller.problem(&s))?).into_response())
}

async fn confirm_deletion(State(s): State<AppState>, caller: Caller, Path(id): Path<String>, JsonBody(d): JsonBody<DeletionInput>) -> Res {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    s.app.confirm_deletion(&caller.actor, id, d.note).await.map_err(caller.problem(&s))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn overdue_deletions(State(s): State<AppState>, caller: Caller) -> Res {
    let rows: Vec<OverdueDeletion> = s.app.overdue_deletions(&caller.actor).await.map_err(caller.problem(&s))?;
    Ok(Json(rows).into_response())
}

async fn termination_reports(State(s): State<AppState>, caller: Caller) -> Res {
    Ok(Json(s.app.termination_reports(&caller.actor).await.map_err(caller.problem(&s))?).into_response())
}

async fn run_lifecycle(State(s): State<AppState>, caller: Caller) -> Res {
    if !s.app.can(&caller.actor, domain::authz::Permission::RunLifecycle) {
        return Err(caller.problem(&s)(app::AppError::Forbidden));
    }
    let report: LifecycleReport = s.app.run_lifecycle().await.map_err(caller.problem(&s))?;
    s.app.process_outbox().await.map_err(caller.problem(&s))?;
    Ok(Json(report).into_response())
}

/// Declares one endpoint in the document.
#[allow(clippy::too_many_arguments)]
fn op(
    doc: &mut Doc,
    path: &str,
    method: HttpMethod,
    tag: &str,
    id: &str,
    summary: &str,
    body: Option<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
    ok: (&str, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>),
) {
    let mut b = openapi::op(tag, id, summary, true);
    if path.contains("{id}") {
        b = b.parameter(openapi::path_id());
    }
    if let Some(body) = body {
        b = b
            .request_body(Some(openapi::body(body)))
            .response("422", openapi::problem("A field is invalid or a rule refuses it; nothing was written"));
    }
    if path.contains("{id}") {
        b = b.response("404", openapi::problem("Not found, or not visible to the caller"));
    }
    let creates = method == HttpMethod::Post && !path.contains("{id}") && !path.ends_with("/run");
    let code = if creates { "201" } else { "200" };
    b = b.response(code, openapi::json(ok.0, ok.1));
    doc.add(path, method, b.build());
}

pub fn routes(doc: &mut Doc) -> Router<AppState> {
    let (a, e, t) = ("accounts", "emergency", "tasks");
    doc.tag(a, "Accounts in target systems: evidence, authenticators, lock and revocation (ACC-*, REQ-7)");
    doc.tag(e, "Emergency temp accounts and supplier support accounts (EMG-1..EMG-3)");
    doc.tag(t, "The IT operator's manual provisioning tasks (PRV-1, PRV-2) and the lifecycle (ACC-5, X-3, X-4, AGR-6)");
    let acc = doc.schema::<AccountOut>();
    let acc_page = doc.named("AccountPage", openapi::page_of(acc.clone()));
    let acc_list = doc.named("AccountList", ArrayBuilder::new().items(acc.clone()).into());
    let reason = doc.schema::<ReasonInput>();
    let mut list = openapi::op(a, "list_accounts", "List accounts (a supplier's caller: its own)", true);
    for (n, ty, d) in [
        ("person_id", Type::String, "accounts of this person"),
        ("system_id", Type::String, "in this system"),
        ("agreement_id", Type::String, "under this agreement"),
        ("supplier_id", Type::String, "under this supplier's agreements"),
        ("status", Type::String, "pending_approval, provisioning, awaiting_activation, active, locked, disabled, terminated"),
        ("kind", Type::String, "regular, emergency, support"),
        ("page", Type::Integer, "1-based page number"),
        ("page_size", Type::Integer, "1–500"),
    ] {
        list = list.parameter(openapi::query(n, ty, d));
    }
    doc.add("/api/v1/accounts", HttpMethod::Get, list.response("200", openapi::json("One page", acc_page)).build());
    op(doc, "/api/v1/accounts/{id}", HttpMethod::Get, a, "get_account", "Read an account", None, ("The account", acc.clone()));
    op(
        doc,
        "/api/v1/accounts/{id}/lock",
        HttpMethod::Post,
        a,
        "lock_account",
        "Lock an account at once on suspected compromise (coordinator, ACC-9)",
        Some(reason.clone()),
        ("The account", acc.clone()),
    );
    op(
        doc,
        "/api/v1/accounts/{id}/unlock",
        HttpMethod::Post,
        a,
        "unlock_account",
        "Lift a lock (coordinator)",
        None,
        ("The account", acc.clone()),
    );
    op(
        doc,
        "/api/v1/accounts/{id}/revoke",
        HttpMethod::Post,
        a,
        "revoke_account",
        "Revoke an account at once, bypassing approvals (security officer, REQ-7)",
        Some(reason.clone()),
        ("The account", acc.clone()),
    );
    op(
        doc,
        "/api/v1/persons/{id}/revoke-accounts",
        HttpMethod::Post,
        a,
        "revoke_person_accounts",
        "Close every live account of a person at once, in one transaction (security officer, REQ-7, ACC-6)",
        Some(reason.clone()),
        ("The person's accounts afterwards", acc_list.clone()),
    );
    let ev_in = doc.schema::<EvidenceInput>();
    let ev_out = doc.schema::<EvidenceOut>();
    let ev_list = doc.named("EvidenceList", ArrayBuilder::new().items(ev_out).into());
    op(
        doc,
        "/api/v1/persons/{id}/evidence",
        HttpMethod::Post,
        a,
        "record_evidence",
        "Record the §152 declaration, training or identity check; waiting accounts activate (ACC-4)",
        Some(ev_in),
        ("The person's evidence", ev_list.clone()),
    );
    op(
        doc,
        "/api/v1/persons/{id}/evidence",
        HttpMethod::Get,
        a,
        "list_evidence",
        "The person's activation evidence",
        None,
        ("The evidence", ev_list),
    );
    let act = doc.schema::<ActivationOut>();
    doc.add(
        "/api/v1/persons/{id}/activation",
        HttpMethod::Get,
        openapi::op(a, "activation_status", "What still stands before the person's accounts may be activated", true)
            .parameter(openapi::path_id())
            .parameter(openapi::query("agreement_id", Type::String, "include the agreement's missing attestations"))
            .response("200", openapi::json("What is missing", act))
            .build(),
    );
    let au_in = doc.schema::<AuthenticatorInput>();
    let au_out = doc.schema::<AuthenticatorOut>();
    let au_list = doc.named("AuthenticatorList", ArrayBuilder::new().items(au_out).into());
    op(
        doc,
        "/api/v1/persons/{id}/authenticators",
        HttpMethod::Post,
        a,
        "add_authenticator",
        "Record an e-ID card, token or phone issued to the person (ACC-7)",
        Some(au_in),
        ("The person's authenticators", au_list.clone()),
    );
    op(
        doc,
        "/api/v1/persons/{id}/authenticators",
        HttpMethod::Get,
        a,
        "list_authenticators",
        "The person's authenticators",
        None,
        ("The authenticators", au_list),
    );

    let em_in = doc.schema::<EmergencyIn>();
    op(
        doc,
        "/api/v1/emergency-accounts",
        HttpMethod::Post,
        e,
        "create_emergency_account",
        "A local administrator creates a temp account within the emergency scope (EMG-1)",
        Some(em_in),
        ("The accounts, one per system", acc_list),
    );
    op(
        doc,
        "/api/v1/emergency-accounts/{id}/sign-off",
        HttpMethod::Post,
        e,
        "sign_off_emergency_account",
        "The unit leader signs off a temp account's creation or deletion (EMG-2)",
        None,
        ("The account", acc.clone()),
    );
    op(
        doc,
        "/api/v1/emergency-accounts/{id}/deletion-order",
        HttpMethod::Post,
        e,
        "order_emergency_account_deletion",
        "Instead of signing off, the unit leader orders a temp account deleted, with the reason: it ends at once (EMG-2)",
        Some(reason.clone()),
        ("The account", acc.clone()),
    );
    op(
        doc,
        "/api/v1/emergency-accounts/{id}/reminders",
        HttpMethod::Post,
        e,
        "remind_emergency_signoff",
        "The coordinator reminds the unit leader of a sign-off that waits (EMG-2)",
        None,
        ("The account", acc.clone()),
    );
    op(
        doc,
        "/api/v1/emergency-accounts/{id}/delete",
        HttpMethod::Post,
        e,
        "delete_emergency_account",
        "A local administrator deletes a temp account; the deletion needs a sign-off",
        None,
        ("The account", acc.clone()),
    );
    let line = doc.schema::<EmergencyLineDoc>();
    let lines = doc.named("EmergencyReconciliation", ArrayBuilder::new().items(line).into());
    op(
        doc,
        "/api/v1/emergency-accounts/reconciliation",
        HttpMethod::Get,
        e,
        "emergency_reconciliation",
        "Temp accounts against sign-offs; overdue ones first (EMG-2)",
        None,
        ("The reconciliation", lines),
    );
    let sup = doc.schema::<SupportIn>();
    op(
        doc,
        "/api/v1/support-accounts",
        HttpMethod::Post,
        e,
        "request_support_account",
        "Request a supplier support account for one task and period (EMG-3)",
        Some(sup),
        ("The pending account", acc.clone()),
    );
    op(
        doc,
        "/api/v1/support-accounts/{id}/approve",
        HttpMethod::Post,
        e,
        "approve_support_account",
        "The security officer approves a support account (EMG-3)",
        None,
        ("The account", acc),
    );

    let task = doc.schema::<TaskOut>();
    let tasks = doc.named("TaskList", ArrayBuilder::new().items(task.clone()).into());
    doc.add(
        "/api/v1/tasks",
        HttpMethod::Get,
        openapi::op(t, "list_tasks", "The manual provisioning tasks", true)
            .parameter(openapi::query("state", Type::String, "open, confirmed or failed"))
            .response("200", openapi::json("The tasks", tasks))
            .build(),
    );
    let note = doc.schema::<NoteInput>();
    op(
        doc,
        "/api/v1/tasks/{id}/confirm",
        HttpMethod::Post,
        t,
        "confirm_task",
        "The operator carried the action out in the target system",
        Some(note.clone()),
        ("The task", task.clone()),
    );
    op(
        doc,
        "/api/v1/tasks/{id}/fail",
        HttpMethod::Post,
        t,
        "fail_task",
        "The action could not be carried out (a note is required); it is queued again with back-off",
        Some(note),
        ("The task", task),
    );
    let fa = doc.schema::<FailingActionDoc>();
    let fas = doc.named("FailingActions", ArrayBuilder::new().items(fa).into());
    op(
        doc,
        "/api/v1/provisioning/failing",
        HttpMethod::Get,
        t,
        "failing_actions",
        "Connector actions that failed and wait for a retry (PRV-2)",
        None,
        ("The actions", fas),
    );
    let drift = doc.schema::<domain::account::Drift>();
    let drifts = doc.named("Reconciliation", ArrayBuilder::new().items(drift).into());
    op(
        doc,
        "/api/v1/systems/{id}/reconciliation",
        HttpMethod::Get,
        t,
        "reconcile_system",
        "Read the system back: orphans and drift from what was approved (PRV-3)",
        None,
        ("The findings", drifts),
    );
    let so_in = doc.schema::<SignOnsInput>();
    let so_out = doc.schema::<SignOnsOut>();
    op(
        doc,
        "/api/v1/systems/{id}/sign-ons",
        HttpMethod::Post,
        t,
        "record_sign_ons",
        "A target system reports sign-ons, so inactivity can be measured (X-3)",
        Some(so_in),
        ("How many matched an account", so_out),
    );
    let del = doc.schema::<DeletionInput>();
    doc.add(
        "/api/v1/agreements/{id}/deletion-confirmation",
        HttpMethod::Post,
        openapi::op(
            t,
            "confirm_deletion",
            "The supplier confirms deletion of all personal data at the end of a consultant engagement (AGR-6)",
            true,
        )
        .parameter(openapi::path_id())
        .request_body(Some(openapi::body(del)))
        .response("204", utoipa::openapi::ResponseBuilder::new().description("Recorded").build())
        .response("422", openapi::problem("Not a consultant engagement, not ended yet, or confirmed already"))
        .build(),
    );
    let od = doc.schema::<OverdueDeletionDoc>();
    let ods = doc.named("OverdueDeletions", ArrayBuilder::new().items(od).into());
    op(
        doc,
        "/api/v1/agreements/overdue-deletions",
        HttpMethod::Get,
        t,
        "overdue_deletions",
        "Ended consultant engagements whose deletion confirmation is overdue (AGR-6)",
        None,
        ("The list", ods),
    );
    let tr = doc.schema::<TerminationReportDoc>();
    let trs = doc.named("TerminationReports", ArrayBuilder::new().items(tr).into());
    op(
        doc,
        "/api/v1/termination-reports",
        HttpMethod::Get,
        t,
        "termination_reports",
        "Terminations with the time from report to disable (X-4)",
        None,
        ("The reports", trs),
    );
    let lr = doc.schema::<LifecycleReportDoc>();
    op(
        doc,
        "/api/v1/lifecycle/run",
        HttpMethod::Post,
        t,
        "run_lifecycle",
        "Run the daily lifecycle now (it also runs on its own schedule)",
        None,
        ("What it did", lr),
    );

    Router::new()
        .route("/api/v1/accounts", get(list_accounts))
        .route("/api/v1/accounts/{id}", get(get_account))
        .route("/api/v1/accounts/{id}/lock", post(lock))
        .route("/api/v1/accounts/{id}/unlock", post(unlock))
        .route("/api/v1/accounts/{id}/revoke", post(revoke))
        .route("/api/v1/persons/{id}/evidence", get(get_evidence).post(add_evidence))
        .route("/api/v1/persons/{id}/activation", get(activation))
        .route("/api/v1/persons/{id}/authenticators", get(get_authenticators).post(add_authenticator))
        .route("/api/v1/emergency-accounts", post(create_emergency))
        .route("/api/v1/emergency-accounts/reconciliation", get(reconciliation))
        .route("/api/v1/emergency-accounts/{id}/sign-off", post(sign_off))
        .route("/api/v1/emergency-accounts/{id}/delete", post(delete_emergency))
        .route("/api/v1/emergency-accounts/{id}/deletion-order", post(order_deletion))
        .route("/api/v1/emergency-accounts/{id}/reminders", post(remind))
        .route("/api/v1/persons/{id}/revoke-accounts", post(revoke_person))
        .route("/api/v1/support-accounts", post(request_support))
        .route("/api/v1/support-accounts/{id}/approve", post(approve_support))
        .route("/api/v1/tasks", get(list_tasks))
        .route("/api/v1/provisioning/failing", get(failing_actions))
        .route("/api/v1/systems/{id}/reconciliation", get(reconcile))
        .route("/api/v1/systems/{id}/sign-ons", post(sign_ons))
        .route("/api/v1/tasks/{id}/confirm", post(confirm_task))
        .route("/api/v1/tasks/{id}/fail", post(fail_task))
        .route("/api/v1/agreements/{id}/deletion-confirmation", post(confirm_deletion))
        .route("/api/v1/agreements/overdue-deletions", get(overdue_deletions))
        .route("/api/v1/termination-reports", get(termination_reports))
        .route("/api/v1/lifecycle/run", post(run_lifecycle))
}
