//! A request's page: what the approver decides on — who, for which supplier and
//! agreement, what access, the person's evidence and other accounts, the needs
//! assessment, a late order's notice against the policy's — and the decision with a
//! comment either way; then the next request waiting in the inbox (REQ-1, REQ-2, REQ-3).

use super::*;
use domain::request::AccessRequest;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/requests/{id}", get(request_detail)).route("/requests/{id}/decide", post(decide))
}

async fn request_detail(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Query(q): Query<ListQuery>,
) -> Response {
    show_request(&s, &ctx, &actor, id, done_message(&ctx, &q.done), None).await
}

/// The reference people quote on the phone: the id's last eight characters.
fn reference(id: Uuid) -> String {
    let s = id.simple().to_string();
    s[s.len() - 8..].to_uppercase()
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
    ids.extend(r.supplier_id);
    ids.extend(r.job_profile_id);
    ids.extend(r.profiles.iter().copied());
    let names = s.app.names(&ids).await.unwrap_or_default();
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let dash = |v: String| if v.is_empty() { "–".to_string() } else { v };
    let kind = tr.t(&format!("kind-{}", requests::kind_code(r.kind)));
    let mut facts = vec![
        (tr.t("ui-reference"), reference(id)),
        (tr.t("field-person_id"), name(&r.person_id)),
        (tr.t("field-supplier_id"), dash(r.supplier_id.map(|x| name(&x)).unwrap_or_default())),
        (tr.t("field-agreement_id"), dash(r.agreement_id.map(|x| name(&x)).unwrap_or_default())),
        (tr.t("field-kind"), kind.clone()),
        (tr.t("field-state"), tr.t(&format!("state-{}", r.state.as_str()))),
        (tr.t("field-department_id"), name(&r.department_id)),
    ];
    if let Some(x) = r.system_id {
        facts.push((tr.t("field-system_id"), name(&x)));
    }
    if let Some(x) = r.job_profile_id {
        facts.push((tr.t("field-job_profile_id"), name(&x)));
    }
    facts.push((tr.t("field-profiles"), dash(r.profiles.iter().map(&name).collect::<Vec<_>>().join(", "))));
    facts.push((tr.t("field-needs_assessment_ref"), dash(r.needs_assessment_ref.as_ref().map(|n| n.to_string()).unwrap_or_default())));
    facts.push((tr.t("field-wanted_start"), tr.date(&r.wanted_start)));
    facts.push((tr.t("field-end_date"), tr.opt_date(&r.end_date)));
    // People by their names: the usernames the request keeps, as display names.
    let usernames: Vec<String> = std::iter::once(&r.requested_by).chain(r.history.iter().map(|h| &h.by)).map(|b| b.name.clone()).collect();
    let people = s.app.display_names(&usernames).await;
    let person = |username: &String| people.get(username).unwrap_or(username).clone();
    facts.push((tr.t("ui-requested-by"), format!("{} ({})", person(&r.requested_by.name), tr.role(&r.requested_by.role))));
    let mut sections = vec![Section { heading: tr.t("ui-request-facts"), facts, ..Default::default() }];
    if r.state.is_open() {
        sections.push(evidence_section(s, ctx, actor, r.person_id).await);
    }
    // The person's accounts, also after the decision: what the order led to.
    sections.push(other_accounts_section(s, ctx, actor, r).await);
    // The policy checks as they stand now (REQ-*), for the approver.
    if r.state.is_open() {
        sections.push(Section { heading: tr.t("ui-checks"), text: Some(checks_text(s, tr, &view).await), ..Default::default() });
    }
    let mut forms = Vec::new();
    let version = vec![("version".to_string(), view.version.to_string())];
    if let Some(step) = decision_step(actor, r) {
        let mut approve = button(format!("/requests/{id}/decide"), tr.t("ui-approve"), true, version.clone());
        approve.hidden.push(("step".into(), step.into()));
        approve.inline = false;
        approve.fields.push(FieldSpec::new(tr, "comment", "textarea").hint(tr.t("ui-approve-comment-hint")));
        forms.push(approve);
        let mut reject = button(format!("/requests/{id}/decide"), tr.t("ui-reject"), false, version.clone());
        reject.hidden.push(("step".into(), "reject".into()));
        reject.inline = false;
        let mut comment = FieldSpec::new(tr, "comment", "textarea").required().hint(tr.t("ui-reject-hint"));
        comment.name = "reject_comment".into();
        comment.label = tr.t("field-comment");
        reject.fields.push(comment);
        forms.push(reject);
        sections.push(Section { heading: tr.t("ui-decision"), forms, ..Default::default() });
    } else if r.state.is_open() && r.requested_by.id == actor.id {
        let mut cancel = button(format!("/requests/{id}/decide"), tr.t("ui-cancel-request"), false, version);
        cancel.hidden.push(("step".into(), "cancel".into()));
        forms.push(cancel);
        sections.push(Section { heading: tr.t("ui-cancel-heading"), forms, ..Default::default() });
    }
    sections.push(history_section(tr, r, &person));
    let mut p = page(ctx, "ui-request-title", sections);
    p.crumbs = vec![("/requests".into(), tr.t("nav-requests"))];
    p.c.title = tr.text("ui-request-title-of", &[("arg", kind.as_str()), ("arg2", name(&r.person_id).as_str())]);
    if success.is_some()
        && let Some((next, who)) = next_in_inbox(s, actor, id).await
    {
        p.actions.push((format!("/requests/{next}"), tr.t1("ui-next-in-inbox", &who)));
    }
    p.success = success;
    p.error = error;
    render(&p)
}

