//! One user of Portvagt (administrators, X-8): edit the shown name and the OpenID
//! Connect subject; reset the password (a new one-time password, once); reset the second
//! factor (the lost phone); deactivate or reactivate; end the sessions. Each action sits
//! behind its own heading and asks before it takes effect.

use super::users::secret_section;
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users/{id}", get(user).post(update))
        .route("/admin/users/{id}/reset-password", post(reset_password))
        .route("/admin/users/{id}/reset-totp", post(reset_totp))
        .route("/admin/users/{id}/deactivate", post(deactivate))
        .route("/admin/users/{id}/reactivate", post(reactivate))
        .route("/admin/users/{id}/end-sessions", post(end_sessions))
}

async fn user(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Query(q): Query<ListQuery>,
) -> Response {
    user_page(&s, &ctx, &actor, id, done_message(&ctx, &q.done), None, Vec::new()).await
}

async fn user_page(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    success: Option<String>,
    secret: Option<Section>,
    errors: Vec<FormError>,
) -> Response {
    let tr = &ctx.tr;
    let u = match s.app.user(actor, id).await {
        Ok(u) => u,
        Err(e) => return app_error_page(ctx, e),
    };
    let mut ids: Vec<Uuid> = Vec::new();
    ids.extend(u.supplier_id);
    ids.extend(u.department_id);
    ids.extend(u.person_id);
    let names = s.app.names(&ids).await.unwrap_or_default();
    let email = s.app.user_email(actor, id).await.ok().flatten();
    let name = |x: Option<Uuid>| x.and_then(|x| names.get(&x).cloned()).unwrap_or_else(|| "–".into());
    let facts = vec![
        (tr.t("field-username"), u.username.clone()),
        (tr.t("field-role"), tr.role(&u.role)),
        (tr.t("field-status"), tr.t(if u.active { "ui-user-active" } else { "ui-user-inactive" })),
        (tr.t("ui-totp"), tr.t(if u.totp_confirmed { "ui-totp-set" } else { "ui-totp-not-set" })),
        (tr.t("field-email"), email.clone().unwrap_or_else(|| tr.t("ui-email-none"))),
        (tr.t("field-supplier_id"), name(u.supplier_id)),
        (tr.t("field-department_id"), name(u.department_id)),
        (tr.t("field-person_id"), name(u.person_id)),
    ];
    let mut sections = Vec::new();
    sections.extend(secret);
    sections.push(Section { heading: tr.t("ui-account-facts"), facts, ..Default::default() });
    let edit = FormSpec {
        action: format!("/admin/users/{id}"),
        submit: tr.t("ui-save"),
        button_class: "button-primary",
        fields: vec![
            FieldSpec::new(tr, "display_name", "text").required().value(&u.display_name),
            FieldSpec::new(tr, "oidc_subject", "text").value(u.oidc_subject.as_deref().unwrap_or("")).hint(tr.t("ui-oidc-subject-hint")),
            FieldSpec::new(tr, "email", "email").value(email.as_deref().unwrap_or("")).hint(tr.t("ui-user-email-hint")),
        ],
        ..Default::default()
    };
    let mut edit = [edit];
    let msg = attach_errors(&mut edit, errors);
    let failed = msg.is_some();
    sections.push(Section {
        heading: tr.t("ui-edit-user"),
        forms: edit.into_iter().collect(),
        collapsible: Some(failed),
        ..Default::default()
    });
    let action = |path: &str, submit: &str, confirm: Option<String>, danger: bool| {
        let mut f = button(format!("/admin/users/{id}/{path}"), tr.t(submit), !danger, Vec::new());
        f.inline = false;
        if danger {
            f.button_class = "button-primary pv-danger";
        }
        f.confirm = confirm;
        f
    };
    let who = u.username.as_str();
    let mut actions = vec![
        (
            "ui-reset-password-heading",
            "ui-reset-password-intro",
            action("reset-password", "ui-reset-password", Some(tr.t1("ui-reset-password-confirm", who)), false),
        ),
        (
            "ui-reset-totp-heading",
            "ui-reset-totp-intro",
            action("reset-totp", "ui-reset-totp", Some(tr.t1("ui-reset-totp-confirm", who)), false),
        ),
        ("ui-end-sessions-heading", "ui-end-sessions-intro", action("end-sessions", "ui-end-sessions", None, false)),
    ];
    if u.active && u.id != actor.id {
        actions.push((
            "ui-deactivate-user-heading",
            "ui-deactivate-user-intro",
            action("deactivate", "ui-deactivate-user", Some(tr.t1("ui-deactivate-user-confirm", who)), true),
        ));
    } else if !u.active {
        actions.push(("ui-reactivate-user-heading", "ui-reactivate-user-intro", action("reactivate", "ui-reactivate-user", None, false)));
    }
    for (heading, text, f) in actions {
        sections.push(Section {
            heading: tr.t(heading),
            text: Some(tr.t(text)),
            forms: vec![f],
            collapsible: Some(false),
            ..Default::default()
        });
    }
    let mut p = page(ctx, "nav-users", sections);
    p.crumbs = vec![("/admin/users".into(), tr.t("nav-users"))];
    p.c.title = tr.t1("ui-user-title", &u.display_name);
    p.actions.push(("/admin/users".into(), tr.t("nav-users")));
    p.success = success;
    p.error = msg;
    render_form(&p, failed)
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    oidc_subject: String,
    #[serde(default)]
    email: String,
}

