//! Security reports in the pages (SEC-1, SEC-2): the list with a form to make one for
//! chosen days, a report's findings in words with what to check, and its case — handed to
//! the area's department head, taken up, closed without misuse or with misuse (its events
//! under a legal hold at once, for the security officer).

use super::*;
use crate::ui::pages::audit::local_time;
use app::{CaseInput, SecurityReportSummary};
use domain::authz::Permission;
use domain::security_report::{CaseState, CaseStep, Finding, may_step};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/security-reports", get(list).post(make))
        .route("/security-reports/{id}", get(report))
        .route("/security-reports/{id}/{step}", get(back_to_report).post(step))
}

#[derive(Deserialize, Default)]
struct MakeForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// The list's filter (not posted).
    #[serde(skip)]
    state: String,
}

#[derive(Deserialize, Default)]
struct ReportsQuery {
    #[serde(default)]
    done: Option<String>,
    /// `open` (open or being investigated) or `misuse`: the dashboard's figures.
    #[serde(default)]
    state: Option<String>,
}

async fn list(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, Query(q): Query<ReportsQuery>) -> Response {
    let f = MakeForm { state: q.state.clone().unwrap_or_default(), ..Default::default() };
    list_page(&s, &ctx, &actor, &f, Vec::new(), done_message(&ctx, &q.done)).await
}

fn state_text(tr: &Tr, state: &str) -> String {
    tr.t(&format!("ui-case-{state}"))
}

/// A report's period as the days it covers, in local time (its end is the start of the
/// day after).
pub(super) fn period_text(tr: &Tr, from: &str, to: &str) -> String {
    let day = |t: &str, back: i64| {
        domain::time::Timestamp::parse(t)
            .map(|t| tr.date(&Date((t.0 - chrono::Duration::seconds(back)).with_timezone(&tr.tz).date_naive())))
            .unwrap_or_else(|_| t.to_string())
    };
    let (first, last) = (day(from, 0), day(to, 1));
    if first == last { first } else { format!("{first} – {last}") }
}

async fn list_page(s: &AppState, ctx: &Ctx, actor: &Actor, f: &MakeForm, errors: Vec<FormError>, success: Option<String>) -> Response {
    let tr = &ctx.tr;
    let reports = match s.app.security_reports(actor).await {
        Ok(r) => r,
        Err(e) => return app_error_page(ctx, e),
    };
    let reports: Vec<SecurityReportSummary> = reports
        .into_iter()
        .filter(|r| match f.state.as_str() {
            "open" => r.state == "open" || r.state == "investigating",
            "misuse" => r.state == "misuse",
            _ => true,
        })
        .collect();
    let departments: Vec<Uuid> = reports.iter().filter_map(|r| r.department_id).collect();
    let names = s.app.names(&departments).await.unwrap_or_default();
    let makers: Vec<String> = reports.iter().filter(|r| !r.automatic).map(|r| r.created_by.clone()).collect();
    let people = s.app.display_names(&makers).await;
    let rows = reports
        .iter()
        .map(|r| {
            vec![
                link(period_text(tr, &r.period_from, &r.period_to), format!("/security-reports/{}", r.id)),
                cell(tr.num(&r.findings)),
                cell(tr.num(&r.high)),
                cell(state_text(tr, &r.state)),
                cell(r.department_id.and_then(|d| names.get(&d).cloned()).unwrap_or_else(|| "–".into())),
                cell(if r.automatic {
                    tr.t("ui-report-daily")
                } else {
                    people.get(&r.created_by).cloned().unwrap_or_else(|| r.created_by.clone())
                }),
            ]
        })
        .collect();
    let mut sections = vec![Section {
        table: Some(TableSpec {
            caption: tr.t("nav-security-reports"),
            headers: ["ui-period", "ui-report-findings", "ui-report-high", "ui-report-case", "ui-report-department", "ui-created-by"]
                .iter()
                .map(|k| tr.t(k))
                .collect(),
            rows,
            empty: tr.t("ui-reports-none"),
            more: String::new(),
        }),
        ..Default::default()
    }];
    let mut msg = None;
    if s.app.can(actor, Permission::RunSecurityReport) {
        let mut forms = [FormSpec {
            action: "/security-reports".into(),
            submit: tr.t("ui-report-make"),
            button_class: "button-primary",
            fields: vec![
                FieldSpec::new(tr, "from", "date").required().value(&f.from),
                FieldSpec::new(tr, "to", "date").required().value(&f.to).hint(tr.t("ui-report-to-hint")),
            ],
            ..Default::default()
        }];
        msg = attach_errors(&mut forms, errors);
        sections.push(Section {
            heading: tr.t("ui-report-make-heading"),
            text: Some(tr.t("ui-report-make-intro")),
            forms: forms.into_iter().collect(),
            collapsible: Some(msg.is_some()),
            ..Default::default()
        });
    }
    let mut p = page(ctx, "nav-security-reports", sections);
    if matches!(f.state.as_str(), "open" | "misuse") {
        p.actions.push(("/security-reports".into(), tr.t("ui-reports-all")));
        p.c.title = format!("{} – {}", tr.t("nav-security-reports"), tr.t(&format!("ui-reports-filter-{}", f.state)));
    }
    p.intro = Some(tr.t(if s.app.can(actor, Permission::RunSecurityReport) { "ui-reports-intro" } else { "ui-reports-intro-head" }));
    if s.app.can(actor, Permission::SearchLog) {
        p.crumbs = vec![("/audit".into(), tr.t("nav-audit"))];
    }
    p.success = success;
    let failed = msg.is_some();
    p.error = msg;
    render_form(&p, failed)
}

