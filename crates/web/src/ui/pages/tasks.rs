//! Manual provisioning tasks (IT operator, PRV-1): the open tasks grouped by person and
//! request, and each task's page with everything needed to carry it out by hand — the
//! initial password in monospace with a copy button — then "done" or "could not be
//! done" with the reason.

use super::*;
use app::TaskView;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(tasks))
        .route("/tasks/{id}", get(task))
        .route("/tasks/{id}/confirm", post(confirm_task))
        .route("/tasks/{id}/fail", post(fail_task))
}

async fn tasks(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, Query(q): Query<ListQuery>) -> Response {
    let tr = &ctx.tr;
    let mut views = match s.app.open_task_views(&actor).await {
        Ok(l) => l,
        Err(e) => return app_error_page(&ctx, e),
    };
    // RPT-1: the dashboard's "older than two days" opens the list narrowed to those.
    let only_old = q.older.as_deref() == Some("yes");
    if only_old {
        let before = s.app.now().0 - chrono::Duration::days(app::TASK_OLD_DAYS);
        views.retain(|v| v.task.created_at.0 < before);
    }
    let mut sections = Vec::new();
    let mut i = 0;
    while i < views.len() {
        let group: Vec<&TaskView> = views[i..].iter().take_while(|v| same_group(v, &views[i])).collect();
        i += group.len();
        let first = group[0];
        let rows = group
            .iter()
            .map(|v| {
                vec![
                    link(tr.t(&format!("action-{}", v.task.action)), format!("/tasks/{}", v.task.id)),
                    cell(v.system.clone()),
                    cell(username(v)),
                    cell(v.account.as_ref().map(|a| tr.date(&a.valid_from)).unwrap_or_default()),
                    cell(tr.time(&v.task.created_at)),
                ]
            })
            .collect();
        let heading = match &first.supplier {
            Some(sup) => format!("{} – {sup}", first.person),
            None => first.person.clone(),
        };
        sections.push(Section {
            table: Some(TableSpec {
                caption: heading.clone(),
                headers: vec![tr.t("ui-task"), tr.t("field-system_id"), tr.t("field-username"), tr.t("ui-do-from"), tr.t("ui-when")],
                rows,
                empty: String::new(),
                more: String::new(),
            }),
            heading,
            ..Default::default()
        });
    }
    if sections.is_empty() {
        sections.push(Section { text: Some(tr.t("ui-no-tasks")), ..Default::default() });
    }
    let mut p = page(&ctx, "nav-tasks", sections);
    p.intro = Some(tr.t("ui-tasks-intro"));
    if only_old {
        p.intro = Some(tr.t1("ui-tasks-only-old", &app::TASK_OLD_DAYS.to_string()));
        p.actions.push(("/tasks".into(), tr.t("ui-tasks-show-all")));
    }
    p.success = done_message(&ctx, &q.done);
    render(&p)
}

fn same_group(a: &TaskView, b: &TaskView) -> bool {
    match (a.task.request_id, b.task.request_id) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.account.as_ref().map(|x| x.person_id) == b.account.as_ref().map(|x| x.person_id),
        _ => false,
    }
}

fn username(v: &TaskView) -> String {
    v.task
        .details
        .get("username")
        .and_then(|u| u.as_str())
        .map(String::from)
        .or_else(|| v.account.as_ref().map(|a| a.username.clone()))
        .unwrap_or_default()
}

async fn task(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, RecordId(id): RecordId) -> Response {
    task_page(&s, &ctx, &actor, id, None).await
}

