//! Follow-up for the IT security coordinator and the security officer, in one page:
//! provisioning that fails, with "try again now" (PRV-2); reconciliation of each system a
//! connector can read (PRV-3: orphans and drift); supplier support accounts waiting for
//! the security officer (EMG-3); consultant engagements whose deletion confirmation is
//! overdue (AGR-6). Each list shows only the actions the role may take.

use super::*;
use domain::account::Drift;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/oversight", get(oversight))
        .route("/oversight/retry/{id}", post(retry))
        .route("/oversight/reconcile/{id}", post(reconcile))
        .route("/oversight/support/{id}/approve", post(approve_support))
        .route("/oversight/deletions/{id}/confirm", post(confirm_deletion))
}

async fn oversight(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, Query(q): Query<ListQuery>) -> Response {
    oversight_page(&s, &ctx, &actor, done_message(&ctx, &q.done), None).await
}

async fn oversight_page(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    success: Option<String>,
    drift: Option<(String, Result<Vec<Drift>, String>)>,
) -> Response {
    let tr = &ctx.tr;
    let mut sections = Vec::new();
    let mut allowed = false;
    if let Ok(failing) = s.app.failing_actions(actor).await {
        allowed = true;
        sections.push(failing_section(s, tr, &failing).await);
        let systems = s.app.reconcilable_systems(actor).await.unwrap_or_default();
        sections.push(reconcile_section(tr, &systems, drift));
    }
    if let Ok(waiting) = s.app.support_accounts_waiting(actor).await {
        allowed = true;
        sections.push(support_section(s, tr, actor, &waiting).await);
    }
    if matches!(actor.role, UserRole::SecurityCoordinator | UserRole::SecurityOfficer)
        && let Ok(overdue) = s.app.overdue_deletions(actor).await
    {
        allowed = true;
        sections.push(deletions_section(s, tr, actor, &overdue).await);
    }
    if !allowed {
        return app_error_page(ctx, AppError::NotFound);
    }
    let mut p = page(ctx, "nav-oversight", sections);
    p.intro = Some(tr.t("ui-oversight-intro"));
    p.actions.push(("/policy".into(), tr.t("nav-policy")));
    p.success = success;
    render(&p)
}

async fn failing_section(s: &AppState, tr: &Tr, failing: &[store::FailingMessage]) -> Section {
    let id_of = |m: &store::FailingMessage, k: &str| m.payload.get(k).and_then(|v| v.as_str()).and_then(|x| Uuid::parse_str(x).ok());
    let ids: Vec<Uuid> = failing.iter().filter_map(|m| id_of(m, "system_id")).collect();
    let names = s.app.names(&ids).await.unwrap_or_default();
    let rows = failing
        .iter()
        .map(|m| {
            let text = |k: &str| m.payload.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let username = match id_of(m, "account_id") {
                Some(a) => link(text("username"), format!("/accounts/{a}")),
                None => cell(text("username")),
            };
            let mut retry = cell(tr.time(&m.next_attempt_at));
            retry.form = Some(button(format!("/oversight/retry/{}", m.id), tr.t("ui-retry-now"), false, Vec::new()));
            vec![
                cell(id_of(m, "system_id").and_then(|x| names.get(&x).cloned()).unwrap_or_default()),
                cell(tr.t(&format!("action-{}", text("action")))),
                username,
                cell(tr.num(&(m.attempts as u64))),
                cell(m.last_error.clone()),
                retry,
            ]
        })
        .collect();
    Section {
        id: Some("failing"),
        heading: tr.t1("ui-failing-heading", &tr.num(&(failing.len() as u64))),
        text: Some(tr.t("ui-failing-intro")),
        table: Some(TableSpec {
            caption: tr.t("ui-failing-caption"),
            headers: vec![
                tr.t("field-system_id"),
                tr.t("ui-task"),
                tr.t("field-username"),
                tr.t("ui-attempts"),
                tr.t("ui-last-error"),
                tr.t("ui-next-attempt"),
            ],
            rows,
            empty: tr.t("ui-failing-none"),
            more: String::new(),
        }),
        ..Default::default()
    }
}

fn reconcile_section(tr: &Tr, systems: &[(Uuid, String)], drift: Option<(String, Result<Vec<Drift>, String>)>) -> Section {
    let rows = systems
        .iter()
        .map(|(id, name)| {
            let mut c = cell(name.clone());
            c.form = Some(button(format!("/oversight/reconcile/{id}"), tr.t1("ui-reconcile-system", name), false, Vec::new()));
            vec![c]
        })
        .collect();
    let mut section = Section {
        id: Some("reconciliation"),
        heading: tr.t("ui-reconcile-heading"),
        text: Some(tr.t(if systems.is_empty() { "ui-reconcile-none" } else { "ui-reconcile-intro" })),
        table: (!systems.is_empty()).then(|| TableSpec {
            caption: tr.t("ui-reconcile-heading"),
            headers: vec![tr.t("field-system_id")],
            rows,
            empty: String::new(),
            more: String::new(),
        }),
        ..Default::default()
    };
    if let Some((system, result)) = drift {
        section.facts = match result {
            Ok(found) if found.is_empty() => vec![(system, tr.t("ui-drift-none"))],
            Ok(found) => found.iter().map(|d| (system.clone(), drift_text(tr, d))).collect(),
            Err(e) => vec![(system, e)],
        };
    }
    section
}

