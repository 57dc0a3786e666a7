//! Requests: lists, the approval inbox, detail with the policy checks, the order form.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(inbox))
        .route("/requests", get(requests))
        .route("/requests/new", get(order_form).post(order))
        .route("/requests/{id}", get(request_detail))
        .route("/requests/{id}/decide", post(decide))
}

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