/// A local day's start (`end`: the next day's) in the municipality's time zone.
fn local_midnight(tr: &Tr, d: &Date, end: bool) -> Option<domain::time::Timestamp> {
    let day = if end { d.0.succ_opt()? } else { d.0 };
    let t = day.and_hms_opt(0, 0, 0)?.and_local_timezone(tr.tz).earliest()?;
    Some(domain::time::Timestamp(t.with_timezone(&chrono::Utc)))
}

async fn make(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, CsrfForm(f): CsrfForm<MakeForm>) -> Response {
    let tr = &ctx.tr;
    let mut errors = Vec::new();
    let mut day = |v: &str, field: &str| match v.trim() {
        "" => {
            errors.push(domain::error::FieldError::new(field, domain::codes::MISSING_FIELD));
            None
        }
        x => Date::parse(x).map_err(|e| errors.push(e.at(field))).ok(),
    };
    let (from, to) = (day(&f.from, "from"), day(&f.to, "to"));
    let period = from.zip(to).and_then(|(a, b)| local_midnight(tr, &a, false).zip(local_midnight(tr, &b, true)));
    let Some((from, to)) = period.filter(|_| errors.is_empty()) else {
        let errors = errors.into_iter().map(|e| form_error(&ctx, &s.catalog, AppError::Invalid(e))).collect();
        return list_page(&s, &ctx, &actor, &f, errors, None).await;
    };
    let result = s.app.make_security_report(&actor, from, to).await;
    done_or_again(
        &ctx,
        &s,
        result,
        |id| format!("/security-reports/{id}?done=report_made"),
        |fe| list_page(&s, &ctx, &actor, &f, vec![fe], None),
    )
    .await
}

async fn report(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Query(q): Query<ListQuery>,
) -> Response {
    report_page(&s, &ctx, &actor, id, done_message(&ctx, &q.done), None).await
}

/// The people, suppliers, systems and departments a report names.
async fn names_of(s: &AppState, r: &SecurityReportSummary, findings: &[Finding]) -> HashMap<Uuid, String> {
    let mut ids: Vec<Uuid> = findings.iter().flat_map(|f| [f.person_id, f.supplier_id, f.source.parse().ok()]).flatten().collect();
    ids.extend(r.department_id);
    ids.sort();
    ids.dedup();
    s.app.names(&ids).await.unwrap_or_default()
}

fn finding_row(tr: &Tr, f: &Finding, names: &HashMap<Uuid, String>) -> Vec<Cell> {
    let name = |id: Option<Uuid>| id.and_then(|i| names.get(&i).cloned());
    let who = match name(f.person_id) {
        Some(p) => format!("{p} ({})", f.username),
        None => f.username.clone(),
    };
    let system = if f.source == ::audit::event::SOURCE_PORTVAGT {
        "Portvagt".to_string()
    } else {
        name(f.source.parse().ok()).unwrap_or_else(|| f.source.clone())
    };
    let when = if f.first_at == f.last_at {
        local_time(tr, &f.first_at)
    } else {
        format!("{} – {}", local_time(tr, &f.first_at), local_time(tr, &f.last_at))
    };
    let actions = f.actions.iter().map(|a| super::audit::action_text(tr, a)).collect::<Vec<_>>().join(", ");
    vec![
        cell(tr.t(&format!("ui-severity-{}", f.severity.code()))),
        cell(tr.t(&format!("ui-finding-{}", f.kind.code()))),
        cell(who),
        cell(name(f.supplier_id).unwrap_or_else(|| "–".into())),
        cell(system),
        cell(tr.num(&f.count)),
        cell(when),
        cell(actions),
    ]
}

