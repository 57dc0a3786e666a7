//! The pages of each role. Every handler goes through the same use-cases as the API, so
//! the rights table and the supplier scoping (AUTH-4) apply here exactly as there: what
//! a role may not see answers 404, like a record that does not exist.

use super::charts::{Bar, bar_chart};
use super::{Chrome, Ctx, FormError, Tr, app_error_page, form_error, label_key, render};
use crate::AppState;
use app::{AppError, AuditFilter, EmergencyInput, ListFilter, RequestFilter, UserInput};
use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::account::EvidenceKind;
use domain::authz::{Actor, UserRole};
use domain::paging::PageRequest;
use domain::registry::{Agreement, Department, JobProfile, Person, Profile, Record, Supplier, System};
use domain::request::{RequestInput, RequestKind, RequestState, Step};
use domain::text::{Name, Text};
use domain::time::Date;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/inbox", get(inbox))
        .route("/requests", get(requests))
        .route("/requests/new", get(order_form).post(order))
        .route("/requests/{id}", get(request_detail))
        .route("/requests/{id}/decide", post(decide))
        .route("/staff", get(staff))
        .route("/staff/{id}/evidence", post(record_evidence))
        .route("/staff/{id}/leaver", post(report_leaver))
        .route("/accounts", get(accounts))
        .route("/accounts/{id}", get(account_detail))
        .route("/accounts/{id}/revoke", post(revoke))
        .route("/accounts/{id}/order", post(order_for_account))
        .route("/tasks", get(tasks))
        .route("/tasks/{id}/confirm", post(confirm_task))
        .route("/emergency", get(emergency).post(create_emergency))
        .route("/emergency/{id}/sign-off", post(sign_off))
        .route("/registry", get(registry))
        .route("/audit", get(audit_search))
        .route("/audit/extracts", post(create_extract))
        .route("/audit/extracts/{id}", get(extract))
        .route("/audit/extracts/{id}/approve-names", post(approve_extract_names))
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/{id}/end-sessions", post(end_sessions))
        .merge(registry::routes())
}

// ---------------------------------------------------------------------------------------
// The generic page: sections of facts, charts, tables and forms.

#[derive(Template)]
#[template(path = "page.html")]
pub(super) struct PageView {
    pub c: Chrome,
    pub intro: Option<String>,
    pub success: Option<String>,
    pub error: Option<String>,
    /// Links shown as buttons under the heading: (href, label).
    pub actions: Vec<(String, String)>,
    pub sections: Vec<Section>,
}

#[derive(Default)]
pub(super) struct Section {
    /// The element's id, when a partial update targets it.
    pub id: Option<&'static str>,
    pub heading: String,
    pub text: Option<String>,
    pub facts: Vec<(String, String)>,
    pub svg: Option<String>,
    pub table: Option<TableSpec>,
    pub forms: Vec<FormSpec>,
}

pub(super) struct TableSpec {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub empty: String,
    /// Link to the next page, if any.
    pub more: String,
}

#[derive(Default)]
pub(super) struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub form: Option<FormSpec>,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell { text: text.into(), ..Default::default() }
}

fn link(text: impl Into<String>, href: String) -> Cell {
    Cell { text: text.into(), href: Some(href), form: None }
}

#[derive(Default)]
pub(super) struct FormSpec {
    /// `get` for searches; anything else posts with the form token.
    pub method: &'static str,
    /// Asked in a dialog before the form is sent (irreversible actions).
    pub confirm: Option<String>,
    /// A search whose results replace only the element with this id (htmx), keeping the
    /// page; without JavaScript the form loads the whole page as usual.
    pub partial: Option<&'static str>,
    pub action: String,
    pub submit: String,
    pub button_class: &'static str,
    pub inline: bool,
    pub hidden: Vec<(String, String)>,
    pub fields: Vec<FieldSpec>,
}

pub(super) struct FieldSpec {
    pub name: String,
    pub label: String,
    /// `text`, `date`, `password`, `select`, `textarea`, `checkboxes`.
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<(String, String, bool)>,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub required: bool,
}

impl FieldSpec {
    fn new(tr: &Tr, name: &str, kind: &'static str) -> FieldSpec {
        FieldSpec {
            name: name.into(),
            label: tr.t(&format!("field-{name}")),
            kind,
            value: String::new(),
            options: Vec::new(),
            hint: None,
            error: None,
            required: false,
        }
    }
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn value(mut self, v: &str) -> Self {
        self.value = v.to_string();
        self
    }
    fn options(mut self, opts: Vec<(String, String)>, selected: &[String]) -> Self {
        self.options = opts.into_iter().map(|(v, l)| (v.clone(), l, selected.contains(&v))).collect();
        self
    }
    fn hint(mut self, h: String) -> Self {
        self.hint = Some(h);
        self
    }
}

/// A one-button form (approve, confirm, sign off…).
fn button(action: String, submit: String, primary: bool, hidden: Vec<(String, String)>) -> FormSpec {
    FormSpec {
        action,
        submit,
        button_class: if primary { "button-primary" } else { "button-secondary" },
        inline: true,
        hidden,
        fields: Vec::new(),
        method: "post",
        partial: None,
        confirm: None,
    }
}

/// Puts a use-case's refusal on the field it names, or on the page.
fn attach_error(forms: &mut [FormSpec], e: FormError) -> Option<String> {
    if let Some(field) = &e.field {
        let name = field.split(['[', '.']).next().unwrap_or("");
        for f in forms.iter_mut() {
            if let Some(fld) = f.fields.iter_mut().find(|x| x.name == name) {
                fld.error = Some(e.message.clone());
            }
        }
    }
    Some(e.message)
}

fn page(ctx: &Ctx, title_key: &str, sections: Vec<Section>) -> PageView {
    PageView { c: ctx.chrome(ctx.tr.t(title_key)), intro: None, success: None, error: None, actions: Vec::new(), sections }
}

