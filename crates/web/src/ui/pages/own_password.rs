//! AUTH-2: every signed-in person changes their own password, with the municipality's
//! password rules shown before they type.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/me/password", get(show).post(change))
}

#[derive(Deserialize, Default)]
struct Shown {
    #[serde(default)]
    done: Option<String>,
}

/// The password rules of the preset in force, as the person reads them.
pub(crate) async fn rules_text(s: &AppState, tr: &Tr) -> Vec<String> {
    let Ok(preset) = s.app.active_preset().await else { return Vec::new() };
    let p = preset.policy.password;
    let mut out = vec![tr.t1("ui-pw-rule-length", &p.min_length.value.to_string())];
    let classes: Vec<String> =
        [(p.require_upper.value, "ui-pw-upper"), (p.require_lower.value, "ui-pw-lower"), (p.require_digit.value, "ui-pw-digit")]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, k)| tr.t(k))
            .collect();
    if !classes.is_empty() {
        out.push(tr.t1("ui-pw-rule-classes", &classes.join(", ")));
    }
    if !p.forbidden_characters.value.is_empty() {
        let chars: Vec<String> = p.forbidden_characters.value.chars().map(String::from).collect();
        out.push(tr.t1("ui-pw-rule-forbidden", &chars.join(" ")));
    }
    if p.history.value > 0 {
        out.push(tr.t1("ui-pw-rule-history", &p.history.value.to_string()));
    }
    if p.breached_password_check.value {
        out.push(tr.t("ui-pw-rule-breached"));
    }
    if p.max_age_days.value > 0 {
        out.push(tr.t1("ui-pw-rule-age", &p.max_age_days.value.to_string()));
    }
    out
}

fn form(tr: &Tr) -> FormSpec {
    let mut f = button("/me/password".into(), tr.t("ui-pw-change"), true, Vec::new());
    f.inline = false;
    f.fields = vec![
        FieldSpec::new(tr, "current_password", "password").required(),
        FieldSpec::new(tr, "new_password", "password").required(),
        FieldSpec::new(tr, "repeat_password", "password").required(),
    ];
    f
}

async fn view(s: &AppState, ctx: &Ctx, actor: &Actor, errors: Vec<FormError>, done: bool) -> Response {
    let tr = &ctx.tr;
    let failed = !errors.is_empty();
    let mut forms = vec![form(tr)];
    let error = attach_errors(&mut forms, errors);
    let changed = s.app.password_changed_at(actor).await.ok().flatten();
    let sections = vec![Section {
        heading: tr.t("ui-pw-rules"),
        text: Some(rules_text(s, tr).await.join(" · ")),
        facts: changed.map(|t| vec![(tr.t("ui-pw-changed-at"), tr.time(&t))]).unwrap_or_default(),
        forms,
        ..Default::default()
    }];
    let mut p = page(ctx, "ui-pw-title", sections);
    p.intro = Some(tr.t("ui-pw-intro"));
    p.error = error;
    if done {
        p.success = Some(tr.t("done-password"));
    }
    render_form(&p, failed)
}

async fn show(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, Query(q): Query<Shown>) -> Response {
    if !s.app.can(&actor, domain::authz::Permission::ChangeOwnPassword) {
        return app_error_page(&ctx, AppError::Forbidden);
    }
    view(&s, &ctx, &actor, Vec::new(), q.done.is_some()).await
}

async fn change(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, Posted(v): Posted) -> Response {
    let one = |k: &str| v.get(k).and_then(|x| x.first()).cloned().unwrap_or_default();
    match s.app.change_own_password(&actor, &one("current_password"), &one("new_password"), &one("repeat_password")).await {
        Ok(Ok(())) => Redirect::to("/me/password?done=password").into_response(),
        Ok(Err(problems)) => {
            let errors = problems.into_iter().map(|e| form_error(&ctx, &s.catalog, AppError::Invalid(e))).collect();
            view(&s, &ctx, &actor, errors, false).await
        }
        Err(e) => app_error_page(&ctx, e),
    }
}