/// A task's page; `refused` is its "could not be done" form sent back without a reason.
async fn task_page(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid, refused: Option<FormError>) -> Response {
    let tr = &ctx.tr;
    let v = match s.app.task_view(actor, id).await {
        Ok(v) => v,
        Err(e) => return app_error_page(ctx, e),
    };
    let action = tr.t(&format!("action-{}", v.task.action));
    let mut facts = vec![
        (tr.t("ui-task"), action.clone()),
        (tr.t("field-system_id"), v.system.clone()),
        (tr.t("field-username"), username(&v)),
        (tr.t("field-person_id"), v.person.clone()),
        (tr.t("field-supplier_id"), v.supplier.clone().unwrap_or_else(|| "–".into())),
    ];
    if let Some(a) = &v.account {
        facts.push((tr.t("ui-do-from"), tr.date(&a.valid_from)));
        facts.push((tr.t("field-valid_to"), tr.opt_date(&a.valid_to)));
    }
    if matches!(v.task.action.as_str(), "create" | "set_groups") {
        let groups: Vec<String> = v.roles.iter().map(|(code, name)| format!("{name} ({code})")).collect();
        facts.push((tr.t("ui-groups-to-grant"), if groups.is_empty() { "–".into() } else { groups.join(", ") }));
        facts.push((tr.t("field-profiles"), if v.profiles.is_empty() { "–".into() } else { v.profiles.join(", ") }));
    }
    if v.task.details.get("if_created").and_then(|m| m.as_bool()).unwrap_or(false) {
        facts.push((tr.t("ui-task-if-created"), tr.t("ui-task-if-created-text")));
    }
    if v.task.details.get("must_change_password").and_then(|m| m.as_bool()).unwrap_or(false) {
        facts.push((tr.t("ui-must-change"), tr.t("ui-yes")));
    }
    if v.task.attempt > 1 {
        facts.push((tr.t("ui-attempt"), tr.num(&(v.task.attempt as u64))));
    }
    let mut sections = Vec::new();
    let secrets: Vec<(String, String)> = v
        .task
        .details
        .get("initial_password")
        .and_then(|p| p.as_str())
        .map(|p| (tr.t("ui-task-password"), p.to_string()))
        .into_iter()
        .collect();
    let open = v.task.state == "open";
    sections.push(Section {
        heading: tr.t("ui-task-facts"),
        text: Some(tr.t(if open { "ui-task-howto" } else { "ui-task-decided" })),
        facts,
        secrets,
        ..Default::default()
    });
    let mut p = page(ctx, "ui-task", sections);
    p.crumbs = vec![("/tasks".into(), tr.t("nav-tasks"))];
    p.c.title = tr.catalog.text(tr.lang, "ui-task-title", &[("arg", action.as_str()), ("arg2", v.system.as_str())]);
    if let Some(r) = v.task.request_id {
        p.actions.push((format!("/requests/{r}"), tr.t("ui-open-request")));
    }
    if let Some(a) = &v.account {
        p.actions.push((format!("/accounts/{}", a.id), tr.t("ui-open-account")));
    }
    if open {
        let mut done = button(format!("/tasks/{id}/confirm"), tr.t("ui-confirm-done"), true, Vec::new());
        done.inline = false;
        done.fields.push(FieldSpec::new(tr, "note", "textarea").hint(tr.t("ui-task-note-hint")));
        let mut fail = button(format!("/tasks/{id}/fail"), tr.t("ui-task-fail"), false, Vec::new());
        fail.inline = false;
        let mut reason = FieldSpec::new(tr, "reason", "textarea").required().hint(tr.t("ui-task-fail-hint"));
        reason.error = refused.as_ref().map(|e| e.message.clone());
        fail.fields.push(reason);
        p.sections.push(Section { heading: tr.t("ui-task-done-heading"), forms: vec![done], ..Default::default() });
        p.sections.push(Section {
            heading: tr.t("ui-task-fail-heading"),
            forms: vec![fail],
            collapsible: Some(refused.is_some()),
            ..Default::default()
        });
    }
    let failed = refused.is_some();
    p.error = refused.map(|e| e.message);
    render_form(&p, failed)
}

#[derive(Deserialize)]
struct TaskForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    reason: String,
}

async fn confirm_task(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    CsrfForm(f): CsrfForm<TaskForm>,
) -> Response {
    let note = Some(f.note.trim().to_string()).filter(|n| !n.is_empty());
    match s.app.confirm_task(&actor, id, note).await {
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

/// The operator could not carry the task out: it goes back on the queue with back-off
/// and shows as failing to the coordinator; the reason is required.
async fn fail_task(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    CsrfForm(f): CsrfForm<TaskForm>,
) -> Response {
    let failed = match f.reason.trim() {
        "" => Err(AppError::Invalid(domain::error::FieldError::new("reason", domain::codes::REASON_REQUIRED))),
        reason => s.app.fail_task(&actor, id, reason.to_string()).await.map(|_| ()),
    };
    done_or_again(&ctx, &s, failed, |()| "/tasks?done=task_failed".into(), |fe| task_page(&s, &ctx, &actor, id, Some(fe))).await
}
