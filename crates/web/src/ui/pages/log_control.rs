//! Log control in the pages (SEC-3): the packages with a form to draw one for a supplier
//! and month; a package's entries, each data subject a number until the reviewer reveals
//! it (recorded), judged by the supplier's orderer against the written criteria and
//! signed off; the draw checked again against the seed's hash written before it.

use super::*;
use crate::ui::pages::audit::local_time;
use crate::ui::pages::security_reports::period_text;
use app::{PackageEntryView, PackageSummary, PackageView};
use domain::authz::Permission;
use domain::log_control::{Judgement, ReasonCode};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/log-control", get(list).post(draw))
        .route("/log-control/{id}", get(package))
        .route("/log-control/{id}/sign-off", get(back_to_package).post(sign_off))
        .route("/log-control/{id}/entries/{n}", get(back_to_entry).post(judge))
        .route("/log-control/{id}/entries/{n}/reveal", get(back_to_entry).post(reveal))
}

#[derive(Deserialize, Default)]
struct DrawForm {
    #[serde(default)]
    supplier_id: String,
    #[serde(default)]
    month: String,
}

#[derive(Deserialize, Default)]
struct PackagesQuery {
    #[serde(default)]
    done: Option<String>,
    /// `open` or `overdue`: the dashboard's figures.
    #[serde(default)]
    state: Option<String>,
    /// Show the check of the draw.
    #[serde(default)]
    verify: Option<String>,
}

async fn list(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, Query(q): Query<PackagesQuery>) -> Response {
    list_page(&s, &ctx, &actor, &DrawForm::default(), q.state.as_deref().unwrap_or(""), Vec::new(), done_message(&ctx, &q.done)).await
}

/// A package's state, told to the supplier as its own work.
fn state_text(tr: &Tr, p: &PackageSummary, supplier: bool) -> String {
    match (p.overdue, p.state.as_str(), supplier) {
        (true, ..) => tr.t("ui-lc-state-overdue"),
        (false, "open", true) => tr.t("ui-lc-state-open-yours"),
        (false, state, _) => tr.t(&format!("ui-lc-state-{state}")),
    }
}

/// The last twelve whole months, newest first: (`2026-11`, "november 2026").
fn months(tr: &Tr, today: chrono::NaiveDate) -> Vec<(String, String)> {
    use chrono::Datelike;
    (1..=12)
        .filter_map(|back| {
            let total = today.year() * 12 + today.month0() as i32 - back;
            let first = chrono::NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)?;
            Some((first.format("%Y-%m").to_string(), format!("{} {}", tr.t(&format!("month-name-{}", first.month())), first.year())))
        })
        .collect()
}