fn drift_text(tr: &Tr, d: &Drift) -> String {
    match d {
        Drift::Orphan { username } => tr.t1("ui-drift-orphan", username),
        Drift::Missing { username } => tr.t1("ui-drift-missing", username),
        Drift::EnabledButShouldNotBe { username, status } => {
            tr.text("ui-drift-enabled", &[("arg", username.as_str()), ("arg2", tr.t(&format!("status-{}", status.as_str())).as_str())])
        }
        Drift::DisabledButShouldBeEnabled { username } => tr.t1("ui-drift-disabled", username),
        Drift::Groups { username, extra, missing } => tr.text(
            "ui-drift-groups",
            &[("arg", username.as_str()), ("extra", extra.join(", ").as_str()), ("missing", missing.join(", ").as_str())],
        ),
    }
}

async fn support_section(s: &AppState, tr: &Tr, actor: &Actor, waiting: &[store::AccountRow]) -> Section {
    let ids: Vec<Uuid> = waiting.iter().flat_map(|a| [a.person_id, a.system_id]).collect();
    let names = s.app.names(&ids).await.unwrap_or_default();
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let may_approve = s.app.can(actor, domain::authz::Permission::ApproveSupport);
    let rows = waiting
        .iter()
        .map(|a| {
            let mut period = cell(format!("{} – {}", tr.date(&a.valid_from), tr.opt_date(&a.valid_to)));
            if may_approve {
                let mut b = button(format!("/oversight/support/{}/approve", a.id), tr.t("ui-approve"), true, Vec::new());
                b.confirm = Some(
                    tr.text("ui-support-approve-confirm", &[("arg", name(&a.person_id).as_str()), ("arg2", name(&a.system_id).as_str())]),
                );
                period.form = Some(b);
            }
            vec![
                cell(name(&a.person_id)),
                cell(format!("{} ({})", name(&a.system_id), a.username)),
                cell(a.purpose.clone().unwrap_or_default()),
                cell(a.created_by.clone().unwrap_or_default()),
                period,
            ]
        })
        .collect();
    Section {
        id: Some("support"),
        heading: tr.t1("ui-support-heading", &tr.num(&(waiting.len() as u64))),
        text: Some(tr.t(if may_approve { "ui-support-intro-officer" } else { "ui-support-intro" })),
        table: Some(TableSpec {
            caption: tr.t("ui-support-caption"),
            headers: vec![tr.t("field-person_id"), tr.t("field-system_id"), tr.t("ui-purpose"), tr.t("ui-requested-by"), tr.t("ui-period")],
            rows,
            empty: tr.t("ui-support-none"),
            more: String::new(),
        }),
        ..Default::default()
    }
}

async fn deletions_section(s: &AppState, tr: &Tr, actor: &Actor, overdue: &[app::OverdueDeletion]) -> Section {
    let names = s.app.names(&overdue.iter().map(|o| o.supplier_id).collect::<Vec<_>>()).await.unwrap_or_default();
    let may_confirm = s.app.can(actor, domain::authz::Permission::ConfirmDeletion);
    let rows = overdue
        .iter()
        .map(|o| {
            let mut due = cell(tr.date(&o.due));
            if may_confirm {
                let mut f =
                    button(format!("/oversight/deletions/{}/confirm", o.agreement_id), tr.t("ui-confirm-deletion"), false, Vec::new());
                f.confirm = Some(tr.t1("ui-confirm-deletion-confirm", &o.title));
                due.form = Some(f);
            }
            vec![
                link(o.title.clone(), format!("/registry/agreement/{}", o.agreement_id)),
                cell(names.get(&o.supplier_id).cloned().unwrap_or_default()),
                cell(tr.date(&o.ended)),
                due,
            ]
        })
        .collect();
    Section {
        heading: tr.t1("ui-deletions-heading", &tr.num(&(overdue.len() as u64))),
        text: Some(tr.t("ui-deletions-intro")),
        table: Some(TableSpec {
            caption: tr.t("ui-deletions-caption"),
            headers: vec![tr.t("field-agreement_id"), tr.t("field-supplier_id"), tr.t("ui-ended"), tr.t("ui-confirmation-due")],
            rows,
            empty: tr.t("ui-deletions-none"),
            more: String::new(),
        }),
        ..Default::default()
    }
}

async fn retry(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, RecordId(id): RecordId, Posted(_): Posted) -> Response {
    match s.app.retry_action_now(&actor, id).await {
        Ok(()) => {
            // Tried at once, by the same path as the scheduled run.
            if let Err(e) = s.app.process_outbox().await {
                tracing::warn!(error = %e, "outbox run after a retry failed");
            }
            Redirect::to("/oversight?done=retried").into_response()
        }
        Err(e) => app_error_page(&ctx, e),
    }
}

async fn reconcile(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, RecordId(id): RecordId, Posted(_): Posted) -> Response {
    let name = s.app.names(&[id]).await.ok().and_then(|mut n| n.remove(&id)).unwrap_or_default();
    let result = match s.app.reconcile(&actor, id).await {
        Ok(d) => Ok(d),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => return app_error_page(&ctx, e),
        Err(e) => Err(form_error(&ctx, &s.catalog, e).message),
    };
    oversight_page(&s, &ctx, &actor, None, Some((name, result))).await
}

async fn approve_support(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Posted(_): Posted,
) -> Response {
    match s.app.approve_support_account(&actor, id).await {
        Ok(a) => Redirect::to(&format!("/accounts/{}?done=support_approved", a.id)).into_response(),
        Err(e) => app_error_page(&ctx, e),
    }
}

async fn confirm_deletion(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Posted(_): Posted,
) -> Response {
    match s.app.confirm_deletion(&actor, id, None).await {
        Ok(()) => Redirect::to("/oversight?done=deletion_confirmed").into_response(),
        Err(e) => app_error_page(&ctx, e),
    }
}
