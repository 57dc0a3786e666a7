//! Manual provisioning tasks (IT operator, PRV-1): the open tasks grouped by person and
//! request, and each task's page with everything needed to carry it out by hand — the
//! initial password in monospace with a copy button — then "done" or "could not be
//! done" with the reason.

use super::listing::{Filter, ListParams, ListSpec, PAGE_SIZE, back_to, col, csv_response, texts};
use super::*;
use app::TaskView;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(tasks))
        .route("/tasks/{id}", get(task))
        .route("/tasks/{id}/confirm", post(confirm_task))
        .route("/tasks/{id}/fail", post(fail_task))
}

/// The sort keys of the tasks list.
const SORTS: [&str; 4] = ["created", "person", "system", "from"];

/// The open tasks the search and filters select, in the list's order (an IT operator
/// has tens of them at a time: filtered here).
fn select(p: &ListParams, now: domain::time::Timestamp, mut views: Vec<TaskView>) -> Vec<TaskView> {
    if let Some(q) = p.text().map(|q| q.to_lowercase()) {
        views.retain(|v| v.person.to_lowercase().contains(&q) || username(v).to_lowercase().contains(&q));
    }
    if let Some(system) = p.id("system") {
        views.retain(|v| v.task.system_id == system);
    }
    if let Some(action) = p.get("task_action") {
        views.retain(|v| v.task.action == action);
    }
    // RPT-1: the dashboard's "older than two days" opens the list narrowed to those.
    if p.get("older") == Some("yes") {
        let before = now.0 - chrono::Duration::days(app::TASK_OLD_DAYS);
        views.retain(|v| v.task.created_at.0 < before);
    }
    match p.sort_by(&SORTS) {
        Some("person") => views.sort_by_key(|v| v.person.to_lowercase()),
        Some("system") => views.sort_by_key(|v| v.system.to_lowercase()),
        Some("created") => views.sort_by_key(|v| v.task.created_at),
        // By the day it may be done from, then the oldest first: what can be done now on top.
        _ => views.sort_by_key(|v| (v.account.as_ref().map(|a| a.valid_from), v.task.created_at)),
    }
    if p.desc {
        views.reverse();
    }
    views
}

/// A task's page, leading back to the list as it was (`back`: the list's state).
fn task_href(id: Uuid, back: &str) -> String {
    if back.is_empty() { format!("/tasks/{id}") } else { format!("/tasks/{id}?back={}", crate::ui::urlencode(back)) }
}

async fn tasks(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, p: ListParams) -> Response {
    let tr = &ctx.tr;
    let back = p.state_query();
    let views = match s.app.open_task_views(&actor).await {
        Ok(l) => l,
        Err(e) => return app_error_page(&ctx, e),
    };
    let mut systems: Vec<(String, String)> = views.iter().map(|v| (v.task.system_id.to_string(), v.system.clone())).collect();
    systems.sort_by(|a, b| a.1.cmp(&b.1));
    systems.dedup();
    let mut actions: Vec<(String, String)> =
        views.iter().map(|v| (v.task.action.clone(), tr.t(&format!("action-{}", v.task.action)))).collect();
    actions.sort();
    actions.dedup();
    let views = select(&p, s.app.now(), views);
    let total = views.len() as u64;
    let shown: Vec<&TaskView> =
        if p.csv { views.iter().collect() } else { views.iter().skip(p.offset() as usize).take(PAGE_SIZE as usize).collect() };
    let rows: Vec<Vec<Cell>> = shown
        .iter()
        .map(|v| {
            vec![
                link(tr.t(&format!("action-{}", v.task.action)), task_href(v.task.id, &back)),
                cell(match &v.supplier {
                    Some(sup) => format!("{} – {sup}", v.person),
                    None => v.person.clone(),
                }),
                cell(v.system.clone()),
                cell(username(v)),
                cell(v.account.as_ref().map(|a| tr.date(&a.valid_from)).unwrap_or_default()),
                cell(tr.time(&v.task.created_at)),
            ]
        })
        .collect();
    let columns = vec![
        col(tr, "ui-task", None),
        col(tr, "field-person_id", Some("person")),
        col(tr, "field-system_id", Some("system")),
        col(tr, "field-username", None),
        col(tr, "ui-do-from", Some("from")),
        col(tr, "ui-when", Some("created")),
    ];
    if p.csv {
        return csv_response(tr, "tasks", &columns, rows.iter().map(|r| texts(r)).collect());
    }
    let spec = ListSpec {
        path: "/tasks",
        params: &p,
        columns,
        filters: vec![
            Filter { name: "system", options: systems },
            Filter { name: "task_action", options: actions },
            Filter { name: "older", options: vec![("yes".into(), tr.t1("ui-older-than-days", &app::TASK_OLD_DAYS.to_string()))] },
        ],
        fixed: &[],
        default_sort: ("from", false),
        search_hint: tr.t("ui-search-user-hint"),
        total,
        capped: false,
    };
    let list = spec.section(&ctx, tr.t("nav-tasks"), rows, tr.t("ui-no-tasks"), Vec::new());
    let mut page_ = page(&ctx, "nav-tasks", vec![list]);
    page_.intro = Some(tr.t("ui-tasks-intro"));
    page_.success = done_message(&ctx, &p.done);
    render(&page_)
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

#[derive(Deserialize, Default)]
struct Back {
    #[serde(default)]
    back: String,
}

async fn task(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    axum::extract::Query(b): axum::extract::Query<Back>,
) -> Response {
    task_page(&s, &ctx, &actor, id, &b.back, None).await
}

/// A task's page; `back` is the state of the list it was opened from, kept for the way
/// back; `refused` is its "could not be done" form sent back without a reason.
async fn task_page(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid, back: &str, refused: Option<FormError>) -> Response {
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
    p.crumbs = vec![(back_to("/tasks", back, None), tr.t("nav-tasks"))];
    p.c.title = tr.text("ui-task-title", &[("arg", action.as_str()), ("arg2", v.system.as_str())]);
    if let Some(r) = v.task.request_id {
        p.actions.push((format!("/requests/{r}"), tr.t("ui-open-request")));
    }
    if let Some(a) = &v.account {
        p.actions.push((format!("/accounts/{}", a.id), tr.t("ui-open-account")));
    }
    if open {
        let kept = vec![("back".to_string(), back.to_string())];
        let mut done = button(format!("/tasks/{id}/confirm"), tr.t("ui-confirm-done"), true, kept.clone());
        done.inline = false;
        done.fields.push(FieldSpec::new(tr, "note", "textarea").hint(tr.t("ui-task-note-hint")));
        let mut fail = button(format!("/tasks/{id}/fail"), tr.t("ui-task-fail"), false, kept);
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
    /// The state of the list the task was opened from.
    #[serde(default)]
    back: String,
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
            Redirect::to(&back_to("/tasks", &f.back, Some("task"))).into_response()
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
    done_or_again(
        &ctx,
        &s,
        failed,
        |()| back_to("/tasks", &f.back, Some("task_failed")),
        |fe| task_page(&s, &ctx, &actor, id, &f.back, Some(fe)),
    )
    .await
}
