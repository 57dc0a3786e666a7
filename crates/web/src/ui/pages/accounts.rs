//! Accounts, their orders, and revocation (security officer).

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(accounts))
        .route("/accounts/{id}", get(account_detail))
        .route("/accounts/{id}/revoke", post(revoke))
        .route("/accounts/{id}/order", post(order_for_account))
}

async fn accounts(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    let tr = &ctx.tr;
    let pr = page_request(&q);
    let status: Vec<&'static str> = match q.state.as_deref().and_then(domain::account::AccountStatus::parse) {
        Some(st) => vec![st.as_str()],
        None => Vec::new(),
    };
    let query = store::AccountQuery { statuses: status, offset: pr.offset(), limit: pr.page_size, ..Default::default() };
    let (rows, total) = match s.app.list_accounts(&actor, query).await {
        Ok(x) => x,
        Err(e) => return app_error_page(&ctx, e),
    };
    let ids: Vec<Uuid> = rows.iter().flat_map(|a| [a.person_id, a.system_id]).collect();
    let names = s.app.names(&ids).await.unwrap_or_default();
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let table_rows = rows
        .iter()
        .map(|a| {
            vec![
                link(a.username.clone(), format!("/accounts/{}", a.id)),
                cell(name(&a.person_id)),
                cell(name(&a.system_id)),
                cell(tr.t(&format!("status-{}", a.status.as_str()))),
                cell(tr.date(&a.valid_from)),
                cell(tr.opt_date(&a.valid_to)),
            ]
        })
        .collect();
    let more = if pr.offset() + u64::from(pr.page_size) < total {
        format!("/accounts?page={}{}", pr.page + 1, q.state.as_ref().map(|s| format!("&state={s}")).unwrap_or_default())
    } else {
        String::new()
    };
    let mut p = page(
        &ctx,
        "nav-accounts",
        vec![Section {
            text: Some(tr.t1("ui-total", &tr.num(&total))),
            table: Some(TableSpec {
                caption: tr.t("nav-accounts"),
                headers: vec![
                    tr.t("field-username"),
                    tr.t("field-person_id"),
                    tr.t("field-system_id"),
                    tr.t("field-status"),
                    tr.t("field-valid_from"),
                    tr.t("field-valid_to"),
                ],
                rows: table_rows,
                empty: tr.t("ui-none"),
                more,
            }),
            ..Default::default()
        }],
    );
    p.success = done_message(&ctx, &q.done);
    render(&p)
}

async fn account_detail(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Query(q): Query<ListQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    let done = done_message(&ctx, &q.done);
    account_page(&s, &ctx, &actor, id, done, None).await
}