async fn report_page(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid, success: Option<String>, error: Option<FormError>) -> Response {
    let tr = &ctx.tr;
    let view = match s.app.security_report(actor, id).await {
        Ok(v) => v,
        Err(e) => return app_error_page(ctx, e),
    };
    let r = &view.report;
    let names = names_of(s, r, &view.findings).await;
    let people = s.app.display_names(&[r.created_by.clone(), r.investigator.clone().unwrap_or_default()]).await;
    let person = |u: &str| people.get(u).cloned().unwrap_or_else(|| u.to_string());
    let mut facts = vec![
        (tr.t("ui-period"), period_text(tr, &r.period_from, &r.period_to)),
        (tr.t("ui-report-case"), if r.findings == 0 { tr.t("ui-case-closed-empty") } else { state_text(tr, &r.state) }),
        (tr.t("ui-report-events"), tr.num(&r.events)),
        (tr.t("ui-report-findings"), tr.text("ui-report-findings-count", &[("count", &tr.num(&r.findings)), ("high", &tr.num(&r.high))])),
        (
            tr.t("ui-created"),
            format!("{}, {}", local_time(tr, &r.created_at), if r.automatic { tr.t("ui-report-daily") } else { person(&r.created_by) }),
        ),
    ];
    if let Some(d) = r.department_id {
        facts.push((tr.t("ui-report-department"), names.get(&d).cloned().unwrap_or_default()));
    }
    if let Some(i) = &r.investigator {
        facts.push((
            tr.t("ui-report-investigator"),
            s.app.display_names(std::slice::from_ref(i)).await.get(i).cloned().unwrap_or_else(|| i.clone()),
        ));
    }
    if let Some(c) = r.conclusion.as_deref() {
        facts.push((tr.t("ui-report-conclusion"), c.to_string()));
    }
    if let Some(d) = &r.delete_after {
        facts.push((tr.t("ui-report-deleted-on"), local_time(tr, d)));
    }
    let state = CaseState::parse(&r.state).unwrap_or(CaseState::Open);
    // What the page says to do is what this person can do.
    let investigates = s.app.can(actor, Permission::InvestigateSecurityReport);
    let coordinator = investigates && s.app.can(actor, Permission::RunSecurityReport);
    let intro = match state {
        CaseState::Misuse => tr.t("ui-report-misuse-intro"),
        CaseState::Closed if r.findings == 0 => tr.t1("ui-report-empty-intro", &tr.num(&r.events)),
        CaseState::Closed => tr.t("ui-report-closed-intro"),
        _ if !investigates => tr.t("ui-report-reader-intro"),
        CaseState::Open if coordinator => tr.t("ui-report-open-intro"),
        CaseState::Open => tr.t("ui-report-open-intro-head"),
        CaseState::Investigating => tr.t("ui-report-investigating-intro"),
    };
    let mut sections = vec![Section { heading: tr.t("ui-report-about"), facts, ..Default::default() }];
    sections.push(Section {
        heading: tr.t("ui-report-findings"),
        text: Some(tr.t("ui-report-findings-intro")),
        table: Some(TableSpec {
            caption: tr.t("ui-report-findings"),
            headers: [
                "ui-severity",
                "ui-finding",
                "ui-who",
                "registry-supplier",
                "field-system_id",
                "ui-report-count",
                "ui-when",
                "ui-report-actions",
            ]
            .iter()
            .map(|k| tr.t(k))
            .collect(),
            rows: view.findings.iter().map(|f| finding_row(tr, f, &names)).collect(),
            empty: tr.t("ui-report-no-findings"),
            more: String::new(),
        }),
        ..Default::default()
    });
    // What each class of finding means and what to check, for the classes present.
    let mut kinds: Vec<_> = view.findings.iter().map(|f| f.kind).collect();
    kinds.sort();
    kinds.dedup();
    if !kinds.is_empty() {
        sections.push(Section {
            heading: tr.t("ui-report-what-to-check"),
            facts: kinds
                .iter()
                .map(|k| (tr.t(&format!("ui-finding-{}", k.code())), tr.t(&format!("ui-finding-{}-check", k.code()))))
                .collect(),
            ..Default::default()
        });
    }
    let (mut case_forms, msg) = case_forms(s, ctx, actor, r, state).await;
    let refused = error.and_then(|e| attach_errors(&mut case_forms, vec![e]));
    if !case_forms.is_empty() {
        sections.push(Section { heading: tr.t("ui-report-case-heading"), text: msg, forms: case_forms, ..Default::default() });
    }
    let mut p = page(ctx, "ui-report-title", sections);
    p.crumbs = vec![("/security-reports".into(), tr.t("nav-security-reports"))];
    p.intro = Some(intro);
    p.success = success;
    let failed = refused.is_some();
    p.error = refused;
    render_form(&p, failed)
}

