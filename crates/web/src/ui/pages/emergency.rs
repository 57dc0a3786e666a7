//! Emergency temp accounts (EMG-1, EMG-2): the local administrator's page, made for a
//! tablet at night, with the receipt to hand over; the unit leader's sign-offs (in their
//! inbox); the coordinator's reconciliation with who must sign by when, and reminders.

use super::*;
use app::{EmergencyLine, EmergencyReceipt};
use domain::account::AccountStatus;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/emergency", get(emergency).post(create_emergency))
        .route("/emergency/temps/{id}/sign-off", post(sign_off))
        .route("/emergency/temps/{id}/delete", post(order_deletion))
        .route("/emergency/{id}/remind", post(remind))
}

#[derive(Default, Clone)]
struct EmergencyForm {
    name: String,
    supplier_id: String,
    reason: String,
    valid_to: String,
    profiles: Vec<String>,
    same_name_confirmed: bool,
}

fn parse_emergency_form(values: &Values) -> EmergencyForm {
    let one = |k: &str| values.get(k).and_then(|v| v.first()).cloned().unwrap_or_default();
    EmergencyForm {
        name: one("name"),
        supplier_id: one("supplier_id"),
        reason: one("reason"),
        valid_to: one("valid_to"),
        profiles: values.get("profiles").cloned().unwrap_or_default(),
        same_name_confirmed: one("same_name_confirmed") == "true",
    }
}

/// Parses the form at the edge, with the policy's validity rule, so that every field's
/// error shows at once.
fn emergency_input(
    f: &EmergencyForm,
    today: Date,
    policy: &domain::policy::Policy,
) -> Result<EmergencyInput, Vec<domain::error::FieldError>> {
    use domain::error::FieldError;
    let mut errors = Vec::new();
    let name = Name::parse(&f.name).map_err(|e| errors.push(e.at("name"))).ok();
    let reason = Text::parse(&f.reason).map_err(|_| errors.push(FieldError::new("reason", domain::codes::REASON_REQUIRED))).ok();
    let valid_to = Date::parse(&f.valid_to)
        .map_err(|e| e.at("valid_to"))
        .and_then(|d| domain::account::check_emergency_validity(today, d, policy).map(|()| d))
        .map_err(|e| errors.push(e))
        .ok();
    let supplier_id = match f.supplier_id.trim() {
        "" => None,
        x => Uuid::parse_str(x).map_err(|_| errors.push(FieldError::new("supplier_id", domain::codes::UNKNOWN_REFERENCE))).ok(),
    };
    let profiles: Vec<Uuid> = f.profiles.iter().filter_map(|p| Uuid::parse_str(p).ok()).collect();
    if profiles.len() != f.profiles.len() {
        errors.push(FieldError::new("profiles", domain::codes::UNKNOWN_REFERENCE));
    }
    match (name, reason, valid_to) {
        (Some(name), Some(reason), Some(valid_to)) if errors.is_empty() => {
            Ok(EmergencyInput { name, supplier_id, reason: Some(reason), profiles, valid_to, same_name_confirmed: f.same_name_confirmed })
        }
        _ => Err(errors),
    }
}

async fn emergency(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, p: super::listing::ListParams) -> Response {
    if !s.app.can(&actor, domain::authz::Permission::CreateEmergency) {
        return super::emergency_list::reconciliation_page(&s, &ctx, &actor, &p).await;
    }
    let policy = match s.app.active_preset().await {
        Ok(p) => p.policy,
        Err(e) => return app_error_page(&ctx, e),
    };
    let today = s.app.now().date();
    let f = EmergencyForm {
        valid_to: domain::account::emergency_default_valid_to(today, &policy).to_string(),
        // Every profile in the emergency scope is what a temp needs: ticked from the start.
        profiles: scope_profiles(&s, &actor, &policy).await.into_iter().map(|(id, _)| id).collect(),
        ..Default::default()
    };
    local_admin_page(&s, &ctx, &actor, &f, Vec::new(), None).await
}