fn done_message(ctx: &Ctx, done: &Option<String>) -> Option<String> {
    let key = format!("done-{}", done.as_deref()?);
    ctx.tr.catalog.has(ctx.tr.lang, &key).then(|| ctx.tr.t(&key))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

fn page_request(q: &ListQuery) -> PageRequest {
    PageRequest::new(q.page, Some(50)).unwrap_or(PageRequest { page: 1, page_size: 50 })
}

fn parse_id(ctx: &Ctx, s: &str) -> Result<Uuid, Response> {
    Uuid::parse_str(s).map_err(|_| app_error_page(ctx, AppError::NotFound))
}

macro_rules! actor_or_return {
    ($ctx:expr) => {
        match $ctx.actor() {
            Ok(a) => a,
            Err(r) => return r,
        }
    };
}

/// The record id in the path; anything else is a page that does not exist.
macro_rules! id_or_return {
    ($ctx:expr, $id:expr) => {
        match parse_id(&$ctx, &$id) {
            Ok(i) => i,
            Err(r) => return r,
        }
    };
}

macro_rules! csrf_or_return {
    ($ctx:expr, $token:expr) => {
        if let Err(r) = $ctx.check_csrf($token) {
            return r;
        }
    };
}

/// Every record of a kind the actor may see, for a select list.
async fn options<R: Record>(s: &AppState, actor: &Actor, filter: ListFilter) -> Vec<(String, String)> {
    let page = PageRequest { page: 1, page_size: domain::paging::MAX_PAGE_SIZE };
    match s.app.list::<R>(actor, &filter, page).await {
        Ok(p) => p.items.into_iter().filter(|e| e.active).map(|e| (e.id.to_string(), e.data.display_name())).collect(),
        Err(_) => Vec::new(),
    }
}

fn active_only() -> ListFilter {
    ListFilter { active: Some(true), ..Default::default() }
}

// ---------------------------------------------------------------------------------------
// Dashboard (RPT-1).

async fn dashboard(State(s): State<AppState>, ctx: Ctx) -> Response {
    let actor = actor_or_return!(ctx);
    if actor.role == UserRole::LocalAdministrator {
        return Redirect::to("/emergency").into_response();
    }
    let tr = &ctx.tr;
    let (figures, counted_at) = match s.app.dashboard(&actor).await {
        Ok(f) => f,
        Err(AppError::Forbidden) => {
            let mut p = page(&ctx, "nav-dashboard", Vec::new());
            p.intro = Some(tr.t("ui-dashboard-nothing"));
            return render(&p);
        }
        Err(e) => return app_error_page(&ctx, e),
    };
    let fmt = |n: u64| tr.num(&n);
    // Accounts per supplier and per system.
    let mut per_supplier: HashMap<String, u64> = HashMap::new();
    let mut per_system: HashMap<String, u64> = HashMap::new();
    for (sup, sys, n) in &figures.accounts {
        let sup = if sup.is_empty() { tr.t("ui-no-supplier") } else { sup.clone() };
        *per_supplier.entry(sup).or_default() += n;
        *per_system.entry(sys.clone()).or_default() += n;
    }
    let top = |m: HashMap<String, u64>| {
        let mut v: Vec<(String, u64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(15);
        v
    };
    let chart_section = |heading: String, rows: Vec<(String, u64)>, col: String| {
        let bars: Vec<Bar> = rows.iter().map(|(l, v)| Bar { label: l.clone(), value: *v }).collect();
        Section {
            svg: Some(bar_chart(&heading, &bars, fmt)),
            table: Some(TableSpec {
                caption: heading.clone(),
                headers: vec![col, tr.t("ui-count")],
                rows: rows.into_iter().map(|(l, v)| vec![cell(l), cell(tr.num(&v))]).collect(),
                empty: tr.t("ui-none"),
                more: String::new(),
            }),
            heading,
            ..Default::default()
        }
    };
    let waiting: Vec<(String, u64)> = figures.waiting.iter().map(|(st, n)| (tr.t(&format!("state-{st}")), *n)).collect();
    let total_accounts: u64 = figures.accounts.iter().map(|a| a.2).sum();
    let expiring_total: u64 = figures.expiring.iter().map(|e| e.1).sum();
    let summary = Section {
        heading: tr.t("ui-dashboard-summary"),
        facts: vec![
            (tr.t("ui-live-accounts"), tr.num(&total_accounts)),
            (tr.t("ui-requests-waiting"), tr.num(&waiting.iter().map(|w| w.1).sum())),
            (tr.t("ui-requests-overdue"), tr.num(&figures.overdue)),
            (tr.t("ui-expiring-30"), tr.num(&expiring_total)),
            (tr.t("ui-open-signoffs"), tr.num(&figures.open_signoffs)),
        ],
        ..Default::default()
    };
    let mut waiting_rows = waiting.clone();
    waiting_rows.push((tr.t("ui-requests-overdue"), figures.overdue));
    let expiring_rows: Vec<(String, u64)> = figures.expiring.iter().map(|(d, n)| (tr.date(d), *n)).collect();
    let sections = vec![
        summary,
        chart_section(tr.t("ui-chart-per-supplier"), top(per_supplier), tr.t("field-supplier_id")),
        chart_section(tr.t("ui-chart-per-system"), top(per_system), tr.t("field-system_id")),
        chart_section(tr.t("ui-chart-waiting"), waiting_rows, tr.t("field-state")),
        chart_section(tr.t("ui-chart-expiring"), expiring_rows, tr.t("field-valid_to")),
    ];
    let mut p = page(&ctx, "nav-dashboard", sections);
    p.intro = Some(tr.t1("ui-dashboard-as-of", &tr.time(&counted_at)));
    render(&p)
}

// ---------------------------------------------------------------------------------------
// Requests: lists, the approval inbox, detail with the policy checks, the order form.

async fn inbox(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    request_list(s, ctx, q, true).await
}

async fn requests(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    request_list(s, ctx, q, false).await
}

async fn request_list(s: AppState, ctx: Ctx, q: ListQuery, inbox: bool) -> Response {
    let actor = actor_or_return!(ctx);
    let tr = &ctx.tr;
    let state = q.state.as_deref().and_then(|st| serde_json::from_value::<RequestState>(serde_json::json!(st)).ok());
    let filter = RequestFilter { state, inbox, ..Default::default() };
    let list = match s.app.list_requests(&actor, &filter, page_request(&q)).await {
        Ok(l) => l,
        Err(AppError::Invalid(_)) => domain::registry::Page { items: Vec::new(), page: 1, page_size: 50, total: 0, total_pages: 0 },
        Err(e) => return app_error_page(&ctx, e),
    };
    let ids: Vec<Uuid> =
        list.items.iter().flat_map(|r| [r.request.person_id, r.request.system_id.unwrap_or(r.request.person_id)]).collect();
    let names = s.app.names(&ids).await.unwrap_or_default();
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let rows = list
        .items
        .iter()
        .map(|r| {
            vec![
                link(name(&r.request.person_id), format!("/requests/{}", r.id)),
                cell(tr.t(&format!("kind-{}", kind_code(r.request.kind)))),
                cell(r.request.system_id.map(|x| name(&x)).unwrap_or_default()),
                cell(tr.t(&format!("state-{}", r.request.state.as_str()))),
                cell(tr.date(&r.request.wanted_start) + if r.request.late { " ⚑" } else { "" }),
                cell(r.request.requested_by.name.clone()),
            ]
        })
        .collect();
    let base = if inbox { "/inbox" } else { "/requests" };
    let more = if list.page < list.total_pages as u32 {
        format!("{base}?page={}{}", list.page + 1, q.state.as_ref().map(|s| format!("&state={s}")).unwrap_or_default())
    } else {
        String::new()
    };
    let title = if inbox { "nav-inbox" } else { "nav-requests" };
    let sections = vec![Section {
        heading: String::new(),
        text: Some(tr.t1("ui-total", &tr.num(&list.total))),
        table: Some(TableSpec {
            caption: tr.t(title),
            headers: vec![
                tr.t("field-person_id"),
                tr.t("field-kind"),
                tr.t("field-system_id"),
                tr.t("field-state"),
                tr.t("field-wanted_start"),
                tr.t("ui-requested-by"),
            ],
            rows,
            empty: tr.t(if inbox { "ui-inbox-empty" } else { "ui-none" }),
            more,
        }),
        ..Default::default()
    }];
    let mut p = page(&ctx, title, sections);
    p.success = done_message(&ctx, &q.done);
    if matches!(actor.role, UserRole::SupplierOrderer | UserRole::DepartmentHead) && !inbox {
        p.actions.push(("/requests/new".into(), tr.t("ui-order-title")));
    }
    render(&p)
}

fn kind_code(k: RequestKind) -> &'static str {
    match k {
        RequestKind::NewAccount => "new_account",
        RequestKind::ChangeRoles => "change_roles",
        RequestKind::Extension => "extension",
        RequestKind::Termination => "termination",
    }
}

async fn request_detail(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Query(q): Query<ListQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    show_request(&s, &ctx, &actor, id, done_message(&ctx, &q.done), None).await
}

async fn show_request(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid, success: Option<String>, error: Option<String>) -> Response {
    let tr = &ctx.tr;
    let view = match s.app.get_request(actor, id).await {
        Ok(v) => v,
        Err(e) => return app_error_page(ctx, e),
    };
    let r = &view.request;
    let mut ids = vec![r.person_id, r.department_id];
    ids.extend(r.system_id);
    ids.extend(r.agreement_id);
    ids.extend(r.job_profile_id);
    ids.extend(r.profiles.iter().copied());
    let names = s.app.names(&ids).await.unwrap_or_default();
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let mut facts = vec![
        (tr.t("field-person_id"), name(&r.person_id)),
        (tr.t("field-kind"), tr.t(&format!("kind-{}", kind_code(r.kind)))),
        (tr.t("field-state"), tr.t(&format!("state-{}", r.state.as_str()))),
        (tr.t("field-department_id"), name(&r.department_id)),
    ];
    if let Some(x) = r.system_id {
        facts.push((tr.t("field-system_id"), name(&x)));
    }
    if let Some(x) = r.agreement_id {
        facts.push((tr.t("field-agreement_id"), name(&x)));
    }
    if let Some(x) = r.job_profile_id {
        facts.push((tr.t("field-job_profile_id"), name(&x)));
    }
    facts.push((tr.t("field-profiles"), r.profiles.iter().map(&name).collect::<Vec<_>>().join(", ")));
    facts.push((tr.t("field-wanted_start"), tr.date(&r.wanted_start)));
    facts.push((tr.t("field-end_date"), tr.opt_date(&r.end_date)));
    if r.late {
        facts.push((tr.t("ui-late"), r.urgent_reason.as_ref().map(|t| t.to_string()).unwrap_or_default()));
    }
    facts.push((tr.t("ui-requested-by"), r.requested_by.name.clone()));
    let mut sections = vec![Section { heading: tr.t("ui-request-facts"), facts, ..Default::default() }];
    // The policy checks as they stand now (REQ-*), for the approver.
    if r.state.is_open() {
        let text = if view.checks.is_empty() {
            tr.t("ui-checks-pass")
        } else {
            view.checks
                .iter()
                .map(|c| {
                    let label = tr.t(&format!("field-{}", c.field.split(['[', '.']).next().unwrap_or("")));
                    tr.catalog.text(
                        tr.lang,
                        c.code,
                        &[("field", label.as_str()), ("arg", c.arg.as_deref().unwrap_or("")), ("arg2", c.arg2.as_deref().unwrap_or(""))],
                    )
                })
                .collect::<Vec<_>>()
                .join(" · ")
        };
        sections.push(Section { heading: tr.t("ui-checks"), text: Some(text), ..Default::default() });
    }
    // What this actor may do now.
    let step = match (actor.role, r.state) {
        (UserRole::DepartmentHead, RequestState::Submitted) => Some("approve_as_department"),
        (UserRole::SecurityCoordinator, RequestState::DepartmentApproved) => Some("approve_as_coordinator"),
        _ => None,
    };
    let mut forms = Vec::new();
    let version = vec![("version".to_string(), view.version.to_string())];
    if let Some(step) = step {
        let mut approve = button(format!("/requests/{id}/decide"), tr.t("ui-approve"), true, version.clone());
        approve.hidden.push(("step".into(), step.into()));
        approve.inline = false;
        forms.push(approve);
        let mut reject = button(format!("/requests/{id}/decide"), tr.t("ui-reject"), false, version.clone());
        reject.hidden.push(("step".into(), "reject".into()));
        reject.inline = false;
        reject.fields.push(FieldSpec::new(tr, "comment", "textarea").hint(tr.t("ui-reject-hint")));
        forms.push(reject);
    }
    if r.state.is_open() && r.requested_by.id == actor.id {
        let mut cancel = button(format!("/requests/{id}/decide"), tr.t("ui-cancel-request"), false, version);
        cancel.hidden.push(("step".into(), "cancel".into()));
        forms.push(cancel);
    }
    if !forms.is_empty() {
        sections.push(Section { heading: tr.t("ui-decision"), forms, ..Default::default() });
    }
    sections.push(Section {
        heading: tr.t("ui-history"),
        table: Some(TableSpec {
            caption: tr.t("ui-history"),
            headers: vec![tr.t("ui-when"), tr.t("ui-who"), tr.t("field-state"), tr.t("field-comment")],
            rows: r
                .history
                .iter()
                .map(|h| {
                    vec![
                        cell(tr.time(&h.at)),
                        cell(format!("{} ({})", h.by.name, tr.role(&h.by.role))),
                        cell(tr.t(&format!("state-{}", h.state.as_str()))),
                        cell(h.comment.clone().unwrap_or_default()),
                    ]
                })
                .collect(),
            empty: tr.t("ui-none"),
            more: String::new(),
        }),
        ..Default::default()
    });
    let mut p = page(ctx, "ui-request-title", sections);
    p.success = success;
    p.error = error;
    render(&p)
}

#[derive(Deserialize)]
struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    comment: String,
}