async fn update(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    CsrfForm(f): CsrfForm<EditForm>,
) -> Response {
    let result = s.app.update_user(&actor, id, &f.display_name, Some(&f.oidc_subject), Some(&f.email)).await;
    done_or_again(&ctx, &s, result, |_| format!("/admin/users/{id}?done=saved"), |fe| user_page(&s, &ctx, &actor, id, None, None, vec![fe]))
        .await
}

async fn reset_password(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Posted(_): Posted,
) -> Response {
    let username = match s.app.user(&actor, id).await {
        Ok(u) => u.username,
        Err(e) => return app_error_page(&ctx, e),
    };
    match s.app.reset_user_password(&actor, id).await {
        Ok(password) => {
            let secret = secret_section(&ctx.tr, &username, &password);
            user_page(&s, &ctx, &actor, id, Some(ctx.tr.t1("done-password_reset", &username)), Some(secret), Vec::new()).await
        }
        Err(e) => app_error_page(&ctx, e),
    }
}

/// Runs one of the user's actions and returns to their page saying what happened.
async fn simple(signed: SignedIn, id: Uuid, done: &str, run: impl AsyncFnOnce(&Actor, Uuid) -> Result<(), AppError>) -> Response {
    match run(&signed.actor, id).await {
        Ok(()) => Redirect::to(&format!("/admin/users/{id}?done={done}")).into_response(),
        Err(e) => app_error_page(&signed.ctx, e),
    }
}

async fn reset_totp(State(s): State<AppState>, signed: SignedIn, RecordId(id): RecordId, Posted(_): Posted) -> Response {
    simple(signed, id, "totp_reset", async |a, id| s.app.reset_user_totp(a, id).await).await
}

async fn deactivate(State(s): State<AppState>, signed: SignedIn, RecordId(id): RecordId, Posted(_): Posted) -> Response {
    simple(signed, id, "user_deactivated", async |a, id| s.app.set_user_active(a, id, false).await).await
}

async fn reactivate(State(s): State<AppState>, signed: SignedIn, RecordId(id): RecordId, Posted(_): Posted) -> Response {
    simple(signed, id, "user_reactivated", async |a, id| s.app.set_user_active(a, id, true).await).await
}

async fn end_sessions(State(s): State<AppState>, signed: SignedIn, RecordId(id): RecordId, Posted(_): Posted) -> Response {
    simple(signed, id, "sessions_ended", async |a, id| s.app.end_user_sessions(a, id).await.map(|_| ())).await
}
