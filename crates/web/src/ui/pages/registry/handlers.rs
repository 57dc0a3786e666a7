//! The registry's record pages: new, detail, create, update, deactivate.

use super::*;

#[derive(Deserialize, Default)]
pub(super) struct DetailQuery {
    #[serde(default)]
    done: Option<String>,
}

pub(super) async fn new_form(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(kind): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    // Links may prefill fields: `/registry/orderer/new?supplier_id=…`.
    let prefill = values_from_post(q.unwrap_or_default().as_bytes());
    by_kind!(ctx, kind, new_page(&s, &ctx, &actor, prefill, None))
}

pub(super) async fn new_page<R: Record + DeserializeOwned>(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    values: Values,
    error: Option<FormError>,
) -> Response {
    if !s.app.may(actor, Action::Create, R::KIND) {
        return app_error_page(ctx, AppError::NotFound);
    }
    let tr = &ctx.tr;
    let kind = R::KIND.as_str();
    let mut form = FormSpec {
        method: "post",
        action: format!("/registry/{kind}/new"),
        submit: tr.t("ui-create"),
        button_class: "button-primary",
        fields: form_fields(s, ctx, actor, fields_of(R::KIND), &values, None, true).await,
        ..Default::default()
    };
    // A staff member added from "My staff" goes back there (ORG-4).
    let from_staff = R::KIND == ResourceKind::Person && first(&values, "from") == "staff";
    if from_staff {
        form.hidden.push(("from".into(), "staff".into()));
    }
    let msg = error.map(|e| attach(&mut form, e));
    let failed = msg.is_some();
    let mut p = page(ctx, &format!("new-{kind}"), vec![Section { forms: vec![form], ..Default::default() }]);
    p.crumbs = if from_staff {
        vec![("/staff".into(), tr.t("nav-staff"))]
    } else {
        vec![("/registry".into(), tr.t("nav-registry")), (format!("/registry?kind={kind}"), tr.t(&format!("registry-{kind}")))]
    };
    p.error = msg;
    render_form(&p, failed)
}

pub(super) async fn create(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(kind): Path<String>,
    Posted(posted): Posted,
) -> Response {
    by_kind!(ctx, kind, create_record(&s, &ctx, &actor, posted))
}

pub(super) async fn create_record<R: Record + DeserializeOwned>(s: &AppState, ctx: &Ctx, actor: &Actor, posted: Values) -> Response {
    let kind = R::KIND.as_str();
    let saved = match record_from_post::<R>(fields_of(R::KIND), &posted, Value::Object(Map::new()), true) {
        Err(e) => Err(AppError::Invalid(e)),
        Ok(rec) => save(s, actor, None, rec, None).await,
    };
    let from_staff = R::KIND == ResourceKind::Person && first(&posted, "from") == "staff";
    let to = |id: Uuid| {
        if from_staff { format!("/staff/{id}?done=person_created") } else { format!("/registry/{kind}/{id}?done=created") }
    };
    done_or_again(ctx, s, saved, to, |fe| new_page::<R>(s, ctx, actor, posted.clone(), Some(fe))).await
}

/// Creates or updates through the registry's use-cases; the municipality profile goes
/// through its own, which checks the chosen preset (OPS-3).
pub(super) async fn save<R: Record>(s: &AppState, actor: &Actor, id: Option<Uuid>, rec: R, version: Option<i64>) -> Result<Uuid, AppError> {
    if R::KIND == ResourceKind::Municipality {
        let m: Municipality = serde_json::from_value(serde_json::to_value(&rec).map_err(|e| AppError::Internal(e.to_string()))?)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        return s.app.put_municipality(actor, m, version).await.map(|e| e.id);
    }
    match id {
        Some(id) => s.app.update(actor, id, rec, version).await.map(|e| e.id),
        None => s.app.create(actor, rec).await.map(|e| e.id),
    }
}

pub(super) async fn detail(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path((kind, id)): Path<(String, String)>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let Some(id) = record_id(&id) else { return app_error_page(&ctx, AppError::NotFound) };
    // What just happened, naming the thing ("The supplier has been created").
    let done = q
        .done
        .as_deref()
        .map(|d| format!("done-{d}"))
        .filter(|k| ctx.tr.catalog.has(ctx.tr.lang, k))
        .map(|k| ctx.tr.text(&k, &[("kind", kind.as_str())]));
    by_kind!(ctx, kind, detail_page(&s, &ctx, &actor, id, Outcome::Shown(done)))
}

/// What brought the user to a record's page.
pub(super) enum Outcome {
    /// Opened, perhaps after a change (its message).
    Shown(Option<String>),
    /// The edit form came back refused: the posted values and the refusal.
    Invalid(Values, FormError),
    /// Another action on the page (a signature) was refused.
    Refused(String),
    /// A supplier's client-list file was refused: the message and the bad lines.
    Clients(super::clients::ClientsRefusal),
}