async fn list_page(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    f: &DrawForm,
    filter: &str,
    errors: Vec<FormError>,
    success: Option<String>,
) -> Response {
    let tr = &ctx.tr;
    let packages = match s.app.log_control_packages(actor).await {
        Ok(p) => p,
        Err(e) => return app_error_page(ctx, e),
    };
    let packages: Vec<&PackageSummary> = packages
        .iter()
        .filter(|p| match filter {
            "open" => p.state == "open",
            "overdue" => p.overdue,
            _ => true,
        })
        .collect();
    let supplier_view = actor.supplier().is_some();
    let ids: Vec<Uuid> = packages.iter().map(|p| p.supplier_id).collect();
    let names = s.app.names(&ids).await.unwrap_or_default();
    let rows = packages
        .iter()
        .map(|p| {
            let mut row = vec![link(period_text(tr, &p.period_from, &p.period_to), format!("/log-control/{}", p.id))];
            if !supplier_view {
                row.push(cell(names.get(&p.supplier_id).cloned().unwrap_or_default()));
            }
            row.extend([
                cell(state_text(tr, p, supplier_view)),
                cell(tr.text("ui-lc-judged-of", &[("judged", &tr.num(&p.judged)), ("entries", &tr.num(&p.entries))])),
                cell(tr.num(&p.unjustified)),
                cell(local_time(tr, &p.due_at)),
            ]);
            row
        })
        .collect();
    let mut headers = vec!["ui-period"];
    if !supplier_view {
        headers.push("field-supplier_id");
    }
    headers.extend(["ui-lc-state", "ui-lc-judged", "ui-lc-unjustified-count", "ui-lc-due"]);
    let mut sections = vec![Section {
        table: Some(TableSpec {
            caption: tr.t("nav-log-control"),
            headers: headers.iter().map(|k| tr.t(k)).collect(),
            rows,
            empty: tr.t(if filter.is_empty() { "ui-lc-none" } else { "ui-lc-none-filtered" }),
            more: String::new(),
        }),
        ..Default::default()
    }];
    let mut msg = None;
    if s.app.can(actor, Permission::DrawLogControl) {
        let suppliers = options::<domain::registry::Supplier>(s, actor, ListFilter::default()).await;
        let today = s.app.now().0.with_timezone(&tr.tz).date_naive();
        let mut forms = [FormSpec {
            action: "/log-control".into(),
            submit: tr.t("ui-lc-draw"),
            button_class: "button-primary",
            fields: vec![
                FieldSpec::new(tr, "supplier_id", "select")
                    .required()
                    .options(suppliers, std::slice::from_ref(&f.supplier_id))
                    .placeholder(tr.t("ui-choose")),
                FieldSpec::new(tr, "month", "select")
                    .required()
                    .options(months(tr, today), std::slice::from_ref(&f.month))
                    .label(tr.t("ui-lc-month"))
                    .hint(tr.t("ui-lc-month-hint")),
            ],
            ..Default::default()
        }];
        msg = attach_errors(&mut forms, errors);
        sections.push(Section {
            heading: tr.t("ui-lc-draw-heading"),
            text: Some(tr.t("ui-lc-draw-intro")),
            forms: forms.into_iter().collect(),
            collapsible: Some(msg.is_some()),
            ..Default::default()
        });
    }
    let mut p = page(ctx, "nav-log-control", sections);
    if matches!(filter, "open" | "overdue") {
        p.actions.push(("/log-control".into(), tr.t("ui-lc-all")));
        p.c.title = format!("{} – {}", tr.t("nav-log-control"), tr.t(&format!("ui-lc-filter-{filter}")));
    }
    p.intro = Some(tr.t(if s.app.can(actor, Permission::ReviewLogControl) { "ui-lc-intro-supplier" } else { "ui-lc-intro" }));
    if s.app.can(actor, Permission::SearchLog) {
        p.crumbs = vec![("/audit".into(), tr.t("nav-audit"))];
    }
    p.success = success;
    let failed = msg.is_some();
    p.error = msg;
    render_form(&p, failed)
}

async fn draw(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, CsrfForm(f): CsrfForm<DrawForm>) -> Response {
    let tr = &ctx.tr;
    let mut errors = Vec::new();
    let supplier = match Uuid::parse_str(f.supplier_id.trim()) {
        Ok(id) => Some(id),
        Err(_) => {
            errors.push(domain::error::FieldError::new("supplier_id", domain::codes::MISSING_FIELD));
            None
        }
    };
    let first = chrono::NaiveDate::parse_from_str(&format!("{}-01", f.month.trim()), "%Y-%m-%d").ok();
    if first.is_none() {
        errors.push(domain::error::FieldError::new("month", domain::codes::MISSING_FIELD));
    }
    let midnight = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tr.tz).earliest())
            .map(|t| domain::time::Timestamp(t.with_timezone(&chrono::Utc)))
    };
    let period = first.and_then(|d| midnight(d).zip(d.checked_add_months(chrono::Months::new(1)).and_then(midnight)));
    let (Some(supplier), Some((from, to))) = (supplier, period) else {
        let errors = errors.into_iter().map(|e| form_error(&ctx, &s.catalog, AppError::Invalid(e))).collect();
        return list_page(&s, &ctx, &actor, &f, "", errors, None).await;
    };
    let result = s.app.draw_log_control(&actor, supplier, from, to, tr.tz).await;
    done_or_again(
        &ctx,
        &s,
        result,
        |id| format!("/log-control/{id}?done=lc_drawn"),
        |fe| list_page(&s, &ctx, &actor, &f, "", vec![fe], None),
    )
    .await
}

async fn package(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Query(q): Query<PackagesQuery>,
) -> Response {
    let shown = Shown { verify: q.verify.is_some(), ..Default::default() };
    package_page(&s, &ctx, &actor, id, done_message(&ctx, &q.done), None, shown).await
}

