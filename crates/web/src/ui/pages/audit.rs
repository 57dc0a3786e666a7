//! The audit log: search (LOG-6) and the citizen extract. Both are audited.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit_page).post(audit_search))
        .route("/audit/extracts", post(create_extract))
        .route("/audit/extracts/{id}", get(extract))
        .route("/audit/extracts/{id}/approve-names", post(approve_extract_names))
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: Option<u64>,
}

/// The search form, empty: the terms of a search never travel in the URL (F-07).
async fn audit_page(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn) -> Response {
    search(&s, &ctx, &actor, AuditQuery::default(), false).await
}

/// LOG-6: a search is posted, so a CPR number stays out of the URL, the browser's
/// history and any access log (F-07); "older" posts the same terms again.
async fn audit_search(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, CsrfForm(q): CsrfForm<AuditQuery>) -> Response {
    search(&s, &ctx, &actor, q, true).await
}

/// A time of the log as every other page shows it: local, in the user's words.
fn local_time(tr: &Tr, at: &str) -> String {
    domain::time::Timestamp::parse(at).map(|t| tr.time(&t)).unwrap_or_else(|_| at.to_string())
}

/// An outcome in the user's language (`success` → "Gennemført").
fn outcome_text(tr: &Tr, outcome: &str) -> String {
    let key = format!("outcome-{outcome}");
    if tr.catalog.has(tr.lang, &key) { tr.t(&key) } else { outcome.to_string() }
}

async fn search(s: &AppState, ctx: &Ctx, actor: &Actor, q: AuditQuery, posted: bool) -> Response {
    if !s.app.can(actor, domain::authz::Permission::SearchLog) {
        return app_error_page(ctx, app::AppError::Forbidden);
    }
    let tr = &ctx.tr;
    let form = FormSpec {
        action: "/audit".into(),
        submit: tr.t("ui-search"),
        button_class: "button-primary",
        fields: vec![
            FieldSpec::new(tr, "subject", "text").value(&q.subject).hint(tr.t("ui-subject-hint")),
            FieldSpec::new(tr, "action", "text").value(&q.action),
            FieldSpec::new(tr, "from", "date").value(&q.from),
            FieldSpec::new(tr, "to", "date").value(&q.to),
        ],
        ..Default::default()
    };
    let searched = !(q.subject.is_empty() && q.action.is_empty() && q.from.is_empty() && q.to.is_empty() && q.before.is_none());
    let mut error = None;
    // The results replace only their section; the search is posted either way.
    let form = FormSpec { partial: Some("audit-results"), ..form };
    let mut sections = vec![Section { heading: tr.t("ui-audit-search"), forms: vec![form], ..Default::default() }];
    if searched {
        let day = |v: &str, end: bool, field: &str| -> Result<Option<domain::time::Timestamp>, domain::error::FieldError> {
            match v.trim() {
                "" => Ok(None),
                x => {
                    let d = Date::parse(x).map_err(|e| e.at(field))?;
                    let t = if end { d.0.and_hms_opt(23, 59, 59) } else { d.0.and_hms_opt(0, 0, 0) };
                    Ok(t.map(|t| domain::time::Timestamp(t.and_utc())))
                }
            }
        };
        let filter = (|| -> Result<AuditFilter, domain::error::FieldError> {
            Ok(AuditFilter {
                subject: Some(q.subject.trim().to_string()).filter(|x| !x.is_empty()),
                action: Some(q.action.trim().to_string()).filter(|x| !x.is_empty()),
                from: day(&q.from, false, "from")?,
                to: day(&q.to, true, "to")?,
                before: q.before,
                limit: 50,
                ..Default::default()
            })
        })();
        let result = match filter {
            Ok(f) => s.app.audit_events(actor, &f, false).await,
            Err(e) => Err(AppError::Invalid(e)),
        };
        match result {
            Ok(page_) => {
                let rows = page_
                    .items
                    .iter()
                    .map(|e| {
                        vec![
                            cell(local_time(tr, &e.occurred_at)),
                            cell(e.actor_name.clone().unwrap_or_else(|| e.actor.clone())),
                            cell(e.action.clone()),
                            cell(e.subject.clone().unwrap_or_default()),
                            cell(outcome_text(tr, &e.outcome)),
                            cell(e.source.clone()),
                        ]
                    })
                    .collect();
                // Older results: the same terms posted again, never in a link.
                let older = page_.next.map(|b| {
                    let mut f = button("/audit".into(), tr.t("ui-older"), false, Vec::new());
                    f.hidden = [("subject", &q.subject), ("action", &q.action), ("from", &q.from), ("to", &q.to)]
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .chain(std::iter::once(("before".to_string(), b.to_string())))
                        .collect();
                    f
                });
                sections.push(Section {
                    id: Some("audit-results"),
                    heading: tr.t("ui-results"),
                    table: Some(TableSpec {
                        caption: tr.t("ui-results"),
                        headers: vec![
                            tr.t("ui-when"),
                            tr.t("ui-who"),
                            tr.t("field-action"),
                            tr.t("field-subject"),
                            tr.t("ui-outcome"),
                            tr.t("ui-source"),
                        ],
                        rows,
                        empty: tr.t("ui-none"),
                        more: String::new(),
                    }),
                    forms: older.into_iter().collect(),
                    ..Default::default()
                });
            }
            Err(e @ (AppError::Forbidden | AppError::NotFound)) => return app_error_page(ctx, e),
            Err(e) => {
                let msg = form_error(ctx, &s.catalog, e).message;
                sections.push(Section {
                    id: Some("audit-results"),
                    heading: tr.t("ui-results"),
                    text: Some(msg.clone()),
                    ..Default::default()
                });
                error = Some(msg);
            }
        }
    } else {
        // Posted with nothing to search by: say what to fill in (a first visit shows the
        // form alone).
        let text = posted.then(|| tr.t("ui-audit-empty-search"));
        sections.push(Section { id: Some("audit-results"), text, ..Default::default() });
    }
    if s.app.can(actor, domain::authz::Permission::MakeExtract) {
        let form = FormSpec {
            action: "/audit/extracts".into(),
            submit: tr.t("ui-create-extract"),
            button_class: "button-secondary",
            // Its own name: the search form above has a `subject` field too (one id each).
            fields: vec![FieldSpec::new(tr, "extract_subject", "text").required()],
            ..Default::default()
        };
        sections.push(Section {
            heading: tr.t("ui-extract"),
            text: Some(tr.t("ui-extract-intro")),
            forms: vec![form],
            ..Default::default()
        });
    }
    let mut p = page(ctx, "nav-audit", sections);
    p.actions.push(("/audit/holds".into(), tr.t("nav-holds")));
    p.error = error;
    render(&p)
}