pub(super) async fn detail_page<R: Record + DeserializeOwned>(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    outcome: Outcome,
) -> Response {
    let tr = &ctx.tr;
    let kind = R::KIND.as_str();
    let entry = match s.app.get::<R>(actor, id).await {
        Ok(e) => e,
        Err(e) => return app_error_page(ctx, e),
    };
    let json = serde_json::to_value(&entry.data).unwrap_or(Value::Null);
    let fields = fields_of(R::KIND);
    let mut sections = Vec::new();
    let (posted, mut error, success, clients) = match outcome {
        Outcome::Shown(done) => (None, None, done, None),
        Outcome::Invalid(values, e) => (Some((values, e)), None, None, None),
        Outcome::Refused(msg) => (None, Some(msg), None, None),
        Outcome::Clients(r) => (None, Some(r.message.clone()), None, Some(r)),
    };
    if s.app.may(actor, Action::Update, R::KIND) {
        let stored = values_from_record(fields, &json);
        let (values, err) = match posted {
            Some((v, e)) => (v, Some(e)),
            None => (stored.clone(), None),
        };
        let mut form = FormSpec {
            method: "post",
            action: format!("/registry/{kind}/{id}"),
            submit: tr.t("ui-save"),
            button_class: "button-primary",
            hidden: vec![("version".into(), entry.version.to_string())],
            fields: form_fields(s, ctx, actor, fields, &values, Some(&stored), false).await,
            ..Default::default()
        };
        if let Some(e) = err {
            error = Some(attach(&mut form, e));
        }
        sections.push(Section { heading: tr.t("ui-edit"), forms: vec![form], ..Default::default() });
    } else {
        sections.push(Section { heading: tr.t("ui-details"), facts: facts(s, ctx, fields, &json).await, ..Default::default() });
    }
    sections.extend(related(s, ctx, actor, R::KIND, id, &json).await);
    if R::KIND == ResourceKind::Supplier {
        sections.extend(super::clients::client_sections(s, ctx, actor, id, clients.as_ref()).await);
    }
    if entry.active && R::KIND != ResourceKind::Municipality && s.app.may(actor, Action::Deactivate, R::KIND) {
        let mut f = button(format!("/registry/{kind}/{id}/deactivate"), tr.t("ui-deactivate"), false, Vec::new());
        f.confirm = Some(tr.t1("ui-deactivate-confirm", &entry.data.display_name()));
        sections.push(Section {
            heading: tr.text("ui-deactivate-heading", &[("kind", R::KIND.as_str())]),
            text: Some(tr.t("ui-deactivate-intro")),
            forms: vec![f],
            ..Default::default()
        });
    }
    let mut p = page(ctx, &format!("registry-{kind}"), sections);
    p.crumbs = vec![("/registry".into(), tr.t("nav-registry")), (format!("/registry?kind={kind}"), tr.t(&format!("registry-{kind}")))];
    p.c.title = format!("{} – {}", entry.data.display_name(), tr.t(&format!("record-{kind}")));
    p.intro = (!entry.active).then(|| tr.t("ui-record-inactive"));
    p.actions = vec![(format!("/registry?kind={kind}"), tr.t(&format!("registry-{kind}")))];
    p.success = success;
    p.error = error.clone();
    let mut res = render(&p);
    if error.is_some() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

pub(super) async fn update(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path((kind, id)): Path<(String, String)>,
    Posted(posted): Posted,
) -> Response {
    let Some(id) = record_id(&id) else { return app_error_page(&ctx, AppError::NotFound) };
    by_kind!(ctx, kind, update_record(&s, &ctx, &actor, id, posted))
}

pub(super) async fn update_record<R: Record + DeserializeOwned>(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    posted: Values,
) -> Response {
    let kind = R::KIND.as_str();
    let entry = match s.app.get::<R>(actor, id).await {
        Ok(e) => e,
        Err(e) => return app_error_page(ctx, e),
    };
    let version = first(&posted, "version").parse::<i64>().ok();
    let base = serde_json::to_value(&entry.data).unwrap_or(Value::Null);
    // OPS-3: a change of the preset in force is shown and confirmed first.
    if R::KIND == ResourceKind::Municipality
        && s.app.can(actor, domain::authz::Permission::ChangePolicy)
        && let Some(current) = base.get("policy_preset").and_then(Value::as_str)
        && let Some(page) = super::preset_change::confirmation(s, ctx, id, current, &posted).await
    {
        return page;
    }
    let saved = match record_from_post::<R>(fields_of(R::KIND), &posted, base, false) {
        Err(e) => Err(AppError::Invalid(e)),
        Ok(rec) => save(s, actor, Some(id), rec, version).await,
    };
    done_or_again(
        ctx,
        s,
        saved,
        |_| format!("/registry/{kind}/{id}?done=saved"),
        |fe| detail_page::<R>(s, ctx, actor, id, Outcome::Invalid(posted.clone(), fe)),
    )
    .await
}

pub(super) async fn deactivate(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path((kind, id)): Path<(String, String)>,
    Posted(_): Posted,
) -> Response {
    let Some(id) = record_id(&id) else { return app_error_page(&ctx, AppError::NotFound) };
    if kind == "municipality" {
        return app_error_page(&ctx, AppError::NotFound);
    }
    by_kind!(ctx, kind, deactivate_record(&s, &ctx, &actor, id))
}

pub(super) async fn deactivate_record<R: Record + DeserializeOwned>(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid) -> Response {
    match s.app.deactivate::<R>(actor, id).await {
        Ok(_) => Redirect::to(&format!("/registry/{}/{id}?done=deactivated", R::KIND.as_str())).into_response(),
        Err(e) => app_error_page(ctx, e),
    }
}