/// The approval step this actor may take now, if any.
fn decision_step(actor: &Actor, r: &AccessRequest) -> Option<&'static str> {
    let (step, name) = match r.state {
        RequestState::Submitted => (Step::ApproveAsDepartment, "approve_as_department"),
        RequestState::DepartmentApproved => (Step::ApproveAsCoordinator, "approve_as_coordinator"),
        _ => return None,
    };
    domain::request::may_take(r, actor, step).is_ok().then_some(name)
}

/// ACC-4: the person's evidence, each kind ✓ with its date and who recorded it, or ✗.
async fn evidence_section(s: &AppState, ctx: &Ctx, actor: &Actor, person: Uuid) -> Section {
    let tr = &ctx.tr;
    let rows = s.app.evidence(actor, person).await.unwrap_or_default();
    let facts = [EvidenceKind::ConfidentialityDeclaration, EvidenceKind::Training, EvidenceKind::IdentityCheck]
        .into_iter()
        .map(|kind| {
            let code = serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
            let latest = rows.iter().filter(|e| e.kind == code).max_by_key(|e| e.recorded_at);
            let text = match latest {
                Some(e) => tr.text("ui-evidence-yes", &[("arg", tr.time(&e.recorded_at).as_str()), ("arg2", e.recorded_by.as_str())]),
                None => tr.t("ui-evidence-no"),
            };
            (tr.t(&format!("evidence-{code}")), text)
        })
        .collect();
    Section { heading: tr.t("ui-evidence"), facts, ..Default::default() }
}

/// The person's accounts, for an approver to see what they already have.
async fn other_accounts_section(s: &AppState, ctx: &Ctx, actor: &Actor, r: &AccessRequest) -> Section {
    let tr = &ctx.tr;
    let query = store::AccountQuery { person_id: Some(r.person_id), limit: 100, ..Default::default() };
    let accounts = s.app.list_accounts(actor, query).await.map(|x| x.0).unwrap_or_default();
    let names = s.app.names(&accounts.iter().map(|a| a.system_id).collect::<Vec<_>>()).await.unwrap_or_default();
    let today = s.app.now().date();
    let lines: Vec<String> = accounts
        .iter()
        .map(|a| {
            let status = state::status_text(tr, a, today, &[]);
            format!("{} ({}) – {status}", names.get(&a.system_id).cloned().unwrap_or_default(), a.username)
        })
        .collect();
    Section {
        heading: tr.t("ui-other-accounts"),
        text: Some(if lines.is_empty() { tr.t("ui-other-accounts-none") } else { lines.join(" · ") }),
        ..Default::default()
    }
}