/// What a page shows beyond the package: a revealed data subject, the draw's check.
#[derive(Default)]
struct Shown {
    revealed: Option<(u32, String)>,
    verify: bool,
    /// The entry whose form was sent back with an error.
    failed_entry: Option<u32>,
}

/// The reasons of each judgement, as one choice: `justified:care_task`.
fn judgement_options(tr: &Tr) -> Vec<(String, String)> {
    Judgement::ALL
        .iter()
        .flat_map(|j| {
            ReasonCode::ALL.iter().filter(|r| r.allowed(*j)).map(move |r| {
                (
                    format!("{}:{}", j.code(), r.code()),
                    format!("{} – {}", tr.t(&format!("ui-lc-{}", j.code())), tr.t(&format!("ui-lc-reason-{}", r.code()))),
                )
            })
        })
        .collect()
}

fn reasons_text(tr: &Tr, e: &PackageEntryView) -> String {
    e.reasons.iter().map(|r| tr.t(&format!("ui-lc-why-{}", r.code()))).collect::<Vec<_>>().join(", ")
}

/// The judgement with its reason, and the reviewer's note.
fn judgement_text(tr: &Tr, e: &PackageEntryView) -> String {
    match (e.judgement, e.reason_code) {
        (Some(j), Some(r)) => {
            let judged = format!("{} – {}", tr.t(&format!("ui-lc-{}", j.code())), tr.t(&format!("ui-lc-reason-{}", r.code())));
            match e.note.as_deref() {
                Some(n) => format!("{judged}. {}", tr.t1("ui-quoted", n)),
                None => judged,
            }
        }
        _ => tr.t("ui-lc-not-judged"),
    }
}

