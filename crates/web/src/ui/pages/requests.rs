//! Requests: lists, the approval inbox, detail with the policy checks, the order form.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/inbox", get(inbox)).route("/requests", get(requests)).route("/requests/new", get(order_form).post(order))
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

pub(super) fn kind_code(k: RequestKind) -> &'static str {
    match k {
        RequestKind::NewAccount => "new_account",
        RequestKind::ChangeRoles => "change_roles",
        RequestKind::Extension => "extension",
        RequestKind::Termination => "termination",
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
