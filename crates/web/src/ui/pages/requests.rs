//! Requests: lists, the approval inbox, detail with the policy checks, the order form.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/inbox", get(inbox)).route("/requests", get(requests))
}

async fn inbox(State(s): State<AppState>, signed: SignedIn, Query(q): Query<ListQuery>) -> Response {
    request_list(s, signed, q, true).await
}

async fn requests(State(s): State<AppState>, signed: SignedIn, Query(q): Query<ListQuery>) -> Response {
    request_list(s, signed, q, false).await
}

async fn request_list(s: AppState, SignedIn { ctx, actor }: SignedIn, q: ListQuery, inbox: bool) -> Response {
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
                cell(if r.request.late {
                    tr.t1("ui-late-start", &tr.date(&r.request.wanted_start))
                } else {
                    tr.date(&r.request.wanted_start)
                }),
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
    let mut sections = sections;
    if inbox {
        // EMG-2: the unit leader's temp accounts waiting for sign-off come first.
        let mut signoffs = emergency::signoff_sections(&s, &ctx, &actor).await;
        if !signoffs.is_empty() {
            if let Some(first) = sections.first_mut() {
                first.heading = tr.t("ui-requests-waiting-heading");
            }
            signoffs.append(&mut sections);
            sections = signoffs;
        }
    }
    let mut p = page(&ctx, title, sections);
    p.success = done_message(&ctx, &q.done);
    p.error = error_message(&ctx, &q.error);
    if s.app.may(&actor, domain::authz::Action::Create, domain::authz::ResourceKind::Request) && !inbox {
        p.actions.push(("/requests/new".into(), tr.t("ui-order-title")));
    }
    render(&p)
}

pub(super) fn kind_code(k: RequestKind) -> &'static str {
    match k {
        RequestKind::NewAccount => "new_account",
        RequestKind::ChangeRoles => "change_roles",
        RequestKind::Extension => "extension",
        RequestKind::Termination => "termination",
    }
}