async fn package_page(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    success: Option<String>,
    error: Option<FormError>,
    shown: Shown,
) -> Response {
    let tr = &ctx.tr;
    let view: PackageView = match s.app.log_control_package(actor, id).await {
        Ok(v) => v,
        Err(e) => return app_error_page(ctx, e),
    };
    let p = &view.package;
    let mut ids: Vec<Uuid> = view.entries.iter().flat_map(|e| [e.person_id, e.system_id.parse().ok()]).flatten().collect();
    ids.push(p.supplier_id);
    let names = s.app.names(&ids).await.unwrap_or_default();
    let name = |id: Option<Uuid>| id.and_then(|i| names.get(&i).cloned());
    let who = |e: &PackageEntryView| match name(e.person_id) {
        Some(n) => format!("{n} ({})", e.username),
        None => e.username.clone(),
    };
    // A revealed citizen is shown in every look-up of them.
    let revealed = shown.revealed.as_ref().and_then(|(n, number)| view.entries.iter().find(|e| e.n == *n).map(|e| (e.subject, number)));
    let subject = |e: &PackageEntryView| match revealed {
        Some((pseudonym, number)) if pseudonym == e.subject => number.clone(),
        _ => tr.t1("ui-lc-citizen", &e.subject.to_string()),
    };
    let reviewer = s.app.can(actor, Permission::ReviewLogControl) && p.state == "open";
    let people = s.app.display_names(&[p.created_by.clone(), p.signed_by.clone().unwrap_or_default()]).await;
    let person = |u: &str| people.get(u).cloned().unwrap_or_else(|| u.to_string());
    let mut facts = vec![
        (tr.t("field-supplier_id"), names.get(&p.supplier_id).cloned().unwrap_or_default()),
        (tr.t("ui-period"), period_text(tr, &p.period_from, &p.period_to)),
        (tr.t("ui-lc-state"), state_text(tr, p, actor.supplier().is_some())),
        (tr.t("ui-lc-judged"), tr.text("ui-lc-judged-of", &[("judged", &tr.num(&p.judged)), ("entries", &tr.num(&p.entries))])),
        (tr.t("ui-lc-drawn-from"), tr.t1("ui-lc-drawn-from-count", &tr.num(&p.candidates))),
        (tr.t("ui-lc-due"), local_time(tr, &p.due_at)),
        (
            tr.t("ui-created"),
            format!("{}, {}", local_time(tr, &p.created_at), if p.automatic { tr.t("ui-lc-monthly") } else { person(&p.created_by) }),
        ),
    ];
    if let (Some(at), Some(by)) = (&p.signed_at, &p.signed_by) {
        facts.push((tr.t("ui-lc-signed"), format!("{}, {}", local_time(tr, at), person(by))));
    }
    if let Some(st) = p.statement.as_deref().filter(|t| !t.is_empty()) {
        facts.push((tr.t("ui-lc-statement"), st.to_string()));
    }
    let mut sections = vec![Section { heading: tr.t("ui-lc-about"), facts, ..Default::default() }];
    let headers = ["ui-lc-entry", "ui-when", "field-system_id", "ui-who", "ui-lc-action", "ui-lc-subject", "ui-lc-why", "ui-lc-judgement"];
    sections.push(Section {
        heading: tr.t("ui-lc-entries"),
        text: Some(tr.t("ui-lc-entries-intro")),
        table: Some(TableSpec {
            caption: tr.t("ui-lc-entries"),
            headers: headers.iter().map(|k| tr.t(k)).collect(),
            rows: view
                .entries
                .iter()
                .map(|e| {
                    vec![
                        cell(e.n.to_string()),
                        cell(local_time(tr, &e.at)),
                        cell(name(e.system_id.parse().ok()).unwrap_or_else(|| e.system_id.clone())),
                        cell(who(e)),
                        cell(super::audit::action_text(tr, &e.action)),
                        cell(subject(e)),
                        cell(reasons_text(tr, e)),
                        cell(judgement_text(tr, e)),
                    ]
                })
                .collect(),
            empty: String::new(),
            more: String::new(),
        }),
        ..Default::default()
    });
    // The written criteria, beside the judgement (IMY asks for them).
    sections.push(Section {
        heading: tr.t("ui-lc-criteria"),
        facts: Judgement::ALL
            .iter()
            .map(|j| (tr.t(&format!("ui-lc-{}", j.code())), tr.t(&format!("ui-lc-criteria-{}", j.code()))))
            .collect(),
        ..Default::default()
    });
    if reviewer {
        let options = judgement_options(tr);
        for e in &view.entries {
            let selected: Vec<String> =
                e.judgement.zip(e.reason_code).map(|(j, r)| format!("{}:{}", j.code(), r.code())).into_iter().collect();
            let mut forms = vec![FormSpec {
                action: format!("/log-control/{}/entries/{}", p.id, e.n),
                submit: tr.t("ui-lc-save"),
                button_class: "button-primary",
                hidden: vec![("version".into(), p.version.to_string())],
                fields: vec![
                    FieldSpec::new(tr, &format!("judgement-{}", e.n), "select")
                        .required()
                        .options(options.clone(), &selected)
                        .placeholder(tr.t("ui-choose"))
                        .label(tr.t("ui-lc-judgement")),
                    FieldSpec::new(tr, &format!("note-{}", e.n), "textarea")
                        .value(e.note.as_deref().unwrap_or(""))
                        .label(tr.t("ui-lc-note"))
                        .hint(tr.t("ui-lc-note-hint")),
                ],
                ..Default::default()
            }];
            if revealed.is_none_or(|(pseudonym, _)| pseudonym != e.subject) {
                forms.push(button(format!("/log-control/{}/entries/{}/reveal", p.id, e.n), tr.t("ui-lc-reveal"), false, Vec::new()));
            }
            if let Some(fe) = error.as_ref().filter(|_| shown.failed_entry == Some(e.n)) {
                mark(&mut forms, &format!("{}-{}", fe.field.as_deref().unwrap_or("judgement"), e.n), &fe.message);
            }
            sections.push(Section {
                heading: tr.text("ui-lc-entry-heading", &[("n", &e.n.to_string()), ("when", &local_time(tr, &e.at))]),
                facts: vec![
                    (tr.t("ui-who"), who(e)),
                    (tr.t("ui-lc-action"), super::audit::action_text(tr, &e.action)),
                    (tr.t("ui-lc-subject"), subject(e)),
                    (tr.t("ui-lc-why"), reasons_text(tr, e)),
                    (tr.t("ui-lc-judgement"), judgement_text(tr, e)),
                ],
                forms,
                ..Default::default()
            });
        }
        let unjudged = view.entries.iter().filter(|e| e.judgement.is_none()).count();
        let waiting = view.entries.iter().filter(|e| e.judgement == Some(Judgement::NeedsInformation)).count();
        let (text, forms) = if unjudged > 0 {
            (tr.t1("ui-lc-sign-unjudged", &unjudged.to_string()), Vec::new())
        } else if waiting > 0 {
            (tr.t1("ui-lc-sign-waiting", &waiting.to_string()), Vec::new())
        } else {
            let unjustified = view.entries.iter().filter(|e| e.judgement == Some(Judgement::Unjustified)).count();
            let mut forms = vec![FormSpec {
                action: format!("/log-control/{}/sign-off", p.id),
                submit: tr.t("ui-lc-sign"),
                button_class: "button-primary",
                hidden: vec![("version".into(), p.version.to_string())],
                confirm: Some(tr.t("ui-lc-sign-confirm")),
                fields: vec![FieldSpec::new(tr, "statement", "textarea").label(tr.t("ui-lc-statement")).hint(tr.t("ui-lc-statement-hint"))],
                ..Default::default()
            }];
            if let Some(fe) = &error {
                mark(&mut forms, fe.field.as_deref().unwrap_or("statement"), &fe.message);
            }
            let text = if unjustified > 0 { tr.t1("ui-lc-sign-unjustified", &unjustified.to_string()) } else { tr.t("ui-lc-sign-ready") };
            (text, forms)
        };
        sections.push(Section { heading: tr.t("ui-lc-sign-heading"), text: Some(text), forms, ..Default::default() });
    }
    sections.push(verify_section(s, ctx, actor, p, shown.verify).await);
    let mut page_ = page(ctx, "ui-lc-title", sections);
    page_.c.title = tr.text(
        "ui-lc-title-of",
        &[
            ("supplier", &names.get(&p.supplier_id).cloned().unwrap_or_default()),
            ("period", &period_text(tr, &p.period_from, &p.period_to)),
        ],
    );
    page_.crumbs = vec![("/log-control".into(), tr.t("nav-log-control"))];
    page_.intro = Some(match (p.state.as_str(), reviewer) {
        ("open", true) => tr.t("ui-lc-open-intro-supplier"),
        ("open", false) => tr.t("ui-lc-open-intro"),
        _ if p.case_id.is_some() => tr.t("ui-lc-signed-case-intro"),
        _ => tr.t("ui-lc-signed-intro"),
    });
    if let Some(case) = p.case_id.filter(|_| s.app.can(actor, Permission::SeeSecurityReports)) {
        page_.actions.push((format!("/security-reports/{case}"), tr.t("ui-lc-open-case")));
    }
    page_.success = success;
    let failed = error.is_some();
    page_.error = error.map(|e| e.message);
    render_form(&page_, failed)
}