/// The profiles of the emergency scope, as (id, name).
async fn scope_profiles(s: &AppState, actor: &Actor, policy: &domain::policy::Policy) -> Vec<(String, String)> {
    let page_all = PageRequest { page: 1, page_size: domain::paging::MAX_PAGE_SIZE };
    let scope = &policy.emergency.scope.value;
    match s.app.list::<Profile>(actor, &active_only(), page_all).await {
        Ok(p) => p
            .items
            .into_iter()
            .filter(|e| scope.iter().any(|c| c.eq_ignore_ascii_case(e.data.code.as_str())))
            .map(|e| (e.id.to_string(), e.data.display_name()))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Who signs off the actor's unit's temp accounts: the department's head as the registry
/// names them, else the unit's name.
async fn signer_of(s: &AppState, actor: &Actor) -> String {
    let Some(unit) = actor.department else { return String::new() };
    match s.app.signers_of_unit(unit).await {
        Ok((unit_name, signer, _)) => signer.unwrap_or(unit_name),
        Err(_) => String::new(),
    }
}

/// The local administrator's page: the form (the receipt above it right after a
/// creation), then the temp accounts with their state in every system.
async fn local_admin_page(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    f: &EmergencyForm,
    errors: Vec<FormError>,
    receipt: Option<Section>,
) -> Response {
    let tr = &ctx.tr;
    let policy = match s.app.active_preset().await {
        Ok(p) => p.policy,
        Err(e) => return app_error_page(ctx, e),
    };
    let today = s.app.now().date();
    let latest = domain::account::emergency_latest_valid_to(today, &policy);
    let signer = signer_of(s, actor).await;
    let suppliers = options::<Supplier>(s, actor, active_only()).await;
    let mut fields = vec![
        FieldSpec::new(tr, "name", "text").required().value(&f.name).hint(tr.t("ui-emergency-name-hint")),
        FieldSpec::new(tr, "supplier_id", "select")
            .options(suppliers, std::slice::from_ref(&f.supplier_id))
            .placeholder(tr.t("ui-emergency-no-supplier")),
        FieldSpec::new(tr, "reason", "textarea").required().value(&f.reason).hint(tr.t("ui-emergency-reason-hint")),
        FieldSpec::new(tr, "profiles", "checkboxes")
            .options(scope_profiles(s, actor, &policy).await, &f.profiles)
            .hint(tr.t("ui-emergency-scope-hint")),
        FieldSpec::new(tr, "valid_to", "date").required().value(&f.valid_to).hint(tr.text(
            "ui-emergency-valid-hint",
            &[("arg", tr.date(&latest).as_str()), ("arg2", tr.num(&u64::from(policy.emergency.validity_max_days.value)).as_str())],
        )),
    ];
    fields[1].label = tr.t("field-employer");
    let same_name = errors.iter().any(|e| e.field.as_deref() == Some("name") && e.code == domain::codes::EMERGENCY_NAME_EXISTS);
    if same_name {
        fields.push(
            FieldSpec::new(tr, "same_name_confirmed", "checkboxes").options(vec![("true".into(), tr.t("ui-emergency-same-name"))], &[]),
        );
    }
    let form = FormSpec {
        action: "/emergency".into(),
        submit: tr.t("ui-create-emergency"),
        button_class: "button-primary",
        fields,
        ..Default::default()
    };
    let mut forms = [form];
    let msg = attach_errors(&mut forms, errors);
    let mut sections = Vec::new();
    sections.extend(receipt);
    let intro = tr.text(
        "ui-emergency-intro",
        &[("arg", signer.as_str()), ("arg2", tr.num(&u64::from(policy.emergency.signoff_deadline_hours.value)).as_str())],
    );
    sections.push(Section {
        heading: tr.t("ui-new-emergency"),
        text: Some(intro),
        forms: forms.into_iter().collect(),
        ..Default::default()
    });
    sections.push(temp_list(s, ctx, actor).await);
    let mut p = page(ctx, "nav-emergency", sections);
    let failed = msg.is_some();
    p.error = msg;
    render_form(&p, failed)
}

/// The temp accounts, one row per temp with their systems and the state in each.
async fn temp_list(s: &AppState, ctx: &Ctx, actor: &Actor) -> Section {
    let tr = &ctx.tr;
    let today = s.app.now().date();
    let query = store::AccountQuery { kind: Some("emergency"), limit: 200, ..Default::default() };
    let rows = s.app.list_accounts(actor, query).await.map(|x| x.0).unwrap_or_default();
    let outstanding = s.app.outstanding(&rows).await.unwrap_or_default();
    let mut ids: Vec<Uuid> = rows.iter().flat_map(|a| [a.person_id, a.system_id]).collect();
    ids.dedup();
    let names = s.app.names(&ids).await.unwrap_or_default();
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let mut persons: Vec<Uuid> = Vec::new();
    for a in &rows {
        if !persons.contains(&a.person_id) {
            persons.push(a.person_id);
        }
    }
    let none = Vec::new();
    let table_rows = persons
        .iter()
        .map(|p| {
            let of: Vec<&store::AccountRow> = rows.iter().filter(|a| a.person_id == *p).collect();
            let usernames: Vec<String> =
                of.iter().map(|a| a.username.clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            let systems: Vec<String> =
                of.iter().map(|a| state::target_text(tr, &name(&a.system_id), a, outstanding.get(&a.id).unwrap_or(&none))).collect();
            let signed = of.iter().all(|a| a.signed_off_at.is_some());
            let first = of[0];
            let signoff =
                if signed { tr.t("ui-emergency-signed") } else { tr.t1("ui-emergency-awaiting-signoff", &tr.opt_time(&first.signoff_due)) };
            vec![
                cell(name(p)),
                cell(usernames.join(", ")),
                cell(state::status_text(
                    tr,
                    first,
                    today,
                    &of.iter().flat_map(|a| outstanding.get(&a.id).cloned().unwrap_or_default()).collect::<Vec<_>>(),
                )),
                cell(systems.join(" · ")),
                cell(tr.opt_date(&first.valid_to)),
                cell(signoff),
            ]
        })
        .collect();
    Section {
        heading: tr.t("ui-emergency-list"),
        table: Some(TableSpec {
            caption: tr.t("ui-emergency-list"),
            headers: vec![
                tr.t("field-name"),
                tr.t("field-username"),
                tr.t("field-status"),
                tr.t("ui-in-target"),
                tr.t("field-valid_to"),
                tr.t("ui-signoff"),
            ],
            rows: table_rows,
            empty: tr.t("ui-emergency-none"),
            more: String::new(),
        }),
        ..Default::default()
    }
}

/// What the local administrator hands over: username, the initial password (this once),
/// validity, who signs off by when, and whether each system is ready yet.
async fn receipt_section(s: &AppState, ctx: &Ctx, actor: &Actor, name: &str, r: &EmergencyReceipt) -> Section {
    let tr = &ctx.tr;
    let outstanding = s.app.outstanding(&r.accounts).await.unwrap_or_default();
    let names = s.app.names(&r.accounts.iter().map(|a| a.system_id).collect::<Vec<_>>()).await.unwrap_or_default();
    let none = Vec::new();
    let mut facts: Vec<(String, String)> = r
        .accounts
        .iter()
        .map(|a| {
            let system = names.get(&a.system_id).cloned().unwrap_or_default();
            (tr.t1("ui-username-in", &system), a.username.clone())
        })
        .collect();
    let first = &r.accounts[0];
    facts.push((tr.t("field-valid_to"), tr.opt_date(&first.valid_to)));
    facts.push((
        tr.t("ui-signoff"),
        tr.text(
            "ui-emergency-signoff-by",
            &[("arg", signer_of(s, actor).await.as_str()), ("arg2", tr.opt_time(&first.signoff_due).as_str())],
        ),
    ));
    let ready = r.accounts.iter().all(|a| state::settled(&outstanding, a.id));
    let states: Vec<String> = r
        .accounts
        .iter()
        .map(|a| state::target_text(tr, &names.get(&a.system_id).cloned().unwrap_or_default(), a, outstanding.get(&a.id).unwrap_or(&none)))
        .collect();
    facts.push((tr.t("ui-in-target"), states.join(" · ")));
    Section {
        id: Some("receipt"),
        heading: tr.t1(if ready { "ui-emergency-receipt" } else { "ui-emergency-receipt-waiting" }, name),
        text: Some(tr.t(if ready { "ui-emergency-ready" } else { "ui-emergency-not-ready" })),
        facts,
        secrets: vec![(tr.t("ui-initial-password"), r.initial_password.clone())],
        ..Default::default()
    }
}

async fn create_emergency(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, Posted(values): Posted) -> Response {
    let f = parse_emergency_form(&values);
    let policy = match s.app.active_preset().await {
        Ok(p) => p.policy,
        Err(e) => return app_error_page(&ctx, e),
    };
    let input = match emergency_input(&f, s.app.now().date(), &policy) {
        Ok(i) => i,
        Err(errors) => {
            let errors = errors.into_iter().map(|e| form_error(&ctx, &s.catalog, AppError::Invalid(e))).collect();
            return local_admin_page(&s, &ctx, &actor, &f, errors, None).await;
        }
    };
    let name = input.name.to_string();
    match s.app.create_emergency_account(&actor, input).await {
        Ok(receipt) => {
            let section = receipt_section(&s, &ctx, &actor, &name, &receipt).await;
            let fresh = EmergencyForm {
                valid_to: domain::account::emergency_default_valid_to(s.app.now().date(), &policy).to_string(),
                profiles: f.profiles.clone(),
                ..Default::default()
            };
            local_admin_page(&s, &ctx, &actor, &fresh, Vec::new(), Some(section)).await
        }
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => app_error_page(&ctx, e),
        Err(e) => {
            let fe = form_error(&ctx, &s.catalog, e);
            local_admin_page(&s, &ctx, &actor, &f, vec![fe], None).await
        }
    }
}

/// EMG-2: the coordinator's (and security officer's, auditor's) reconciliation: every
/// temp account, who must sign it off by when, and a reminder for the coordinator.
/// EMG-2: the unit leader's temps waiting for their sign-off, one card each (with every
/// system the temp got) holding what they need to decide, for their inbox. Empty for
/// anyone else.
pub(super) async fn signoff_sections(s: &AppState, ctx: &Ctx, actor: &Actor) -> Vec<Section> {
    if !s.app.can(actor, domain::authz::Permission::SignOffEmergency) {
        return Vec::new();
    }
    let tr = &ctx.tr;
    let lines: Vec<EmergencyLine> =
        // Still open and not signed off: a closed temp account needs no sign-off any more.
        s.app
            .emergency_reconciliation(actor)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|l| l.signed_off_at.is_none() && !matches!(l.status, AccountStatus::Disabled | AccountStatus::Terminated))
            .collect();
    let mut temps: Vec<Uuid> = Vec::new();
    for l in &lines {
        if !temps.contains(&l.person_id) {
            temps.push(l.person_id);
        }
    }
    let mut out = vec![Section {
        id: Some("signoffs"),
        heading: tr.t1("ui-signoffs-waiting", &tr.num(&(temps.len() as u64))),
        text: Some(tr.t(if temps.is_empty() { "ui-signoffs-none" } else { "ui-signoffs-intro" })),
        ..Default::default()
    }];
    for person in temps {
        let of: Vec<&EmergencyLine> = lines.iter().filter(|l| l.person_id == person).collect();
        let l = of[0];
        let deleted = of.iter().all(|x| x.status == AccountStatus::Terminated);
        let systems: Vec<String> = of.iter().map(|x| format!("{} ({})", x.system_name, x.username)).collect();
        let mut facts = vec![
            (tr.t("ui-signoff-what"), tr.t(if deleted { "ui-signoff-deletion" } else { "ui-signoff-creation" })),
            (tr.t("field-system_id"), systems.join(", ")),
            (tr.t("field-reason"), l.reason.clone().unwrap_or_else(|| "–".into())),
            (tr.t("ui-created-by"), format!("{}, {}", l.created_by.clone().unwrap_or_default(), tr.time(&l.created_at))),
            (tr.t("field-valid_to"), tr.opt_date(&l.valid_to)),
            (tr.t("ui-signoff-due"), due_text(tr, l)),
        ];
        if let Some(at) = of.iter().filter_map(|x| x.reminded_at).max() {
            facts.push((tr.t("ui-reminder"), tr.t1("ui-reminded-at", &tr.time(&at))));
        }
        let mut sign = button(format!("/emergency/temps/{person}/sign-off"), tr.t("ui-sign-off"), true, Vec::new());
        sign.inline = false;
        let mut forms = vec![sign];
        if !deleted {
            let mut delete = button(format!("/emergency/temps/{person}/delete"), tr.t("ui-order-deletion"), false, Vec::new());
            delete.inline = false;
            let mut reason = FieldSpec::new(tr, "reason", "textarea").required();
            reason.name = format!("reason-{person}");
            reason.label = tr.t("ui-deletion-reason");
            delete.fields.push(reason);
            delete.confirm = Some(tr.t1("ui-order-deletion-confirm", &l.person_name));
            forms.push(delete);
        }
        out.push(Section { heading: l.person_name.clone(), facts, forms, ..Default::default() });
    }
    out
}

/// Who signs off, with the registry's substitute named as such.
pub(super) fn signer_text(tr: &Tr, l: &EmergencyLine) -> String {
    let signer = l.signer.clone().unwrap_or_else(|| tr.t("ui-no-signer"));
    match &l.signer_substitute {
        Some(sub) => tr.text("ui-signer-with-substitute", &[("arg", signer.as_str()), ("arg2", sub.as_str())]),
        None => signer,
    }
}

/// When the sign-off is due, marked in words when the deadline has passed.
pub(super) fn due_text(tr: &Tr, l: &EmergencyLine) -> String {
    let due = tr.opt_time(&l.signoff_due);
    if l.overdue { format!("{due} {}", tr.t("ui-overdue-suffix")) } else { due }
}

async fn sign_off(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, RecordId(id): RecordId, Posted(_): Posted) -> Response {
    match s.app.sign_off_emergency_temp(&actor, id).await {
        Ok(_) => Redirect::to("/inbox?done=signed_off").into_response(),
        Err(e) => decided_elsewhere(&s, &ctx, e),
    }
}

/// EMG-2: the unit's leader orders a temp account deleted, with the reason.
async fn order_deletion(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Posted(values): Posted,
) -> Response {
    let reason = values.get(&format!("reason-{id}")).and_then(|v| v.first()).cloned().unwrap_or_default();
    let Ok(reason) = Text::parse(&reason) else {
        return Redirect::to("/inbox?error=deletion_reason_missing").into_response();
    };
    match s.app.order_emergency_deletion_temp(&actor, id, reason).await {
        Ok(_) => Redirect::to("/inbox?done=deletion_ordered").into_response(),
        Err(e) => decided_elsewhere(&s, &ctx, e),
    }
}

async fn remind(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, RecordId(id): RecordId, Posted(_): Posted) -> Response {
    match s.app.remind_emergency_signoff(&actor, id).await {
        Ok(_) => Redirect::to("/emergency?done=reminded").into_response(),
        Err(e) => decided_elsewhere(&s, &ctx, e),
    }
}

/// A sign-off another tab or person decided meanwhile reads as what it is, not as a
/// form error; anything not one's own is a page that does not exist.
fn decided_elsewhere(s: &AppState, ctx: &Ctx, e: AppError) -> Response {
    match e {
        AppError::Invalid(fe) | AppError::Conflict(fe) | AppError::Denied(fe) if fe.code == domain::codes::NOT_YOUR_AREA => {
            app_error_page(ctx, AppError::NotFound)
        }
        AppError::Invalid(fe) if fe.code == domain::codes::ALREADY_SIGNED_OFF => {
            let back = if ctx.path.contains("/remind") { "/emergency" } else { "/inbox" };
            Redirect::to(&format!("{back}?error=already_signed_off")).into_response()
        }
        other => {
            let msg = form_error(ctx, &s.catalog, other).message;
            error_page(ctx, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &msg)
        }
    }
}