/// The checks' outcome in words: a late order says how late against the policy and
/// why, instead of "all rules met"; each failing check is named.
async fn checks_text(s: &AppState, tr: &Tr, view: &app::RequestView) -> String {
    let r = &view.request;
    let mut lines = Vec::new();
    if r.late {
        let required = s
            .app
            .active_preset()
            .await
            .map(|p| {
                let l = &p.policy.lead_times;
                match r.kind {
                    RequestKind::NewAccount => l.new_account_days.value,
                    RequestKind::ChangeRoles => l.change_days.value,
                    _ => l.extension_days.value,
                }
            })
            .unwrap_or(0);
        let ordered = r.submitted_at.unwrap_or(view.created_at).date();
        let notice = (r.wanted_start.0 - ordered.0).num_days().max(0) as u64;
        let reason = r.urgent_reason.as_ref().map(|t| t.to_string()).unwrap_or_else(|| "–".into());
        lines.push(tr.text(
            "ui-late-warning",
            &[("arg", tr.num(&notice).as_str()), ("arg2", tr.num(&u64::from(required)).as_str()), ("reason", reason.as_str())],
        ));
    }
    for c in &view.checks {
        let label = tr.t(&format!("field-{}", c.field.split(['[', '.']).next().unwrap_or("")));
        lines.push(tr.text(
            c.code,
            &[("field", label.as_str()), ("arg", c.arg.as_deref().unwrap_or("")), ("arg2", c.arg2.as_deref().unwrap_or(""))],
        ));
    }
    if lines.is_empty() { tr.t("ui-checks-pass") } else { lines.join(" · ") }
}

fn history_section(tr: &Tr, r: &AccessRequest, person: &dyn Fn(&String) -> String) -> Section {
    Section {
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
                        cell(format!("{} ({})", person(&h.by.name), tr.role(&h.by.role))),
                        cell(tr.t(&format!("state-{}", h.state.as_str()))),
                        cell(h.comment.clone().unwrap_or_default()),
                    ]
                })
                .collect(),
            empty: tr.t("ui-none"),
            more: String::new(),
        }),
        ..Default::default()
    }
}

/// The next request waiting for this actor's decision, and whose it is.
async fn next_in_inbox(s: &AppState, actor: &Actor, current: Uuid) -> Option<(Uuid, String)> {
    let filter = RequestFilter { inbox: true, ..Default::default() };
    let list = s.app.list_requests(actor, &filter, PageRequest { page: 1, page_size: 5 }).await.ok()?;
    let next = list.items.into_iter().find(|r| r.id != current)?;
    let who = s.app.names(&[next.request.person_id]).await.ok()?.remove(&next.request.person_id).unwrap_or_default();
    Some((next.id, who))
}

#[derive(Deserialize)]
struct DecideForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    reject_comment: String,
}

async fn decide(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    CsrfForm(f): CsrfForm<DecideForm>,
) -> Response {
    let step = match f.step.as_str() {
        "approve_as_department" => Step::ApproveAsDepartment,
        "approve_as_coordinator" => Step::ApproveAsCoordinator,
        "reject" => Step::Reject,
        "cancel" => Step::Cancel,
        "submit" => Step::Submit,
        _ => return app_error_page(&ctx, AppError::NotFound),
    };
    let text = if step == Step::Reject { &f.reject_comment } else { &f.comment };
    let comment = Some(text.trim().to_string()).filter(|c| !c.is_empty());
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
