//! Users of Portvagt and their sessions (administrators, X-8).

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/admin/users", get(users).post(create_user)).route("/admin/users/{id}/end-sessions", post(end_sessions))
}

#[derive(Deserialize, Default)]
struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    supplier_id: String,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    oidc_subject: String,
}

async fn users(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    users_page(&s, &ctx, &actor, &UserForm::default(), None, done_message(&ctx, &q.done)).await
}

async fn users_page(s: &AppState, ctx: &Ctx, actor: &Actor, f: &UserForm, error: Option<FormError>, success: Option<String>) -> Response {
    let tr = &ctx.tr;
    let list = match s.app.users(actor).await {
        Ok(l) => l,
        Err(e) => return app_error_page(ctx, e),
    };
    let rows = list
        .iter()
        .map(|u| {
            let mut end = cell(tr.num(&u.open_sessions));
            if u.open_sessions > 0 {
                end.form = Some(button(format!("/admin/users/{}/end-sessions", u.user.id), tr.t("ui-end-sessions"), false, Vec::new()));
            }
            vec![
                cell(u.user.username.clone()),
                cell(u.user.display_name.clone()),
                cell(tr.role(&u.user.role)),
                cell(tr.t(if u.user.totp_confirmed { "ui-yes" } else { "ui-no" })),
                end,
            ]
        })
        .collect();
    let roles: Vec<(String, String)> =
        UserRole::ALL.iter().filter(|r| **r != UserRole::TargetSystem).map(|r| (r.as_str().to_string(), tr.role(r))).collect();
    let suppliers = options::<Supplier>(s, actor, active_only()).await;
    let departments = options::<Department>(s, actor, active_only()).await;
    let form = FormSpec {
        action: "/admin/users".into(),
        submit: tr.t("ui-create-user"),
        button_class: "button-primary",
        fields: vec![
            FieldSpec::new(tr, "username", "text").required().value(&f.username),
            FieldSpec::new(tr, "display_name", "text").required().value(&f.display_name),
            FieldSpec::new(tr, "role", "select").required().options(roles, std::slice::from_ref(&f.role)),
            FieldSpec::new(tr, "supplier_id", "select")
                .options(suppliers, std::slice::from_ref(&f.supplier_id))
                .hint(tr.t("ui-supplier-hint")),
            FieldSpec::new(tr, "department_id", "select").options(departments, std::slice::from_ref(&f.department_id)),
            FieldSpec::new(tr, "person_id", "text").value(&f.person_id).hint(tr.t("ui-person-id-hint")),
            FieldSpec::new(tr, "oidc_subject", "text").value(&f.oidc_subject).hint(tr.t("ui-oidc-subject-hint")),
        ],
        ..Default::default()
    };
    let mut forms = [form];
    let msg = error.and_then(|e| attach_error(&mut forms, e));
    let failed = msg.is_some();
    let mut p = page(
        ctx,
        "nav-users",
        vec![
            Section {
                table: Some(TableSpec {
                    caption: tr.t("nav-users"),
                    headers: vec![
                        tr.t("field-username"),
                        tr.t("field-display_name"),
                        tr.t("field-role"),
                        tr.t("ui-totp"),
                        tr.t("ui-open-sessions"),
                    ],
                    rows,
                    empty: tr.t("ui-none"),
                    more: String::new(),
                }),
                ..Default::default()
            },
            Section { heading: tr.t("ui-create-user"), forms: forms.into_iter().collect(), ..Default::default() },
        ],
    );
    p.error = msg;
    p.success = success;
    let mut res = render(&p);
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn create_user(State(s): State<AppState>, ctx: Ctx, Form(f): Form<UserForm>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let opt_id = |v: &str, field: &str| -> Result<Option<Uuid>, domain::error::FieldError> {
        match v.trim() {
            "" => Ok(None),
            x => Uuid::parse_str(x).map(Some).map_err(|_| domain::error::FieldError::new(field, domain::codes::UNKNOWN_REFERENCE)),
        }
    };
    let parsed = (|| -> Result<UserInput, domain::error::FieldError> {
        Ok(UserInput {
            username: f.username.clone(),
            display_name: f.display_name.clone(),
            role: UserRole::parse(&f.role)
                .ok_or_else(|| domain::error::FieldError::with("role", domain::codes::UNKNOWN_ROLE, f.role.clone()))?,
            supplier_id: opt_id(&f.supplier_id, "supplier_id")?,
            department_id: opt_id(&f.department_id, "department_id")?,
            person_id: opt_id(&f.person_id, "person_id")?,
            oidc_subject: Some(f.oidc_subject.clone()),
        })
    })();
    let result = match parsed {
        Ok(input) => s.app.create_user(&actor, input).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok((user, password)) => {
            let msg = ctx.tr.catalog.text(ctx.tr.lang, "ui-user-created", &[("arg", user.username.as_str()), ("arg2", password.as_str())]);
            users_page(&s, &ctx, &actor, &UserForm::default(), None, Some(msg)).await
        }
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => app_error_page(&ctx, e),
        Err(e) => {
            let fe = form_error(&ctx, &s.catalog, e);
            users_page(&s, &ctx, &actor, &f, Some(fe), None).await
        }
    }
}

async fn end_sessions(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    match s.app.end_user_sessions(&actor, id).await {
        Ok(_) => Redirect::to("/admin/users?done=sessions_ended").into_response(),
        Err(e) => app_error_page(&ctx, e),
    }
}