async fn decide(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<DecideForm>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    let step = match f.step.as_str() {
        "approve_as_department" => Step::ApproveAsDepartment,
        "approve_as_coordinator" => Step::ApproveAsCoordinator,
        "reject" => Step::Reject,
        "cancel" => Step::Cancel,
        "submit" => Step::Submit,
        _ => return app_error_page(&ctx, AppError::NotFound),
    };
    let comment = Some(f.comment.trim().to_string()).filter(|c| !c.is_empty());
    match s.app.decide_request(&actor, id, step, comment, f.version).await {
        Ok(_) => Redirect::to(&format!("/requests/{id}?done={}", f.step)).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(&ctx, e),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            let mut res = show_request(&s, &ctx, &actor, id, None, Some(msg)).await;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            res
        }
    }
}

#[derive(Deserialize, Default, Clone)]
struct OrderForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    agreement_id: String,
    #[serde(default)]
    job_profile_id: String,
    #[serde(default)]
    system_id: String,
    #[serde(default)]
    wanted_start: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    urgent_reason: String,
    #[serde(default)]
    needs_assessment_ref: String,
    #[serde(default)]
    comment: String,
}

async fn order_form(State(s): State<AppState>, ctx: Ctx) -> Response {
    let actor = actor_or_return!(ctx);
    let f = OrderForm { wanted_start: s.app.now().date().to_string(), ..Default::default() };
    order_page(&s, &ctx, &actor, &f, None).await
}