/// The draw's seed and its hash, and on demand the check: the hash written before the
/// draw is the seed's, and the sample recomputed from the log is the package's.
async fn verify_section(s: &AppState, ctx: &Ctx, actor: &Actor, p: &PackageSummary, verify: bool) -> Section {
    let tr = &ctx.tr;
    let mut facts = vec![(tr.t("ui-lc-seed-hash"), p.seed_sha256.clone()), (tr.t("ui-lc-seed"), p.seed.clone())];
    let mut forms = Vec::new();
    if verify {
        match s.app.verify_log_control(actor, p.id, tr.tz).await {
            Ok(c) => {
                let yes_no = |ok: bool, yes: &str, no: &str| tr.t(if ok { yes } else { no });
                facts.push((
                    tr.t("ui-lc-check-commitment"),
                    yes_no(c.commitment_matches && c.committed_before_draw, "ui-lc-check-commitment-ok", "ui-lc-check-commitment-bad"),
                ));
                facts.push((
                    tr.t("ui-lc-check-sample"),
                    if c.same_sample {
                        tr.t1("ui-lc-check-sample-ok", &tr.num(&c.entries))
                    } else {
                        tr.text("ui-lc-check-sample-bad", &[("entries", &tr.num(&c.entries)), ("recomputed", &tr.num(&c.recomputed))])
                    },
                ));
            }
            Err(_) => facts.push((tr.t("ui-lc-check-sample"), tr.t("ui-lc-check-unavailable"))),
        }
    } else {
        forms.push(FormSpec {
            method: "get",
            action: format!("/log-control/{}", p.id),
            submit: tr.t("ui-lc-verify"),
            button_class: "button-secondary",
            inline: true,
            hidden: vec![("verify".into(), "1".into())],
            ..Default::default()
        });
    }
    Section { heading: tr.t("ui-lc-verify-heading"), text: Some(tr.t("ui-lc-verify-intro")), facts, forms, ..Default::default() }
}

