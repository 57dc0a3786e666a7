//! Emergency temp accounts (EMG-1/2): the local administrator's page, usable on a tablet
//! at night; the coordinator's reconciliation.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/emergency", get(emergency).post(create_emergency)).route("/emergency/{id}/sign-off", post(sign_off))
}

#[derive(Deserialize, Default)]
struct EmergencyForm {
    csrf: String,
    name: String,
    valid_to: String,
    profiles: Vec<String>,
}

fn parse_emergency_form(body: &[u8]) -> EmergencyForm {
    let mut f = EmergencyForm::default();
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "csrf" => f.csrf = v.into_owned(),
            "name" => f.name = v.into_owned(),
            "valid_to" => f.valid_to = v.into_owned(),
            "profiles" => f.profiles.push(v.into_owned()),
            _ => {}
        }
    }
    f
}

async fn emergency(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    let f = EmergencyForm { valid_to: s.app.now().date().to_string(), ..Default::default() };
    emergency_page(&s, &ctx, &actor, &f, None, done_message(&ctx, &q.done)).await
}

async fn emergency_page(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    f: &EmergencyForm,
    error: Option<FormError>,
    success: Option<String>,
) -> Response {
    let tr = &ctx.tr;
    let mut sections = Vec::new();
    if actor.role == UserRole::LocalAdministrator {
        let scope = s.app.active_preset().await.map(|p| p.policy.emergency.scope.value).unwrap_or_default();
        let page_all = PageRequest { page: 1, page_size: domain::paging::MAX_PAGE_SIZE };
        let profiles: Vec<(String, String)> = match s.app.list::<Profile>(actor, &active_only(), page_all).await {
            Ok(p) => p
                .items
                .into_iter()
                .filter(|e| scope.iter().any(|c| c.eq_ignore_ascii_case(e.data.code.as_str())))
                .map(|e| (e.id.to_string(), e.data.display_name()))
                .collect(),
            Err(_) => Vec::new(),
        };
        let form = FormSpec {
            action: "/emergency".into(),
            submit: tr.t("ui-create-emergency"),
            button_class: "button-primary",
            fields: vec![
                FieldSpec::new(tr, "name", "text").required().value(&f.name),
                FieldSpec::new(tr, "profiles", "checkboxes").options(profiles, &f.profiles).hint(tr.t("ui-emergency-scope-hint")),
                FieldSpec::new(tr, "valid_to", "date").required().value(&f.valid_to),
            ],
            ..Default::default()
        };
        let mut forms = [form];
        let msg = error.and_then(|e| attach_error(&mut forms, e));
        sections.push(Section {
            heading: tr.t("ui-new-emergency"),
            text: Some(tr.t("ui-emergency-intro")),
            forms: forms.into_iter().collect(),
            ..Default::default()
        });
        let mut p_error = msg;
        let query = store::AccountQuery { kind: Some("emergency"), limit: 50, ..Default::default() };
        if let Ok((rows, _)) = s.app.list_accounts(actor, query).await {
            let names = s.app.names(&rows.iter().map(|a| a.person_id).collect::<Vec<_>>()).await.unwrap_or_default();
            sections.push(Section {
                heading: tr.t("ui-emergency-list"),
                table: Some(TableSpec {
                    caption: tr.t("ui-emergency-list"),
                    headers: vec![tr.t("field-name"), tr.t("field-username"), tr.t("field-status"), tr.t("field-valid_to")],
                    rows: rows
                        .iter()
                        .map(|a| {
                            vec![
                                cell(names.get(&a.person_id).cloned().unwrap_or_default()),
                                cell(a.username.clone()),
                                cell(tr.t(&format!("status-{}", a.status.as_str()))),
                                cell(tr.opt_date(&a.valid_to)),
                            ]
                        })
                        .collect(),
                    empty: tr.t("ui-none"),
                    more: String::new(),
                }),
                ..Default::default()
            });
        }
        let mut p = page(ctx, "nav-emergency", sections);
        p.success = success;
        p.error = p_error.take();
        let failed = p.error.is_some();
        let mut res = render(&p);
        if failed {
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        }
        return res;
    }
    // The coordinator's reconciliation and sign-off (EMG-2).
    let lines = match s.app.emergency_reconciliation(actor).await {
        Ok(l) => l,
        Err(e) => return app_error_page(ctx, e),
    };
    let rows = lines
        .iter()
        .map(|l| {
            let mut action = cell(l.signed_off_by.clone().map(|b| format!("{} {}", tr.t("ui-signed-off-by"), b)).unwrap_or_default());
            if l.signed_off_at.is_none() {
                action.form = Some(button(format!("/emergency/{}/sign-off", l.account_id), tr.t("ui-sign-off"), true, Vec::new()));
            }
            vec![
                cell(l.person_name.clone()),
                cell(l.username.clone()),
                cell(l.created_by.clone().unwrap_or_default()),
                cell(tr.time(&l.created_at)),
                cell(tr.opt_time(&l.signoff_due) + if l.overdue { " ⚑" } else { "" }),
                action,
            ]
        })
        .collect();
    sections.push(Section {
        table: Some(TableSpec {
            caption: tr.t("ui-reconciliation"),
            headers: vec![
                tr.t("field-name"),
                tr.t("field-username"),
                tr.t("ui-created-by"),
                tr.t("ui-when"),
                tr.t("ui-signoff-due"),
                String::new(),
            ],
            rows,
            empty: tr.t("ui-none"),
            more: String::new(),
        }),
        ..Default::default()
    });
    let mut p = page(ctx, "ui-reconciliation", sections);
    p.success = success;
    render(&p)
}

async fn create_emergency(State(s): State<AppState>, ctx: Ctx, RawForm(body): RawForm) -> Response {
    let f = parse_emergency_form(&body);
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let parsed = (|| -> Result<EmergencyInput, domain::error::FieldError> {
        let name = Name::parse(&f.name).map_err(|e| e.at("name"))?;
        let valid_to = Date::parse(&f.valid_to).map_err(|e| e.at("valid_to"))?;
        let profiles = f
            .profiles
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Uuid::parse_str(p).map_err(|_| domain::error::FieldError::new(format!("profiles[{i}]"), domain::codes::UNKNOWN_REFERENCE))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EmergencyInput { name, supplier_id: None, reason: None, profiles, valid_to, same_name_confirmed: false })
    })();
    let result = match parsed {
        Ok(input) => s.app.create_emergency_account(&actor, input).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(_receipt) => Redirect::to("/emergency?done=emergency").into_response(),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => app_error_page(&ctx, e),
        Err(e) => {
            let fe = form_error(&ctx, &s.catalog, e);
            emergency_page(&s, &ctx, &actor, &f, Some(fe), None).await
        }
    }
}

async fn sign_off(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    match s.app.sign_off_emergency(&actor, id).await {
        Ok(_) => Redirect::to("/emergency?done=signed_off").into_response(),
        Err(e) => app_error_page(&ctx, e),
    }
}