#[derive(Deserialize)]
struct ExtractForm {
    #[serde(default, alias = "extract_subject")]
    subject: String,
}

async fn create_extract(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, CsrfForm(f): CsrfForm<ExtractForm>) -> Response {
    match s.app.create_extract(&actor, &f.subject).await {
        Ok(id) => Redirect::to(&format!("/audit/extracts/{id}")).into_response(),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => app_error_page(&ctx, e),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            error_page(&ctx, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &msg)
        }
    }
}

async fn extract(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, RecordId(id): RecordId) -> Response {
    let tr = &ctx.tr;
    let x = match s.app.citizen_extract(&actor, id).await {
        Ok(x) => x,
        Err(e) => return app_error_page(&ctx, e),
    };
    let rows = x
        .entries
        .iter()
        .map(|e| {
            vec![
                cell(local_time(tr, &e.occurred_at)),
                cell(e.organisation.clone()),
                cell(e.person.clone().unwrap_or_else(|| tr.t("ui-name-withheld"))),
                cell(e.action.clone()),
                cell(e.system.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let mut forms = Vec::new();
    if !x.names_approved && x.created_by != actor.id {
        let mut f = button(format!("/audit/extracts/{id}/approve-names"), tr.t("ui-approve-names"), true, Vec::new());
        f.confirm = Some(tr.t("ui-approve-names-confirm"));
        forms.push(f);
    }
    let p = page(
        &ctx,
        "ui-extract",
        vec![Section {
            forms,
            text: Some(tr.t(if x.names_approved { "ui-extract-names-approved" } else { "ui-extract-names-pending" })),
            table: Some(TableSpec {
                caption: tr.t("ui-extract"),
                headers: vec![tr.t("ui-when"), tr.t("ui-organisation"), tr.t("ui-person"), tr.t("field-action"), tr.t("field-system_id")],
                rows,
                empty: tr.t("ui-none"),
                more: String::new(),
            }),
            ..Default::default()
        }],
    );
    render(&p)
}

/// a second DPO or security officer approves showing the accessing persons' names
/// (the use-case refuses the extract's own creator).
async fn approve_extract_names(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Posted(_): Posted,
) -> Response {
    match s.app.approve_extract_names(&actor, id).await {
        Ok(()) => Redirect::to(&format!("/audit/extracts/{id}")).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(&ctx, e),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            error_page(&ctx, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &msg)
        }
    }
}
