//! The audit log: search (LOG-6) and the citizen extract. Both are audited.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit_search))
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

async fn audit_search(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, Query(q): Query<AuditQuery>) -> Response {
    if !s.app.can(&actor, domain::authz::Permission::SearchLog) {
        return app_error_page(&ctx, app::AppError::Forbidden);
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
    let mut sections = vec![Section { heading: tr.t("ui-audit-search"), forms: vec![get_form(form)], ..Default::default() }];
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
            Ok(f) => s.app.audit_events(&actor, &f, false).await,
            Err(e) => Err(AppError::Invalid(e)),
        };
        match result {
            Ok(page_) => {
                let rows = page_
                    .items
                    .iter()
                    .map(|e| {
                        vec![
                            cell(e.occurred_at.clone()),
                            cell(e.actor_name.clone().unwrap_or_else(|| e.actor.clone())),
                            cell(e.action.clone()),
                            cell(e.subject.clone().unwrap_or_default()),
                            cell(e.outcome.clone()),
                            cell(e.source.clone()),
                        ]
                    })
                    .collect();
                let more = match page_.next {
                    Some(b) => format!(
                        "/audit?subject={}&action={}&from={}&to={}&before={b}",
                        urlencode(&q.subject),
                        urlencode(&q.action),
                        urlencode(&q.from),
                        urlencode(&q.to)
                    ),
                    None => String::new(),
                };
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
                        more,
                    }),
                    ..Default::default()
                });
            }
            Err(e @ (AppError::Forbidden | AppError::NotFound)) => return app_error_page(&ctx, e),
            Err(e) => {
                let msg = form_error(&ctx, &s.catalog, e).message;
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
        sections.push(Section { id: Some("audit-results"), ..Default::default() });
    }
    if s.app.can(&actor, domain::authz::Permission::MakeExtract) {
        let form = FormSpec {
            action: "/audit/extracts".into(),
            submit: tr.t("ui-create-extract"),
            button_class: "button-secondary",
            fields: vec![FieldSpec::new(tr, "subject", "text").required()],
            ..Default::default()
        };
        sections.push(Section {
            heading: tr.t("ui-extract"),
            text: Some(tr.t("ui-extract-intro")),
            forms: vec![form],
            ..Default::default()
        });
    }
    let mut p = page(&ctx, "nav-audit", sections);
    p.actions.push(("/audit/holds".into(), tr.t("nav-holds")));
    p.error = error;
    render(&p)
}

/// A search form: GET, no form token needed (it changes nothing but the audit trail of
/// who searched, which the use-case writes itself).
fn get_form(mut f: FormSpec) -> FormSpec {
    f.method = "get";
    f.partial = Some("audit-results");
    f
}

#[derive(Deserialize)]
struct ExtractForm {
    #[serde(default)]
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
                cell(e.occurred_at.clone()),
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
