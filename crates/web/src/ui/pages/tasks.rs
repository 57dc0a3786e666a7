//! Manual provisioning tasks (IT operator).

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/tasks", get(tasks)).route("/tasks/{id}/confirm", post(confirm_task))
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