/// An account's page; `refused` is an order form sent back: its kind, values and error.
async fn account_page(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    success: Option<String>,
    refused: Option<(registry::Values, FormError)>,
) -> Response {
    let tr = &ctx.tr;
    let a = match s.app.account(actor, id).await {
        Ok(a) => a,
        Err(e) => return app_error_page(ctx, e),
    };
    let mut ids = vec![a.person_id, a.system_id];
    ids.extend(a.roles.iter().map(|r| r.0));
    ids.extend(a.roles.iter().filter_map(|r| r.1));
    let names = s.app.names(&ids).await.unwrap_or_default();
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let facts = vec![
        (tr.t("field-username"), a.username.clone()),
        (tr.t("field-person_id"), name(&a.person_id)),
        (tr.t("field-system_id"), name(&a.system_id)),
        (tr.t("field-status"), tr.t(&format!("status-{}", a.status.as_str()))),
        (tr.t("field-valid_from"), tr.date(&a.valid_from)),
        (tr.t("field-valid_to"), tr.opt_date(&a.valid_to)),
        (tr.t("ui-roles"), a.roles.iter().map(|r| name(&r.0)).collect::<Vec<_>>().join(", ")),
        (tr.t("ui-last-activity"), tr.opt_time(&a.last_activity_at)),
    ];
    let mut sections = vec![Section { heading: tr.t("ui-account-facts"), facts, ..Default::default() }];
    // SEC-3: immediate revocation by the security officer (and the coordinator).
    if matches!(actor.role, UserRole::SecurityOfficer | UserRole::SecurityCoordinator)
        && a.status != domain::account::AccountStatus::Terminated
    {
        let mut f = button(format!("/accounts/{id}/revoke"), tr.t("ui-revoke"), true, Vec::new());
        f.inline = false;
        f.button_class = "button-primary pv-danger";
        f.fields.push(FieldSpec::new(tr, "reason", "textarea").required());
        sections.push(Section {
            heading: tr.t("ui-revoke-heading"),
            text: Some(tr.t("ui-revoke-intro")),
            forms: vec![f],
            ..Default::default()
        });
    }
    let mut error = None;
    if a.status.is_live() && s.app.may(actor, domain::authz::Action::Create, domain::authz::ResourceKind::Request) {
        let current: Vec<(String, String)> = {
            let mut ps: Vec<Uuid> = a.roles.iter().filter_map(|r| r.1).collect();
            ps.sort();
            ps.dedup();
            ps.iter().map(|p| (p.to_string(), name(p))).collect()
        };
        let system_profiles =
            options::<Profile>(s, actor, ListFilter { active: Some(true), refers_to: Some(a.system_id), ..Default::default() }).await;
        let job_profiles = options::<JobProfile>(s, actor, active_only()).await;
        let preset = s.app.active_preset().await.ok();
        let lead = |days: fn(&domain::policy::LeadTimes) -> u32| {
            let d = preset.as_ref().map(|p| days(&p.policy.lead_times)).unwrap_or(0);
            (s.app.now().date().0 + chrono::Duration::days(i64::from(d))).to_string()
        };
        let mut forms =
            order_forms(tr, id, &current, system_profiles, job_profiles, lead(|l| l.change_days.value), lead(|l| l.extension_days.value));
        if let Some((values, e)) = refused {
            let kind = values.get("kind").and_then(|v| v.first()).cloned().unwrap_or_default();
            if let Some(f) = forms.iter_mut().find(|f| f.hidden.iter().any(|(k, v)| k == "kind" && *v == kind)) {
                refill(f, &values);
                error = attach_error(std::slice::from_mut(f), e);
            }
        }
        sections.push(Section {
            heading: tr.t("ui-order-change-heading"),
            text: Some(tr.t("ui-order-change-intro")),
            forms,
            ..Default::default()
        });
    }
    let mut p = page(ctx, "ui-account-title", sections);
    p.success = success;
    let failed = error.is_some();
    p.error = error;
    let mut res = render(&p);
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// The orders about one account (REQ-1): a change of roles from a job profile or the
/// current roles with additions and removals (each with the reason), an extension, and
/// the end of this one account.
fn order_forms(
    tr: &Tr,
    id: Uuid,
    current: &[(String, String)],
    system_profiles: Vec<(String, String)>,
    job_profiles: Vec<(String, String)>,
    change_start: String,
    extension_start: String,
) -> Vec<FormSpec> {
    let form = |kind: &str, submit: &str, button_class: &'static str, fields: Vec<FieldSpec>| FormSpec {
        method: "post",
        action: format!("/accounts/{id}/order"),
        submit: tr.t(submit),
        button_class,
        hidden: vec![("kind".into(), kind.into())],
        fields,
        ..Default::default()
    };
    let addable: Vec<(String, String)> = system_profiles.into_iter().filter(|(p, _)| !current.iter().any(|(c, _)| c == p)).collect();
    let change = form(
        "change_roles",
        "ui-order-change-roles",
        "button-primary",
        vec![
            FieldSpec::new(tr, "job_profile_id", "select").options(job_profiles, &[]).hint(tr.t("ui-change-job-profile-hint")),
            FieldSpec::new(tr, "add_profiles", "checkboxes").options(addable, &[]),
            FieldSpec::new(tr, "remove_profiles", "checkboxes").options(current.to_vec(), &[]),
            FieldSpec::new(tr, "deviation_reason", "textarea").hint(tr.t("ui-deviation-reason-hint")),
            FieldSpec::new(tr, "wanted_start", "date").required().value(&change_start),
            FieldSpec::new(tr, "urgent_reason", "textarea").hint(tr.t("ui-urgent-hint")),
            FieldSpec::new(tr, "needs_assessment_ref", "text").hint(tr.t("ui-needs-assessment-hint")),
            FieldSpec::new(tr, "comment", "textarea"),
        ],
    );
    let extension = form(
        "extension",
        "ui-order-extension",
        "button-secondary",
        vec![
            FieldSpec::new(tr, "end_date", "date").required(),
            FieldSpec::new(tr, "wanted_start", "date").required().value(&extension_start),
            FieldSpec::new(tr, "urgent_reason", "textarea").hint(tr.t("ui-urgent-hint")),
            FieldSpec::new(tr, "comment", "textarea"),
        ],
    );
    let mut end = form("termination", "ui-order-termination", "button-primary pv-danger", vec![FieldSpec::new(tr, "comment", "textarea")]);
    end.confirm = Some(tr.t("ui-order-termination-confirm"));
    vec![change, extension, end]
}

/// Puts posted values back into a form that was refused.
fn refill(f: &mut FormSpec, values: &registry::Values) {
    for fld in &mut f.fields {
        let vals = values.get(&fld.name).cloned().unwrap_or_default();
        if fld.options.is_empty() {
            fld.value = vals.first().cloned().unwrap_or_default();
        } else {
            for o in &mut fld.options {
                o.2 = vals.contains(&o.0);
            }
        }
    }
}