/// The steps the actor may take on the case now, as forms.
async fn case_forms(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    r: &SecurityReportSummary,
    state: CaseState,
) -> (Vec<FormSpec>, Option<String>) {
    let tr = &ctx.tr;
    if !s.app.can(actor, Permission::InvestigateSecurityReport) {
        return (Vec::new(), None);
    }
    let version = vec![("version".to_string(), r.version.to_string())];
    let action = |step: &str| format!("/security-reports/{}/{step}", r.id);
    let mut forms = Vec::new();
    let coordinator = s.app.can(actor, Permission::RunSecurityReport);
    if coordinator && may_step(state, CaseStep::Assign) {
        let departments: Vec<(String, String)> = s
            .app
            .choices::<domain::registry::Department>(actor)
            .await
            .map(|c| c.iter().map(|(id, n)| (id.to_string(), n.clone())).collect())
            .unwrap_or_default();
        let selected: Vec<String> = r.department_id.map(|d| d.to_string()).into_iter().collect();
        forms.push(FormSpec {
            action: action("assign"),
            submit: tr.t("ui-report-assign"),
            button_class: "button-secondary",
            prefix: "a",
            hidden: version.clone(),
            fields: vec![
                FieldSpec::new(tr, "department_id", "select")
                    .required()
                    .options(departments, &selected)
                    .placeholder(tr.t("ui-choose"))
                    .hint(tr.t("ui-report-assign-hint")),
            ],
            ..Default::default()
        });
    }
    if may_step(state, CaseStep::Investigate) {
        forms.push(FormSpec {
            action: action("investigate"),
            submit: tr.t("ui-report-investigate"),
            button_class: "button-primary",
            prefix: "i",
            hidden: version.clone(),
            ..Default::default()
        });
    }
    if may_step(state, CaseStep::Close) {
        forms.push(FormSpec {
            action: action("close"),
            submit: tr.t("ui-report-close"),
            button_class: "button-primary",
            prefix: "c",
            hidden: version.clone(),
            fields: vec![FieldSpec::new(tr, "conclusion", "textarea").required().label(tr.t("ui-report-close-label"))],
            ..Default::default()
        });
        forms.push(FormSpec {
            action: action("misuse"),
            submit: tr.t("ui-report-misuse"),
            button_class: "button-secondary",
            prefix: "m",
            hidden: version,
            confirm: Some(tr.t("ui-report-misuse-confirm")),
            fields: vec![FieldSpec::new(tr, "misuse", "textarea").required().label(tr.t("ui-report-misuse-label"))],
            ..Default::default()
        });
    }
    let text = match state {
        CaseState::Open if coordinator => Some(tr.t("ui-report-case-open")),
        CaseState::Open => Some(tr.t("ui-report-case-open-head")),
        CaseState::Investigating => Some(tr.t("ui-report-case-investigating")),
        _ => None,
    };
    (forms, text)
}

/// A step's address opened again (a reload, the address bar): the report itself.
async fn back_to_report(Path((id, _)): Path<(String, String)>) -> Response {
    match record_id(&id) {
        Some(id) => Redirect::to(&format!("/security-reports/{id}")).into_response(),
        None => Redirect::to("/security-reports").into_response(),
    }
}

#[derive(Deserialize, Default)]
struct StepForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    conclusion: String,
    #[serde(default)]
    misuse: String,
}

async fn step(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path((id, step)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<StepForm>,
) -> Response {
    let Some(id) = record_id(&id) else { return app_error_page(&ctx, AppError::NotFound) };
    let version = f.version.parse::<i64>().unwrap_or(0);
    let conclusion = |field: &str| match if field == "misuse" { f.misuse.trim() } else { f.conclusion.trim() } {
        "" => Err(domain::error::FieldError::new(field, domain::codes::REASON_REQUIRED)),
        x => Text::parse(x).map_err(|e| e.at(field)),
    };
    let input = match step.as_str() {
        "assign" => match Uuid::parse_str(f.department_id.trim()) {
            Ok(d) => Ok(CaseInput::Assign(d)),
            Err(_) => Err(domain::error::FieldError::new("department_id", domain::codes::MISSING_FIELD)),
        },
        "investigate" => Ok(CaseInput::Investigate),
        "close" => conclusion("conclusion").map(CaseInput::Close),
        "misuse" => conclusion("misuse").map(CaseInput::Misuse),
        _ => return app_error_page(&ctx, AppError::NotFound),
    };
    let result = match input {
        Ok(i) => s.app.security_report_step(&actor, id, version, i).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    let done = format!("/security-reports/{id}?done=report_{step}");
    done_or_again(&ctx, &s, result, |_| done, |fe| report_page(&s, &ctx, &actor, id, None, Some(fe))).await
}