/// Puts a refusal on the field of that name.
fn mark(forms: &mut [FormSpec], name: &str, message: &str) {
    for field in forms.iter_mut().flat_map(|f| f.fields.iter_mut()).filter(|f| f.name == name) {
        field.error = Some(message.to_string());
    }
}

/// A posted address opened again (a reload, the address bar): the package itself.
async fn back_to_package(Path(id): Path<String>) -> Response {
    match record_id(&id) {
        Some(id) => Redirect::to(&format!("/log-control/{id}")).into_response(),
        None => Redirect::to("/log-control").into_response(),
    }
}

async fn back_to_entry(Path(params): Path<Vec<(String, String)>>) -> Response {
    let id = params.iter().find(|(k, _)| k == "id").map(|(_, v)| v.clone()).unwrap_or_default();
    back_to_package(Path(id)).await
}

fn one(values: &Values, name: &str) -> String {
    values.get(name).and_then(|v| v.first()).map(|v| v.trim().to_string()).unwrap_or_default()
}

async fn judge(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path((id, n)): Path<(String, String)>,
    Posted(v): Posted,
) -> Response {
    let (Some(id), Ok(n)) = (record_id(&id), n.parse::<u32>()) else { return app_error_page(&ctx, AppError::NotFound) };
    let chosen = one(&v, &format!("judgement-{n}"));
    let parsed = chosen.split_once(':').and_then(|(j, r)| Judgement::parse(j).zip(ReasonCode::parse(r)));
    let note = match one(&v, &format!("note-{n}")).as_str() {
        "" => Ok(None),
        t => Text::parse(t).map(Some),
    };
    // Errors name the field as its label does ("judgement"); the page puts them on this
    // entry's field.
    let result = match (parsed, note) {
        (None, _) => Err(AppError::Invalid(domain::error::FieldError::new("judgement", domain::codes::MISSING_FIELD))),
        (_, Err(e)) => Err(AppError::Invalid(e.at("note"))),
        (Some((j, r)), Ok(note)) => {
            let version = one(&v, "version").parse().unwrap_or(0);
            s.app.judge_log_control(&actor, id, version, n, j, r, note).await.map_err(|e| match e {
                AppError::Invalid(fe) if fe.field == "reason_code" => {
                    AppError::Invalid(domain::error::FieldError { field: "judgement".into(), ..fe })
                }
                other => other,
            })
        }
    };
    let shown = Shown { failed_entry: Some(n), ..Default::default() };
    done_or_again(
        &ctx,
        &s,
        result,
        |_| format!("/log-control/{id}?done=lc_judged"),
        |fe| package_page(&s, &ctx, &actor, id, None, Some(fe), shown),
    )
    .await
}

async fn reveal(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path((id, n)): Path<(String, String)>,
    Posted(_): Posted,
) -> Response {
    let (Some(id), Ok(n)) = (record_id(&id), n.parse::<u32>()) else { return app_error_page(&ctx, AppError::NotFound) };
    match s.app.reveal_log_control_subject(&actor, id, n).await {
        Ok(number) => {
            let shown = Shown { revealed: Some((n, number)), ..Default::default() };
            package_page(&s, &ctx, &actor, id, Some(ctx.tr.t1("done-lc_revealed", &n.to_string())), None, shown).await
        }
        Err(e) => app_error_page(&ctx, e),
    }
}

async fn sign_off(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, RecordId(id): RecordId, Posted(v): Posted) -> Response {
    let statement = match one(&v, "statement").as_str() {
        "" => Ok(None),
        t => Text::parse(t).map(Some).map_err(|e| AppError::Invalid(e.at("statement"))),
    };
    let result = match statement {
        Ok(st) => s.app.sign_off_log_control(&actor, id, one(&v, "version").parse().unwrap_or(0), st).await,
        Err(e) => Err(e),
    };
    done_or_again(
        &ctx,
        &s,
        result,
        |case| format!("/log-control/{id}?done={}", if case.is_some() { "lc_signed_case" } else { "lc_signed" }),
        |fe| package_page(&s, &ctx, &actor, id, None, Some(fe), Shown::default()),
    )
    .await
}