/// Parses an order about one account at the edge, naming the field at fault.
fn parse_account_order(
    values: &registry::Values,
    person_id: Uuid,
    account_id: Uuid,
    today: Date,
) -> Result<RequestInput, domain::error::FieldError> {
    use domain::error::FieldError;
    let one = |name: &str| values.get(name).and_then(|v| v.first()).map(|v| v.trim().to_string()).unwrap_or_default();
    let date = |name: &str| -> Result<Option<Date>, FieldError> {
        match one(name).as_str() {
            "" => Ok(None),
            x => Date::parse(x).map(Some).map_err(|e| e.at(name)),
        }
    };
    let text = |name: &str| -> Result<Option<Text>, FieldError> {
        match one(name).as_str() {
            "" => Ok(None),
            x => Text::parse(x).map(Some).map_err(|e| e.at(name)),
        }
    };
    let ids = |name: &str| -> Result<Vec<Uuid>, FieldError> {
        values
            .get(name)
            .into_iter()
            .flatten()
            .map(|v| Uuid::parse_str(v.trim()).map_err(|_| FieldError::new(name, domain::codes::UNKNOWN_REFERENCE)))
            .collect()
    };
    let kind = match one("kind").as_str() {
        "change_roles" => RequestKind::ChangeRoles,
        "extension" => RequestKind::Extension,
        "termination" => RequestKind::Termination,
        _ => return Err(FieldError::new("kind", domain::codes::MISSING_FIELD)),
    };
    let mut deviations = Vec::new();
    if kind == RequestKind::ChangeRoles {
        let (add, remove) = (ids("add_profiles")?, ids("remove_profiles")?);
        if !add.is_empty() || !remove.is_empty() {
            let reason = text("deviation_reason")?.ok_or(FieldError::new("deviation_reason", domain::codes::REASON_REQUIRED))?;
            for (list, is_add) in [(add, true), (remove, false)] {
                deviations.extend(list.into_iter().map(|profile_id| domain::request::Deviation {
                    profile_id,
                    add: is_add,
                    reason: reason.clone(),
                }));
            }
        }
    }
    let job_profile_id = match one("job_profile_id").as_str() {
        "" => None,
        x => Some(Uuid::parse_str(x).map_err(|_| FieldError::new("job_profile_id", domain::codes::UNKNOWN_REFERENCE))?),
    };
    let wanted_start = match kind {
        RequestKind::Termination => today,
        _ => date("wanted_start")?.ok_or(FieldError::new("wanted_start", domain::codes::MISSING_FIELD))?,
    };
    Ok(RequestInput {
        kind,
        person_id,
        system_id: None,
        account_id: Some(account_id),
        agreement_id: None,
        job_profile_id: if kind == RequestKind::ChangeRoles { job_profile_id } else { None },
        deviations,
        wanted_start,
        end_date: if kind == RequestKind::Extension { date("end_date")? } else { None },
        urgent_reason: if kind == RequestKind::Termination { None } else { text("urgent_reason")? },
        needs_assessment_ref: match one("needs_assessment_ref").as_str() {
            "" => None,
            x => Some(Name::parse(x).map_err(|e| e.at("needs_assessment_ref"))?),
        },
        comment: text("comment")?,
        draft: false,
    })
}

async fn order_for_account(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, RawForm(body): RawForm) -> Response {
    let values = registry::values_from_post(&body);
    let token = values.get("csrf").and_then(|v| v.first()).cloned().unwrap_or_default();
    csrf_or_return!(ctx, &token);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    let account = match s.app.account(&actor, id).await {
        Ok(a) => a,
        Err(e) => return app_error_page(&ctx, e),
    };
    let submitted = match parse_account_order(&values, account.person_id, id, s.app.now().date()) {
        Ok(input) => s.app.submit_request(&actor, input).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match submitted {
        Ok(v) => {
            let done = if v.request.kind == RequestKind::Termination { "account_ended" } else { "submitted" };
            Redirect::to(&format!("/requests/{}?done={done}", v.id)).into_response()
        }
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(&ctx, e),
        Err(e) => {
            let fe = form_error(&ctx, &s.catalog, e);
            account_page(&s, &ctx, &actor, id, None, Some((values, fe))).await
        }
    }
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn revoke(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<ReasonForm>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    if f.reason.trim().is_empty() {
        let msg = form_error(&ctx, &s.catalog, AppError::Invalid(domain::error::FieldError::new("reason", domain::codes::REASON_REQUIRED)))
            .message;
        return error_page(&ctx, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &msg);
    }
    match s.app.revoke_account(&actor, id, f.reason.trim()).await {
        Ok(_) => Redirect::to(&format!("/accounts/{id}?done=revoked")).into_response(),
        Err(e) => app_error_page(&ctx, e),
    }
}