async fn order_page(s: &AppState, ctx: &Ctx, actor: &Actor, f: &OrderForm, error: Option<FormError>) -> Response {
    let tr = &ctx.tr;
    let own = ListFilter { active: Some(true), supplier_id: actor.supplier(), ..Default::default() };
    let persons = options::<Person>(s, actor, own.clone()).await;
    let agreements = options::<Agreement>(s, actor, own).await;
    let job_profiles = options::<JobProfile>(s, actor, active_only()).await;
    let systems = options::<System>(s, actor, active_only()).await;
    let mut form = FormSpec {
        action: "/requests/new".into(),
        submit: tr.t("ui-submit-order"),
        button_class: "button-primary",
        fields: vec![
            FieldSpec::new(tr, "person_id", "select").required().options(persons, std::slice::from_ref(&f.person_id)),
            FieldSpec::new(tr, "agreement_id", "select").options(agreements, std::slice::from_ref(&f.agreement_id)),
            FieldSpec::new(tr, "job_profile_id", "select").required().options(job_profiles, std::slice::from_ref(&f.job_profile_id)),
            FieldSpec::new(tr, "system_id", "select").required().options(systems, std::slice::from_ref(&f.system_id)),
            FieldSpec::new(tr, "wanted_start", "date").required().value(&f.wanted_start),
            FieldSpec::new(tr, "end_date", "date").value(&f.end_date).hint(tr.t("ui-end-date-hint")),
            FieldSpec::new(tr, "urgent_reason", "textarea").value(&f.urgent_reason).hint(tr.t("ui-urgent-hint")),
            FieldSpec::new(tr, "needs_assessment_ref", "text").value(&f.needs_assessment_ref).hint(tr.t("ui-needs-assessment-hint")),
            FieldSpec::new(tr, "comment", "textarea").value(&f.comment),
        ],
        ..Default::default()
    };
    let mut forms = [std::mem::take(&mut form)];
    let msg = error.and_then(|e| attach_error(&mut forms, e));
    let failed = msg.is_some();
    let mut p = page(ctx, "ui-order-title", vec![Section { forms: forms.into_iter().collect(), ..Default::default() }]);
    p.intro = Some(tr.t("ui-order-intro"));
    p.error = msg;
    let mut res = render(&p);
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// Parses the order form at the edge: each field to its type, naming the field at fault.
fn parse_order(f: &OrderForm) -> Result<RequestInput, domain::error::FieldError> {
    use domain::error::FieldError;
    let id = |v: &str, field: &str, required: bool| -> Result<Option<Uuid>, FieldError> {
        match v.trim() {
            "" if required => Err(FieldError::new(field, domain::codes::MISSING_FIELD)),
            "" => Ok(None),
            x => Uuid::parse_str(x).map(Some).map_err(|_| FieldError::new(field, domain::codes::UNKNOWN_REFERENCE)),
        }
    };
    let date = |v: &str, field: &str| -> Result<Option<Date>, FieldError> {
        match v.trim() {
            "" => Ok(None),
            x => Date::parse(x).map(Some).map_err(|e| e.at(field)),
        }
    };
    let text = |v: &str, field: &str| -> Result<Option<Text>, FieldError> {
        match v.trim() {
            "" => Ok(None),
            x => Text::parse(x).map(Some).map_err(|e| e.at(field)),
        }
    };
    Ok(RequestInput {
        kind: RequestKind::NewAccount,
        person_id: id(&f.person_id, "person_id", true)?.unwrap_or_default(),
        system_id: id(&f.system_id, "system_id", true)?,
        account_id: None,
        agreement_id: id(&f.agreement_id, "agreement_id", false)?,
        job_profile_id: id(&f.job_profile_id, "job_profile_id", true)?,
        deviations: Vec::new(),
        wanted_start: date(&f.wanted_start, "wanted_start")?.ok_or(FieldError::new("wanted_start", domain::codes::MISSING_FIELD))?,
        end_date: date(&f.end_date, "end_date")?,
        urgent_reason: text(&f.urgent_reason, "urgent_reason")?,
        needs_assessment_ref: match f.needs_assessment_ref.trim() {
            "" => None,
            x => Some(Name::parse(x).map_err(|e| e.at("needs_assessment_ref"))?),
        },
        comment: text(&f.comment, "comment")?,
        draft: false,
    })
}

async fn order(State(s): State<AppState>, ctx: Ctx, Form(f): Form<OrderForm>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let input = match parse_order(&f) {
        Ok(i) => i,
        Err(e) => {
            let fe = form_error(&ctx, &s.catalog, AppError::Invalid(e));
            return order_page(&s, &ctx, &actor, &f, Some(fe)).await;
        }
    };
    match s.app.submit_request(&actor, input).await {
        Ok(v) => Redirect::to(&format!("/requests/{}?done=submitted", v.id)).into_response(),
        Err(e) => {
            let fe = form_error(&ctx, &s.catalog, e);
            order_page(&s, &ctx, &actor, &f, Some(fe)).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// The supplier's staff and their evidence (ACC-4).

async fn staff(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    let tr = &ctx.tr;
    let filter = ListFilter { active: Some(true), supplier_id: actor.supplier(), ..Default::default() };
    let list = match s.app.list::<Person>(&actor, &filter, page_request(&q)).await {
        Ok(l) => l,
        Err(e) => return app_error_page(&ctx, e),
    };
    let ids: Vec<Uuid> = list.items.iter().map(|p| p.id).collect();
    let evidence = match s.app.evidence_kinds(&actor, &ids).await {
        Ok(e) => e,
        Err(e) => return app_error_page(&ctx, e),
    };
    let mut rows = Vec::new();
    for p in &list.items {
        let has = |code: &str| evidence.get(&p.id).is_some_and(|k| k.iter().any(|x| x == code));
        let mut row = vec![cell(p.data.name.to_string())];
        for kind in [EvidenceKind::ConfidentialityDeclaration, EvidenceKind::Training, EvidenceKind::IdentityCheck] {
            let code = serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            if has(&code) {
                row.push(cell(tr.t("ui-recorded")));
            } else {
                let mut c = cell("");
                c.form = Some(button(
                    format!("/staff/{}/evidence", p.id),
                    tr.t(&format!("ui-record-{code}")),
                    false,
                    vec![("kind".into(), code)],
                ));
                row.push(c);
            }
        }
        let mut leaver = cell("");
        let mut f = button(format!("/staff/{}/leaver", p.id), tr.t("ui-report-leaver"), false, Vec::new());
        f.confirm = Some(tr.t1("ui-report-leaver-confirm", p.data.name.as_str()));
        leaver.form = Some(f);
        row.push(leaver);
        rows.push(row);
    }
    let more = if list.page < list.total_pages as u32 { format!("/staff?page={}", list.page + 1) } else { String::new() };
    let mut p = page(
        &ctx,
        "nav-staff",
        vec![Section {
            table: Some(TableSpec {
                caption: tr.t("nav-staff"),
                headers: vec![
                    tr.t("field-name"),
                    tr.t("evidence-confidentiality_declaration"),
                    tr.t("evidence-training"),
                    tr.t("evidence-identity_check"),
                ],
                rows,
                empty: tr.t("ui-none"),
                more,
            }),
            ..Default::default()
        }],
    );
    p.intro = Some(tr.t("ui-staff-intro"));
    if s.app.may(&actor, domain::authz::Action::Create, domain::authz::ResourceKind::Person) {
        p.actions = vec![("/registry/person/new".into(), tr.t("new-person"))];
    }
    p.success = done_message(&ctx, &q.done);
    render(&p)
}

#[derive(Deserialize)]
struct EvidenceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
}

async fn record_evidence(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<EvidenceForm>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    let Ok(kind) = serde_json::from_value::<EvidenceKind>(serde_json::json!(f.kind)) else {
        return app_error_page(&ctx, AppError::NotFound);
    };
    match s.app.record_evidence(&actor, id, kind, None).await {
        Ok(_) => Redirect::to("/staff?done=evidence").into_response(),
        Err(e) => app_error_page(&ctx, e),
    }
}

/// REQ-4: the orderer reports that a staff member has left; every account of theirs
/// ends at once (a termination needs no approval).
async fn report_leaver(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    let input = RequestInput {
        kind: RequestKind::Termination,
        person_id: id,
        system_id: None,
        account_id: None,
        agreement_id: None,
        job_profile_id: None,
        deviations: Vec::new(),
        wanted_start: s.app.now().date(),
        end_date: None,
        urgent_reason: None,
        needs_assessment_ref: None,
        comment: None,
        draft: false,
    };
    match s.app.submit_request(&actor, input).await {
        Ok(v) => Redirect::to(&format!("/requests/{}?done=leaver", v.id)).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(&ctx, e),
        Err(AppError::Invalid(fe)) if fe.field == "person_id" => app_error_page(&ctx, AppError::NotFound),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            super::error_page(&ctx, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &msg)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Accounts, revocation (security officer), manual provisioning tasks (IT operator).

async fn accounts(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    let tr = &ctx.tr;
    let pr = page_request(&q);
    let status: Vec<&'static str> = match q.state.as_deref().and_then(domain::account::AccountStatus::parse) {
        Some(st) => vec![st.as_str()],
        None => Vec::new(),
    };
    let query = store::AccountQuery { statuses: status, offset: pr.offset(), limit: pr.page_size, ..Default::default() };
    let (rows, total) = match s.app.list_accounts(&actor, query).await {
        Ok(x) => x,
        Err(e) => return app_error_page(&ctx, e),
    };
    let ids: Vec<Uuid> = rows.iter().flat_map(|a| [a.person_id, a.system_id]).collect();
    let names = s.app.names(&ids).await.unwrap_or_default();
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let table_rows = rows
        .iter()
        .map(|a| {
            vec![
                link(a.username.clone(), format!("/accounts/{}", a.id)),
                cell(name(&a.person_id)),
                cell(name(&a.system_id)),
                cell(tr.t(&format!("status-{}", a.status.as_str()))),
                cell(tr.date(&a.valid_from)),
                cell(tr.opt_date(&a.valid_to)),
            ]
        })
        .collect();
    let more = if pr.offset() + u64::from(pr.page_size) < total {
        format!("/accounts?page={}{}", pr.page + 1, q.state.as_ref().map(|s| format!("&state={s}")).unwrap_or_default())
    } else {
        String::new()
    };
    let mut p = page(
        &ctx,
        "nav-accounts",
        vec![Section {
            text: Some(tr.t1("ui-total", &tr.num(&total))),
            table: Some(TableSpec {
                caption: tr.t("nav-accounts"),
                headers: vec![
                    tr.t("field-username"),
                    tr.t("field-person_id"),
                    tr.t("field-system_id"),
                    tr.t("field-status"),
                    tr.t("field-valid_from"),
                    tr.t("field-valid_to"),
                ],
                rows: table_rows,
                empty: tr.t("ui-none"),
                more,
            }),
            ..Default::default()
        }],
    );
    p.success = done_message(&ctx, &q.done);
    render(&p)
}

async fn account_detail(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Query(q): Query<ListQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    let done = done_message(&ctx, &q.done);
    account_page(&s, &ctx, &actor, id, done, None).await
}

/// An account's page; `refused` is an order form sent back: its kind, values and error.
async fn account_page(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    success: Option<String>,
    refused: Option<(registry::Values, FormError)>,
) -> Response {
    let tr = &ctx.tr;
    let a = match s.app.account(actor, id).await {
        Ok(a) => a,
        Err(e) => return app_error_page(ctx, e),
    };
    let mut ids = vec![a.person_id, a.system_id];
    ids.extend(a.roles.iter().map(|r| r.0));
    ids.extend(a.roles.iter().filter_map(|r| r.1));
    let names = s.app.names(&ids).await.unwrap_or_default();
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let facts = vec![
        (tr.t("field-username"), a.username.clone()),
        (tr.t("field-person_id"), name(&a.person_id)),
        (tr.t("field-system_id"), name(&a.system_id)),
        (tr.t("field-status"), tr.t(&format!("status-{}", a.status.as_str()))),
        (tr.t("field-valid_from"), tr.date(&a.valid_from)),
        (tr.t("field-valid_to"), tr.opt_date(&a.valid_to)),
        (tr.t("ui-roles"), a.roles.iter().map(|r| name(&r.0)).collect::<Vec<_>>().join(", ")),
        (tr.t("ui-last-activity"), tr.opt_time(&a.last_activity_at)),
    ];
    let mut sections = vec![Section { heading: tr.t("ui-account-facts"), facts, ..Default::default() }];
    // SEC-3: immediate revocation by the security officer (and the coordinator).
    if matches!(actor.role, UserRole::SecurityOfficer | UserRole::SecurityCoordinator)
        && a.status != domain::account::AccountStatus::Terminated
    {
        let mut f = button(format!("/accounts/{id}/revoke"), tr.t("ui-revoke"), true, Vec::new());
        f.inline = false;
        f.button_class = "button-primary pv-danger";
        f.fields.push(FieldSpec::new(tr, "reason", "textarea").required());
        sections.push(Section {
            heading: tr.t("ui-revoke-heading"),
            text: Some(tr.t("ui-revoke-intro")),
            forms: vec![f],
            ..Default::default()
        });
    }
    let mut error = None;
    if a.status.is_live() && s.app.may(actor, domain::authz::Action::Create, domain::authz::ResourceKind::Request) {
        let current: Vec<(String, String)> = {
            let mut ps: Vec<Uuid> = a.roles.iter().filter_map(|r| r.1).collect();
            ps.sort();
            ps.dedup();
            ps.iter().map(|p| (p.to_string(), name(p))).collect()
        };
        let system_profiles =
            options::<Profile>(s, actor, ListFilter { active: Some(true), refers_to: Some(a.system_id), ..Default::default() }).await;
        let job_profiles = options::<JobProfile>(s, actor, active_only()).await;
        let preset = s.app.active_preset().await.ok();
        let lead = |days: fn(&domain::policy::LeadTimes) -> u32| {
            let d = preset.as_ref().map(|p| days(&p.policy.lead_times)).unwrap_or(0);
            (s.app.now().date().0 + chrono::Duration::days(i64::from(d))).to_string()
        };
        let mut forms =
            order_forms(tr, id, &current, system_profiles, job_profiles, lead(|l| l.change_days.value), lead(|l| l.extension_days.value));
        if let Some((values, e)) = refused {
            let kind = values.get("kind").and_then(|v| v.first()).cloned().unwrap_or_default();
            if let Some(f) = forms.iter_mut().find(|f| f.hidden.iter().any(|(k, v)| k == "kind" && *v == kind)) {
                refill(f, &values);
                error = attach_error(std::slice::from_mut(f), e);
            }
        }
        sections.push(Section {
            heading: tr.t("ui-order-change-heading"),
            text: Some(tr.t("ui-order-change-intro")),
            forms,
            ..Default::default()
        });
    }
    let mut p = page(ctx, "ui-account-title", sections);
    p.success = success;
    let failed = error.is_some();
    p.error = error;
    let mut res = render(&p);
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// The orders about one account (REQ-1): a change of roles from a job profile or the
/// current roles with additions and removals (each with the reason), an extension, and
/// the end of this one account.
fn order_forms(
    tr: &Tr,
    id: Uuid,
    current: &[(String, String)],
    system_profiles: Vec<(String, String)>,
    job_profiles: Vec<(String, String)>,
    change_start: String,
    extension_start: String,
) -> Vec<FormSpec> {
    let form = |kind: &str, submit: &str, button_class: &'static str, fields: Vec<FieldSpec>| FormSpec {
        method: "post",
        action: format!("/accounts/{id}/order"),
        submit: tr.t(submit),
        button_class,
        hidden: vec![("kind".into(), kind.into())],
        fields,
        ..Default::default()
    };
    let addable: Vec<(String, String)> = system_profiles.into_iter().filter(|(p, _)| !current.iter().any(|(c, _)| c == p)).collect();
    let change = form(
        "change_roles",
        "ui-order-change-roles",
        "button-primary",
        vec![
            FieldSpec::new(tr, "job_profile_id", "select").options(job_profiles, &[]).hint(tr.t("ui-change-job-profile-hint")),
            FieldSpec::new(tr, "add_profiles", "checkboxes").options(addable, &[]),
            FieldSpec::new(tr, "remove_profiles", "checkboxes").options(current.to_vec(), &[]),
            FieldSpec::new(tr, "deviation_reason", "textarea").hint(tr.t("ui-deviation-reason-hint")),
            FieldSpec::new(tr, "wanted_start", "date").required().value(&change_start),
            FieldSpec::new(tr, "urgent_reason", "textarea").hint(tr.t("ui-urgent-hint")),
            FieldSpec::new(tr, "needs_assessment_ref", "text").hint(tr.t("ui-needs-assessment-hint")),
            FieldSpec::new(tr, "comment", "textarea"),
        ],
    );
    let extension = form(
        "extension",
        "ui-order-extension",
        "button-secondary",
        vec![
            FieldSpec::new(tr, "end_date", "date").required(),
            FieldSpec::new(tr, "wanted_start", "date").required().value(&extension_start),
            FieldSpec::new(tr, "urgent_reason", "textarea").hint(tr.t("ui-urgent-hint")),
            FieldSpec::new(tr, "comment", "textarea"),
        ],
    );
    let mut end = form("termination", "ui-order-termination", "button-primary pv-danger", vec![FieldSpec::new(tr, "comment", "textarea")]);
    end.confirm = Some(tr.t("ui-order-termination-confirm"));
    vec![change, extension, end]
}

/// Puts posted values back into a form that was refused.
fn refill(f: &mut FormSpec, values: &registry::Values) {
    for fld in &mut f.fields {
        let vals = values.get(&fld.name).cloned().unwrap_or_default();
        if fld.options.is_empty() {
            fld.value = vals.first().cloned().unwrap_or_default();
        } else {
            for o in &mut fld.options {
                o.2 = vals.contains(&o.0);
            }
        }
    }
}

/// Parses an order about one account at the edge, naming the field at fault.
fn parse_account_order(
    values: &registry::Values,
    person_id: Uuid,
    account_id: Uuid,
    today: Date,
) -> Result<RequestInput, domain::error::FieldError> {
    use domain::error::FieldError;
    let one = |name: &str| values.get(name).and_then(|v| v.first()).map(|v| v.trim().to_string()).unwrap_or_default();
    let date = |name: &str| -> Result<Option<Date>, FieldError> {
        match one(name).as_str() {
            "" => Ok(None),
            x => Date::parse(x).map(Some).map_err(|e| e.at(name)),
        }
    };
    let text = |name: &str| -> Result<Option<Text>, FieldError> {
        match one(name).as_str() {
            "" => Ok(None),
            x => Text::parse(x).map(Some).map_err(|e| e.at(name)),
        }
    };
    let ids = |name: &str| -> Result<Vec<Uuid>, FieldError> {
        values
            .get(name)
            .into_iter()
            .flatten()
            .map(|v| Uuid::parse_str(v.trim()).map_err(|_| FieldError::new(name, domain::codes::UNKNOWN_REFERENCE)))
            .collect()
    };
    let kind = match one("kind").as_str() {
        "change_roles" => RequestKind::ChangeRoles,
        "extension" => RequestKind::Extension,
        "termination" => RequestKind::Termination,
        _ => return Err(FieldError::new("kind", domain::codes::MISSING_FIELD)),
    };
    let mut deviations = Vec::new();
    if kind == RequestKind::ChangeRoles {
        let (add, remove) = (ids("add_profiles")?, ids("remove_profiles")?);
        if !add.is_empty() || !remove.is_empty() {
            let reason = text("deviation_reason")?.ok_or(FieldError::new("deviation_reason", domain::codes::REASON_REQUIRED))?;
            for (list, is_add) in [(add, true), (remove, false)] {
                deviations.extend(list.into_iter().map(|profile_id| domain::request::Deviation {
                    profile_id,
                    add: is_add,
                    reason: reason.clone(),
                }));
            }
        }
    }
    let job_profile_id = match one("job_profile_id").as_str() {
        "" => None,
        x => Some(Uuid::parse_str(x).map_err(|_| FieldError::new("job_profile_id", domain::codes::UNKNOWN_REFERENCE))?),
    };
    let wanted_start = match kind {
        RequestKind::Termination => today,
        _ => date("wanted_start")?.ok_or(FieldError::new("wanted_start", domain::codes::MISSING_FIELD))?,
    };
    Ok(RequestInput {
        kind,
        person_id,
        system_id: None,
        account_id: Some(account_id),
        agreement_id: None,
        job_profile_id: if kind == RequestKind::ChangeRoles { job_profile_id } else { None },
        deviations,
        wanted_start,
        end_date: if kind == RequestKind::Extension { date("end_date")? } else { None },
        urgent_reason: if kind == RequestKind::Termination { None } else { text("urgent_reason")? },
        needs_assessment_ref: match one("needs_assessment_ref").as_str() {
            "" => None,
            x => Some(Name::parse(x).map_err(|e| e.at("needs_assessment_ref"))?),
        },
        comment: text("comment")?,
        draft: false,
    })
}

async fn order_for_account(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, RawForm(body): RawForm) -> Response {
    let values = registry::values_from_post(&body);
    let token = values.get("csrf").and_then(|v| v.first()).cloned().unwrap_or_default();
    csrf_or_return!(ctx, &token);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    let account = match s.app.account(&actor, id).await {
        Ok(a) => a,
        Err(e) => return app_error_page(&ctx, e),
    };
    let submitted = match parse_account_order(&values, account.person_id, id, s.app.now().date()) {
        Ok(input) => s.app.submit_request(&actor, input).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match submitted {
        Ok(v) => {
            let done = if v.request.kind == RequestKind::Termination { "account_ended" } else { "submitted" };
            Redirect::to(&format!("/requests/{}?done={done}", v.id)).into_response()
        }
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(&ctx, e),
        Err(e) => {
            let fe = form_error(&ctx, &s.catalog, e);
            account_page(&s, &ctx, &actor, id, None, Some((values, fe))).await
        }
    }
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn revoke(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<ReasonForm>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    if f.reason.trim().is_empty() {
        let msg = form_error(&ctx, &s.catalog, AppError::Invalid(domain::error::FieldError::new("reason", domain::codes::REASON_REQUIRED)))
            .message;
        return super::error_page(&ctx, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &msg);
    }
    match s.app.revoke_account(&actor, id, f.reason.trim()).await {
        Ok(_) => Redirect::to(&format!("/accounts/{id}?done=revoked")).into_response(),
        Err(e) => app_error_page(&ctx, e),
    }
}

async fn tasks(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    let tr = &ctx.tr;
    let list = match s.app.list_tasks(&actor, Some("open")).await {
        Ok(l) => l,
        Err(e) => return app_error_page(&ctx, e),
    };
    let ids: Vec<Uuid> = list.iter().map(|t| t.system_id).collect();
    let names = s.app.names(&ids).await.unwrap_or_default();
    let rows = list
        .iter()
        .map(|t| {
            let username = t.details.get("username").and_then(|v| v.as_str()).unwrap_or("").to_string();
            let mut confirm = cell("");
            confirm.form = Some(button(format!("/tasks/{}/confirm", t.id), tr.t("ui-confirm-done"), true, Vec::new()));
            vec![
                cell(names.get(&t.system_id).cloned().unwrap_or_default()),
                cell(tr.t(&format!("action-{}", t.action))),
                cell(username),
                cell(tr.time(&t.created_at)),
                confirm,
            ]
        })
        .collect();
    let mut p = page(
        &ctx,
        "nav-tasks",
        vec![Section {
            table: Some(TableSpec {
                caption: tr.t("nav-tasks"),
                headers: vec![tr.t("field-system_id"), tr.t("ui-task"), tr.t("field-username"), tr.t("ui-when"), String::new()],
                rows,
                empty: tr.t("ui-no-tasks"),
                more: String::new(),
            }),
            ..Default::default()
        }],
    );
    p.intro = Some(tr.t("ui-tasks-intro"));
    p.success = done_message(&ctx, &q.done);
    render(&p)
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn confirm_task(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    match s.app.confirm_task(&actor, id, None).await {
        Ok(_) => {
            // The account becomes active by the same path a connector's success takes.
            if let Err(e) = s.app.process_outbox().await {
                tracing::warn!(error = %e, "outbox run after a confirmed task failed");
            }
            Redirect::to("/tasks?done=task").into_response()
        }
        Err(e) => app_error_page(&ctx, e),
    }
}

// ---------------------------------------------------------------------------------------
// Emergency temp accounts (EMG-1/2): the local administrator's page, usable on a tablet
// at night; the coordinator's reconciliation.

#[derive(Deserialize, Default)]
struct EmergencyForm {
    csrf: String,
    name: String,
    valid_to: String,
    profiles: Vec<String>,
}

fn parse_emergency_form(body: &[u8]) -> EmergencyForm {
    let mut f = EmergencyForm::default();
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "csrf" => f.csrf = v.into_owned(),
            "name" => f.name = v.into_owned(),
            "valid_to" => f.valid_to = v.into_owned(),
            "profiles" => f.profiles.push(v.into_owned()),
            _ => {}
        }
    }
    f
}

async fn emergency(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    let f = EmergencyForm { valid_to: s.app.now().date().to_string(), ..Default::default() };
    emergency_page(&s, &ctx, &actor, &f, None, done_message(&ctx, &q.done)).await
}

async fn emergency_page(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    f: &EmergencyForm,
    error: Option<FormError>,
    success: Option<String>,
) -> Response {
    let tr = &ctx.tr;
    let mut sections = Vec::new();
    if actor.role == UserRole::LocalAdministrator {
        let scope = s.app.active_preset().await.map(|p| p.policy.emergency.scope.value).unwrap_or_default();
        let page_all = PageRequest { page: 1, page_size: domain::paging::MAX_PAGE_SIZE };
        let profiles: Vec<(String, String)> = match s.app.list::<Profile>(actor, &active_only(), page_all).await {
            Ok(p) => p
                .items
                .into_iter()
                .filter(|e| scope.iter().any(|c| c.eq_ignore_ascii_case(e.data.code.as_str())))
                .map(|e| (e.id.to_string(), e.data.display_name()))
                .collect(),
            Err(_) => Vec::new(),
        };
        let form = FormSpec {
            action: "/emergency".into(),
            submit: tr.t("ui-create-emergency"),
            button_class: "button-primary",
            fields: vec![
                FieldSpec::new(tr, "name", "text").required().value(&f.name),
                FieldSpec::new(tr, "profiles", "checkboxes").options(profiles, &f.profiles).hint(tr.t("ui-emergency-scope-hint")),
                FieldSpec::new(tr, "valid_to", "date").required().value(&f.valid_to),
            ],
            ..Default::default()
        };
        let mut forms = [form];
        let msg = error.and_then(|e| attach_error(&mut forms, e));
        sections.push(Section {
            heading: tr.t("ui-new-emergency"),
            text: Some(tr.t("ui-emergency-intro")),
            forms: forms.into_iter().collect(),
            ..Default::default()
        });
        let mut p_error = msg;
        let query = store::AccountQuery { kind: Some("emergency"), limit: 50, ..Default::default() };
        if let Ok((rows, _)) = s.app.list_accounts(actor, query).await {
            let names = s.app.names(&rows.iter().map(|a| a.person_id).collect::<Vec<_>>()).await.unwrap_or_default();
            sections.push(Section {
                heading: tr.t("ui-emergency-list"),
                table: Some(TableSpec {
                    caption: tr.t("ui-emergency-list"),
                    headers: vec![tr.t("field-name"), tr.t("field-username"), tr.t("field-status"), tr.t("field-valid_to")],
                    rows: rows
                        .iter()
                        .map(|a| {
                            vec![
                                cell(names.get(&a.person_id).cloned().unwrap_or_default()),
                                cell(a.username.clone()),
                                cell(tr.t(&format!("status-{}", a.status.as_str()))),
                                cell(tr.opt_date(&a.valid_to)),
                            ]
                        })
                        .collect(),
                    empty: tr.t("ui-none"),
                    more: String::new(),
                }),
                ..Default::default()
            });
        }
        let mut p = page(ctx, "nav-emergency", sections);
        p.success = success;
        p.error = p_error.take();
        let failed = p.error.is_some();
        let mut res = render(&p);
        if failed {
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        }
        return res;
    }
    // The coordinator's reconciliation and sign-off (EMG-2).
    let lines = match s.app.emergency_reconciliation(actor).await {
        Ok(l) => l,
        Err(e) => return app_error_page(ctx, e),
    };
    let rows = lines
        .iter()
        .map(|l| {
            let mut action = cell(l.signed_off_by.clone().map(|b| format!("{} {}", tr.t("ui-signed-off-by"), b)).unwrap_or_default());
            if l.signed_off_at.is_none() {
                action.form = Some(button(format!("/emergency/{}/sign-off", l.account_id), tr.t("ui-sign-off"), true, Vec::new()));
            }
            vec![
                cell(l.person_name.clone()),
                cell(l.username.clone()),
                cell(l.created_by.clone().unwrap_or_default()),
                cell(tr.time(&l.created_at)),
                cell(tr.opt_time(&l.signoff_due) + if l.overdue { " ⚑" } else { "" }),
                action,
            ]
        })
        .collect();
    sections.push(Section {
        table: Some(TableSpec {
            caption: tr.t("ui-reconciliation"),
            headers: vec![
                tr.t("field-name"),
                tr.t("field-username"),
                tr.t("ui-created-by"),
                tr.t("ui-when"),
                tr.t("ui-signoff-due"),
                String::new(),
            ],
            rows,
            empty: tr.t("ui-none"),
            more: String::new(),
        }),
        ..Default::default()
    });
    let mut p = page(ctx, "ui-reconciliation", sections);
    p.success = success;
    render(&p)
}

async fn create_emergency(State(s): State<AppState>, ctx: Ctx, RawForm(body): RawForm) -> Response {
    let f = parse_emergency_form(&body);
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let parsed = (|| -> Result<EmergencyInput, domain::error::FieldError> {
        let name = Name::parse(&f.name).map_err(|e| e.at("name"))?;
        let valid_to = Date::parse(&f.valid_to).map_err(|e| e.at("valid_to"))?;
        let profiles = f
            .profiles
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Uuid::parse_str(p).map_err(|_| domain::error::FieldError::new(format!("profiles[{i}]"), domain::codes::UNKNOWN_REFERENCE))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EmergencyInput { name, profiles, valid_to })
    })();
    let result = match parsed {
        Ok(input) => s.app.create_emergency_account(&actor, input).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(_) => Redirect::to("/emergency?done=emergency").into_response(),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => app_error_page(&ctx, e),
        Err(e) => {
            let fe = form_error(&ctx, &s.catalog, e);
            emergency_page(&s, &ctx, &actor, &f, Some(fe), None).await
        }
    }
}

async fn sign_off(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    match s.app.sign_off_emergency(&actor, id).await {
        Ok(_) => Redirect::to("/emergency?done=signed_off").into_response(),
        Err(e) => app_error_page(&ctx, e),
    }
}

// ---------------------------------------------------------------------------------------
// The registry: lists here, each record's page and form in `registry`.

mod registry;

#[derive(Deserialize, Default)]
struct RegistryQuery {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    q: Option<String>,
}

async fn registry_table<R: Record>(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    q: &RegistryQuery,
    describe: impl Fn(&R) -> String,
) -> Result<TableSpec, AppError> {
    let tr = &ctx.tr;
    let page = PageRequest::new(q.page, Some(50)).unwrap_or(PageRequest { page: 1, page_size: 50 });
    let search = q.q.clone().filter(|x| !x.trim().is_empty());
    let filter = ListFilter { q: search.clone(), ..Default::default() };
    let list = s.app.list::<R>(actor, &filter, page).await?;
    let kind = R::KIND.as_str();
    let search_param = search.map(|x| format!("&q={}", super::urlencode(&x))).unwrap_or_default();
    Ok(TableSpec {
        caption: tr.t(&format!("registry-{kind}")),
        headers: vec![tr.t("field-name"), tr.t("ui-details"), tr.t("ui-active")],
        rows: list
            .items
            .iter()
            .map(|e| {
                vec![
                    link(e.data.display_name(), registry::href(kind, e.id)),
                    cell(describe(&e.data)),
                    cell(tr.t(if e.active { "ui-yes" } else { "ui-no" })),
                ]
            })
            .collect(),
        empty: tr.t("ui-none"),
        more: if list.page < list.total_pages as u32 {
            format!("/registry?kind={kind}&page={}{search_param}", list.page + 1)
        } else {
            String::new()
        },
    })
}

async fn registry(State(s): State<AppState>, ctx: Ctx, Query(q): Query<RegistryQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    let tr = &ctx.tr;
    let kind = q.kind.clone().unwrap_or_else(|| "supplier".into());
    let table = match kind.as_str() {
        "supplier" => registry_table::<Supplier>(&s, &ctx, &actor, &q, |r| String::from(r.org_number.clone())).await,
        "orderer" => {
            registry_table::<domain::registry::Orderer>(&s, &ctx, &actor, &q, |r| {
                format!("{} – {}", tr.date(&r.valid_from), tr.opt_date(&r.valid_to))
            })
            .await
        }
        "agreement" => {
            registry_table::<Agreement>(&s, &ctx, &actor, &q, |r| format!("{} – {}", tr.date(&r.valid_from), tr.date(&r.valid_to))).await
        }
        "system" => registry_table::<System>(&s, &ctx, &actor, &q, |r| r.code.to_string()).await,
        "role" => registry_table::<domain::registry::Role>(&s, &ctx, &actor, &q, |r| r.code.to_string()).await,
        "profile" => registry_table::<Profile>(&s, &ctx, &actor, &q, |r| r.code.to_string()).await,
        "job_profile" => registry_table::<JobProfile>(&s, &ctx, &actor, &q, |r| r.code.to_string()).await,
        "department" => registry_table::<Department>(&s, &ctx, &actor, &q, |r| r.code.to_string()).await,
        "person" => {
            registry_table::<Person>(&s, &ctx, &actor, &q, |r| {
                if r.national_id_on_file { tr.t("ui-national-id-on-file") } else { String::new() }
            })
            .await
        }
        _ => Err(AppError::NotFound),
    };
    let table = match table {
        Ok(t) => t,
        Err(e) => return app_error_page(&ctx, e),
    };
    let links = registry::KINDS
        .iter()
        .map(|k| {
            let href = if *k == "municipality" { registry::municipality_href() } else { format!("/registry?kind={k}") };
            vec![link(tr.t(&format!("registry-{k}")), href)]
        })
        .collect();
    let search = FormSpec {
        method: "get",
        action: "/registry".into(),
        submit: tr.t("ui-search"),
        inline: true,
        hidden: vec![("kind".into(), kind.clone())],
        fields: vec![FieldSpec::new(tr, "q", "text").value(q.q.as_deref().unwrap_or(""))],
        ..Default::default()
    };
    let mut p = page(
        &ctx,
        "nav-registry",
        vec![
            Section { heading: tr.t(&format!("registry-{kind}")), table: Some(table), forms: vec![search], ..Default::default() },
            Section {
                heading: tr.t("ui-registry-kinds"),
                table: Some(TableSpec {
                    caption: tr.t("ui-registry-kinds"),
                    headers: vec![tr.t("ui-kind")],
                    rows: links,
                    empty: String::new(),
                    more: String::new(),
                }),
                ..Default::default()
            },
        ],
    );
    let may_create = registry::kind_of(&kind).is_some_and(|k| s.app.may(&actor, domain::authz::Action::Create, k));
    if may_create {
        p.actions = vec![(format!("/registry/{kind}/new"), tr.t(&format!("new-{kind}")))];
    }
    p.intro = Some(tr.t("ui-registry-intro"));
    render(&p)
}

// ---------------------------------------------------------------------------------------
// The audit log: search (LOG-6) and the citizen extract. Both are audited.

#[derive(Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: Option<u64>,
}

async fn audit_search(State(s): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    if let Err(e) = s.app.may_search_audit(&actor) {
        return app_error_page(&ctx, e);
    }
    let tr = &ctx.tr;
    let form = FormSpec {
        action: "/audit".into(),
        submit: tr.t("ui-search"),
        button_class: "button-primary",
        fields: vec![
            FieldSpec::new(tr, "subject", "text").value(&q.subject).hint(tr.t("ui-subject-hint")),
            FieldSpec::new(tr, "action", "text").value(&q.action),
            FieldSpec::new(tr, "from", "date").value(&q.from),
            FieldSpec::new(tr, "to", "date").value(&q.to),
        ],
        ..Default::default()
    };
    let searched = !(q.subject.is_empty() && q.action.is_empty() && q.from.is_empty() && q.to.is_empty() && q.before.is_none());
    let mut error = None;
    let mut sections = vec![Section { heading: tr.t("ui-audit-search"), forms: vec![get_form(form)], ..Default::default() }];
    if searched {
        let day = |v: &str, end: bool, field: &str| -> Result<Option<domain::time::Timestamp>, domain::error::FieldError> {
            match v.trim() {
                "" => Ok(None),
                x => {
                    let d = Date::parse(x).map_err(|e| e.at(field))?;
                    let t = if end { d.0.and_hms_opt(23, 59, 59) } else { d.0.and_hms_opt(0, 0, 0) };
                    Ok(t.map(|t| domain::time::Timestamp(t.and_utc())))
                }
            }
        };
        let filter = (|| -> Result<AuditFilter, domain::error::FieldError> {
            Ok(AuditFilter {
                subject: Some(q.subject.trim().to_string()).filter(|x| !x.is_empty()),
                action: Some(q.action.trim().to_string()).filter(|x| !x.is_empty()),
                from: day(&q.from, false, "from")?,
                to: day(&q.to, true, "to")?,
                before: q.before,
                limit: 50,
                ..Default::default()
            })
        })();
        let result = match filter {
            Ok(f) => s.app.audit_events(&actor, &f, false).await,
            Err(e) => Err(AppError::Invalid(e)),
        };
        match result {
            Ok(page_) => {
                let rows = page_
                    .items
                    .iter()
                    .map(|e| {
                        vec![
                            cell(e.occurred_at.clone()),
                            cell(e.actor_name.clone().unwrap_or_else(|| e.actor.clone())),
                            cell(e.action.clone()),
                            cell(e.subject.clone().unwrap_or_default()),
                            cell(e.outcome.clone()),
                            cell(e.source.clone()),
                        ]
                    })
                    .collect();
                let more = match page_.next {
                    Some(b) => format!(
                        "/audit?subject={}&action={}&from={}&to={}&before={b}",
                        super::urlencode(&q.subject),
                        super::urlencode(&q.action),
                        super::urlencode(&q.from),
                        super::urlencode(&q.to)
                    ),
                    None => String::new(),
                };
                sections.push(Section {
                    id: Some("audit-results"),
                    heading: tr.t("ui-results"),
                    table: Some(TableSpec {
                        caption: tr.t("ui-results"),
                        headers: vec![
                            tr.t("ui-when"),
                            tr.t("ui-who"),
                            tr.t("field-action"),
                            tr.t("field-subject"),
                            tr.t("ui-outcome"),
                            tr.t("ui-source"),
                        ],
                        rows,
                        empty: tr.t("ui-none"),
                        more,
                    }),
                    ..Default::default()
                });
            }
            Err(e @ (AppError::Forbidden | AppError::NotFound)) => return app_error_page(&ctx, e),
            Err(e) => {
                let msg = form_error(&ctx, &s.catalog, e).message;
                sections.push(Section {
                    id: Some("audit-results"),
                    heading: tr.t("ui-results"),
                    text: Some(msg.clone()),
                    ..Default::default()
                });
                error = Some(msg);
            }
        }
    } else {
        sections.push(Section { id: Some("audit-results"), ..Default::default() });
    }
    if matches!(actor.role, UserRole::Dpo | UserRole::SecurityOfficer) {
        let form = FormSpec {
            action: "/audit/extracts".into(),
            submit: tr.t("ui-create-extract"),
            button_class: "button-secondary",
            fields: vec![FieldSpec::new(tr, "subject", "text").required()],
            ..Default::default()
        };
        sections.push(Section {
            heading: tr.t("ui-extract"),
            text: Some(tr.t("ui-extract-intro")),
            forms: vec![form],
            ..Default::default()
        });
    }
    let mut p = page(&ctx, "nav-audit", sections);
    p.error = error;
    render(&p)
}

/// A search form: GET, no form token needed (it changes nothing but the audit trail of
/// who searched, which the use-case writes itself).
fn get_form(mut f: FormSpec) -> FormSpec {
    f.method = "get";
    f.partial = Some("audit-results");
    f
}

#[derive(Deserialize)]
struct ExtractForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    subject: String,
}

async fn create_extract(State(s): State<AppState>, ctx: Ctx, Form(f): Form<ExtractForm>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    match s.app.create_extract(&actor, &f.subject).await {
        Ok(id) => Redirect::to(&format!("/audit/extracts/{id}")).into_response(),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => app_error_page(&ctx, e),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            super::error_page(&ctx, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &msg)
        }
    }
}

async fn extract(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let actor = actor_or_return!(ctx);
    let tr = &ctx.tr;
    let id = id_or_return!(ctx, id);
    let x = match s.app.citizen_extract(&actor, id).await {
        Ok(x) => x,
        Err(e) => return app_error_page(&ctx, e),
    };
    let rows = x
        .entries
        .iter()
        .map(|e| {
            vec![
                cell(e.occurred_at.clone()),
                cell(e.organisation.clone()),
                cell(e.person.clone().unwrap_or_else(|| tr.t("ui-name-withheld"))),
                cell(e.action.clone()),
                cell(e.system.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let mut forms = Vec::new();
    if !x.names_approved && x.created_by != actor.id {
        let mut f = button(format!("/audit/extracts/{id}/approve-names"), tr.t("ui-approve-names"), true, Vec::new());
        f.confirm = Some(tr.t("ui-approve-names-confirm"));
        forms.push(f);
    }
    let p = page(
        &ctx,
        "ui-extract",
        vec![Section {
            forms,
            text: Some(tr.t(if x.names_approved { "ui-extract-names-approved" } else { "ui-extract-names-pending" })),
            table: Some(TableSpec {
                caption: tr.t("ui-extract"),
                headers: vec![tr.t("ui-when"), tr.t("ui-organisation"), tr.t("ui-person"), tr.t("field-action"), tr.t("field-system_id")],
                rows,
                empty: tr.t("ui-none"),
                more: String::new(),
            }),
            ..Default::default()
        }],
    );
    render(&p)
}

/// a second DPO or security officer approves showing the accessing persons' names
/// (the use-case refuses the extract's own creator).
async fn approve_extract_names(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    match s.app.approve_extract_names(&actor, id).await {
        Ok(()) => Redirect::to(&format!("/audit/extracts/{id}")).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(&ctx, e),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            super::error_page(&ctx, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &msg)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Users of Portvagt and their sessions (administrators, X-8).

#[derive(Deserialize, Default)]
struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    supplier_id: String,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    oidc_subject: String,
}

async fn users(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    users_page(&s, &ctx, &actor, &UserForm::default(), None, done_message(&ctx, &q.done)).await
}

async fn users_page(s: &AppState, ctx: &Ctx, actor: &Actor, f: &UserForm, error: Option<FormError>, success: Option<String>) -> Response {
    let tr = &ctx.tr;
    let list = match s.app.users(actor).await {
        Ok(l) => l,
        Err(e) => return app_error_page(ctx, e),
    };
    let rows = list
        .iter()
        .map(|u| {
            let mut end = cell(tr.num(&u.open_sessions));
            if u.open_sessions > 0 {
                end.form = Some(button(format!("/admin/users/{}/end-sessions", u.user.id), tr.t("ui-end-sessions"), false, Vec::new()));
            }
            vec![
                cell(u.user.username.clone()),
                cell(u.user.display_name.clone()),
                cell(tr.role(&u.user.role)),
                cell(tr.t(if u.user.totp_confirmed { "ui-yes" } else { "ui-no" })),
                end,
            ]
        })
        .collect();
    let roles: Vec<(String, String)> =
        UserRole::ALL.iter().filter(|r| **r != UserRole::TargetSystem).map(|r| (r.as_str().to_string(), tr.role(r))).collect();
    let suppliers = options::<Supplier>(s, actor, active_only()).await;
    let departments = options::<Department>(s, actor, active_only()).await;
    let form = FormSpec {
        action: "/admin/users".into(),
        submit: tr.t("ui-create-user"),
        button_class: "button-primary",
        fields: vec![
            FieldSpec::new(tr, "username", "text").required().value(&f.username),
            FieldSpec::new(tr, "display_name", "text").required().value(&f.display_name),
            FieldSpec::new(tr, "role", "select").required().options(roles, std::slice::from_ref(&f.role)),
            FieldSpec::new(tr, "supplier_id", "select")
                .options(suppliers, std::slice::from_ref(&f.supplier_id))
                .hint(tr.t("ui-supplier-hint")),
            FieldSpec::new(tr, "department_id", "select").options(departments, std::slice::from_ref(&f.department_id)),
            FieldSpec::new(tr, "person_id", "text").value(&f.person_id).hint(tr.t("ui-person-id-hint")),
            FieldSpec::new(tr, "oidc_subject", "text").value(&f.oidc_subject).hint(tr.t("ui-oidc-subject-hint")),
        ],
        ..Default::default()
    };
    let mut forms = [form];
    let msg = error.and_then(|e| attach_error(&mut forms, e));
    let failed = msg.is_some();
    let mut p = page(
        ctx,
        "nav-users",
        vec![
            Section {
                table: Some(TableSpec {
                    caption: tr.t("nav-users"),
                    headers: vec![
                        tr.t("field-username"),
                        tr.t("field-display_name"),
                        tr.t("field-role"),
                        tr.t("ui-totp"),
                        tr.t("ui-open-sessions"),
                    ],
                    rows,
                    empty: tr.t("ui-none"),
                    more: String::new(),
                }),
                ..Default::default()
            },
            Section { heading: tr.t("ui-create-user"), forms: forms.into_iter().collect(), ..Default::default() },
        ],
    );
    p.error = msg;
    p.success = success;
    let mut res = render(&p);
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn create_user(State(s): State<AppState>, ctx: Ctx, Form(f): Form<UserForm>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let opt_id = |v: &str, field: &str| -> Result<Option<Uuid>, domain::error::FieldError> {
        match v.trim() {
            "" => Ok(None),
            x => Uuid::parse_str(x).map(Some).map_err(|_| domain::error::FieldError::new(field, domain::codes::UNKNOWN_REFERENCE)),
        }
    };
    let parsed = (|| -> Result<UserInput, domain::error::FieldError> {
        Ok(UserInput {
            username: f.username.clone(),
            display_name: f.display_name.clone(),
            role: UserRole::parse(&f.role)
                .ok_or_else(|| domain::error::FieldError::with("role", domain::codes::UNKNOWN_ROLE, f.role.clone()))?,
            supplier_id: opt_id(&f.supplier_id, "supplier_id")?,
            department_id: opt_id(&f.department_id, "department_id")?,
            person_id: opt_id(&f.person_id, "person_id")?,
            oidc_subject: Some(f.oidc_subject.clone()),
        })
    })();
    let result = match parsed {
        Ok(input) => s.app.create_user(&actor, input).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok((user, password)) => {
            let msg = ctx.tr.catalog.text(ctx.tr.lang, "ui-user-created", &[("arg", user.username.as_str()), ("arg2", password.as_str())]);
            users_page(&s, &ctx, &actor, &UserForm::default(), None, Some(msg)).await
        }
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => app_error_page(&ctx, e),
        Err(e) => {
            let fe = form_error(&ctx, &s.catalog, e);
            users_page(&s, &ctx, &actor, &f, Some(fe), None).await
        }
    }
}

async fn end_sessions(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    match s.app.end_user_sessions(&actor, id).await {
        Ok(_) => Redirect::to("/admin/users?done=sessions_ended").into_response(),
        Err(e) => app_error_page(&ctx, e),
    }
}
