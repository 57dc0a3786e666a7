//! The orders about one account (REQ-1), from its page: a change of roles, an extension,
//! the end of this one account.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/accounts/{id}/order", post(order_for_account))
}

/// The orders about one account (REQ-1): a change of roles from a job profile or the
/// current roles with additions and removals (each with the reason), an extension, and
/// the end of this one account.
pub(super) fn order_forms(
    tr: &Tr,
    id: Uuid,
    current: &[(String, String)],
    system_profiles: Vec<(String, String)>,
    job_profiles: Vec<(String, String)>,
    change_start: String,
    extension_start: String,
) -> Vec<FormSpec> {
    // Each form's fields have ids of their own: the three share field names.
    let form = |kind: &'static str, submit: &str, button_class: &'static str, fields: Vec<FieldSpec>| FormSpec {
        method: "post",
        action: format!("/accounts/{id}/order"),
        submit: tr.t(submit),
        button_class,
        prefix: kind,
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
            FieldSpec::new(tr, "urgent_reason", "textarea").hint(tr.t1("ui-urgent-hint", &shown(tr, &change_start))),
            FieldSpec::new(tr, "needs_assessment_ref", "text").hint(tr.t("ui-needs-assessment-hint-short")),
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
            FieldSpec::new(tr, "urgent_reason", "textarea").hint(tr.t1("ui-urgent-hint", &shown(tr, &extension_start))),
            FieldSpec::new(tr, "comment", "textarea"),
        ],
    );
    let mut end = form("termination", "ui-order-termination", "button-primary pv-danger", vec![FieldSpec::new(tr, "comment", "textarea")]);
    end.confirm = Some(tr.t("ui-order-termination-confirm"));
    vec![change, extension, end]
}

/// An ISO date as the user's language writes it.
fn shown(tr: &Tr, iso: &str) -> String {
    Date::parse(iso).map(|d| tr.date(&d)).unwrap_or_else(|_| iso.to_string())
}

/// Puts posted values back into a form that was refused.
pub(super) fn refill(f: &mut FormSpec, values: &Values) {
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
fn parse_account_order(values: &Values, person_id: Uuid, account_id: Uuid, today: Date) -> Result<RequestInput, domain::error::FieldError> {
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

async fn order_for_account(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Posted(values): Posted,
) -> Response {
    let account = match s.app.account(&actor, id).await {
        Ok(a) => a,
        Err(e) => return app_error_page(&ctx, e),
    };
    let submitted = match parse_account_order(&values, account.person_id, id, s.app.now().date()) {
        Ok(input) => s.app.submit_request(&actor, input).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    let to = |v: app::RequestView| {
        let done = if v.request.kind == RequestKind::Termination { "account_ended" } else { "submitted" };
        format!("/requests/{}?done={done}", v.id)
    };
    done_or_again(&ctx, &s, submitted, to, |fe| accounts::account_page(&s, &ctx, &actor, id, None, Some((values.clone(), fe)))).await
}
