//! Ordering a new account without trial and error (REQ-1, REQ-3, X-10): the order starts
//! from the agreement (chosen first, or the only one); only the job profiles and systems
//! inside its scope are offered; selects start on "Vælg …"; the start date offered is the
//! earliest that needs no urgency reason, and says so; the needs assessment is asked for
//! only when a job profile on offer is sensitive; and every error shows at once, each on
//! its field.

use super::*;
use domain::error::FieldError;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/requests/new", get(order_form).post(order))
}

#[derive(Deserialize, Default, Clone)]
struct OrderForm {
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

/// Every active record of a kind the actor may see, with its data.
async fn records<R: Record>(s: &AppState, actor: &Actor, filter: ListFilter) -> Vec<(Uuid, R)> {
    let page = PageRequest { page: 1, page_size: domain::paging::MAX_PAGE_SIZE };
    match s.app.list::<R>(actor, &filter, page).await {
        Ok(p) => p.items.into_iter().filter(|e| e.active).map(|e| (e.id, e.data)).collect(),
        Err(_) => Vec::new(),
    }
}

async fn order_form(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, Query(q): Query<HashMap<String, String>>) -> Response {
    // Never a form the person may not send.
    if !s.app.may(&actor, domain::authz::Action::Create, domain::authz::ResourceKind::Request) {
        return app_error_page(&ctx, AppError::Forbidden);
    }
    let f = OrderForm {
        agreement_id: q.get("agreement_id").cloned().unwrap_or_default(),
        person_id: q.get("person_id").cloned().unwrap_or_default(),
        ..Default::default()
    };
    order_page(&s, &ctx, &actor, f, Vec::new()).await
}

/// What the order form offers under one agreement.
struct Offer {
    agreements: Vec<(Uuid, Agreement)>,
    agreement: Option<(Uuid, Agreement)>,
    job_profiles: Vec<(Uuid, JobProfile)>,
    systems: Vec<(Uuid, System)>,
    /// The job profiles holding a sensitive profile.
    sensitive: Vec<String>,
    earliest: Date,
}

async fn offer(s: &AppState, actor: &Actor, chosen: &str) -> Offer {
    let own = ListFilter { active: Some(true), supplier_id: actor.supplier(), ..Default::default() };
    let today = s.app.now().date();
    let mut agreements: Vec<(Uuid, Agreement)> =
        records::<Agreement>(s, actor, own).await.into_iter().filter(|(_, a)| a.covers_date(today) || a.valid_from > today).collect();
    agreements.sort_by(|a, b| a.1.title.as_str().cmp(b.1.title.as_str()));
    let agreement = match (agreements.len(), Uuid::parse_str(chosen.trim())) {
        (_, Ok(id)) => agreements.iter().find(|(a, _)| *a == id).cloned(),
        (1, Err(_)) => agreements.first().cloned(),
        _ => None,
    };
    let profiles: HashMap<Uuid, Profile> = records::<Profile>(s, actor, active_only()).await.into_iter().collect();
    let (mut job_profiles, mut systems) = (Vec::new(), Vec::new());
    if let Some((_, a)) = &agreement {
        job_profiles = records::<JobProfile>(s, actor, active_only())
            .await
            .into_iter()
            .filter(|(_, j)| !j.profiles.is_empty() && j.profiles.iter().all(|p| a.scope.profiles.contains(p)))
            .collect();
        systems = records::<System>(s, actor, active_only()).await.into_iter().filter(|(id, _)| a.scope.systems.contains(id)).collect();
    }
    let sensitive = job_profiles
        .iter()
        .filter(|(_, j)| j.profiles.iter().any(|p| profiles.get(p).is_some_and(|pr| pr.flags.sensitive)))
        .map(|(_, j)| j.name.to_string())
        .collect();
    let lead = s.app.active_preset().await.map(|p| p.policy.lead_times.new_account_days.value).unwrap_or(0);
    let earliest = Date(today.0 + chrono::Duration::days(i64::from(lead)));
    Offer { agreements, agreement, job_profiles, systems, sensitive, earliest }
}

async fn order_page(s: &AppState, ctx: &Ctx, actor: &Actor, mut f: OrderForm, errors: Vec<FormError>) -> Response {
    let tr = &ctx.tr;
    let o = offer(s, actor, &f.agreement_id).await;
    let choose = tr.t("ui-choose");
    let Some((agreement_id, agreement)) = &o.agreement else {
        // First the agreement the order is made under.
        let form = FormSpec {
            method: "get",
            action: "/requests/new".into(),
            submit: tr.t("ui-continue"),
            button_class: "button-primary",
            fields: vec![
                FieldSpec::new(tr, "agreement_id", "select")
                    .required()
                    .options(o.agreements.iter().map(|(id, a)| (id.to_string(), a.title.to_string())).collect(), &[])
                    .placeholder(choose)
                    .hint(tr.t("ui-order-agreement-hint")),
            ],
            ..Default::default()
        };
        let text = if o.agreements.is_empty() { tr.t("ui-order-no-agreement") } else { tr.t("ui-order-agreement-first") };
        let mut p = page(ctx, "ui-order-title", vec![Section { text: Some(text), forms: vec![form], ..Default::default() }]);
        p.intro = Some(tr.t("ui-order-intro"));
        return render(&p);
    };
    f.agreement_id = agreement_id.to_string();
    if f.wanted_start.is_empty() {
        f.wanted_start = o.earliest.to_string();
    }
    if f.system_id.is_empty() && o.systems.len() == 1 {
        f.system_id = o.systems[0].0.to_string();
    }
    let own = ListFilter { active: Some(true), supplier_id: Some(agreement.supplier_id), ..Default::default() };
    let persons = options::<Person>(s, actor, own).await;
    let earliest = tr.date(&o.earliest);
    let mut fields = vec![
        FieldSpec::new(tr, "person_id", "select")
            .required()
            .options(persons, std::slice::from_ref(&f.person_id))
            .placeholder(choose.clone()),
        FieldSpec::new(tr, "job_profile_id", "select")
            .required()
            .options(
                o.job_profiles.iter().map(|(id, j)| (id.to_string(), j.name.to_string())).collect(),
                std::slice::from_ref(&f.job_profile_id),
            )
            .placeholder(choose.clone())
            .hint(tr.t("ui-order-job-profile-hint")),
        FieldSpec::new(tr, "system_id", "select")
            .required()
            .options(o.systems.iter().map(|(id, x)| (id.to_string(), x.name.to_string())).collect(), std::slice::from_ref(&f.system_id))
            .placeholder(choose),
        FieldSpec::new(tr, "wanted_start", "date").required().value(&f.wanted_start).hint(tr.t1("ui-earliest-start", &earliest)),
        FieldSpec::new(tr, "end_date", "date").value(&f.end_date).hint(tr.t1("ui-end-date-hint", &tr.date(&agreement.valid_to))),
        FieldSpec::new(tr, "urgent_reason", "textarea").value(&f.urgent_reason).hint(tr.t1("ui-urgent-hint", &earliest)),
    ];
    if !o.sensitive.is_empty() {
        fields.push(
            FieldSpec::new(tr, "needs_assessment_ref", "text")
                .value(&f.needs_assessment_ref)
                .hint(tr.t1("ui-needs-assessment-hint", &o.sensitive.join(", "))),
        );
    }
    fields.push(FieldSpec::new(tr, "comment", "textarea").value(&f.comment));
    let form = FormSpec {
        action: "/requests/new".into(),
        submit: tr.t("ui-submit-order"),
        button_class: "button-primary",
        hidden: vec![("agreement_id".into(), f.agreement_id.clone())],
        fields,
        ..Default::default()
    };
    let mut forms = [form];
    let msg = attach_errors(&mut forms, errors);
    let failed = msg.is_some();
    let facts = vec![
        (tr.t("field-agreement_id"), agreement.title.to_string()),
        (tr.t("ui-agreement-period"), format!("{} – {}", tr.date(&agreement.valid_from), tr.date(&agreement.valid_to))),
    ];
    let mut p = page(ctx, "ui-order-title", vec![Section { facts, forms: forms.into_iter().collect(), ..Default::default() }]);
    p.intro = Some(tr.t("ui-order-intro"));
    if o.agreements.len() > 1 {
        p.actions.push(("/requests/new?agreement_id=".into(), tr.t("ui-order-other-agreement")));
    }
    p.error = msg;
    render_form(&p, failed)
}

/// Parses the order form at the edge: each field to its type; every field at fault.
fn parse_order(f: &OrderForm) -> Result<RequestInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut id = |v: &str, field: &str, required: bool| -> Option<Uuid> {
        match v.trim() {
            "" if required => {
                errors.push(FieldError::new(field, domain::codes::MISSING_FIELD));
                None
            }
            "" => None,
            x => Uuid::parse_str(x).map_err(|_| errors.push(FieldError::new(field, domain::codes::UNKNOWN_REFERENCE))).ok(),
        }
    };
    let person_id = id(&f.person_id, "person_id", true);
    let system_id = id(&f.system_id, "system_id", true);
    let agreement_id = id(&f.agreement_id, "agreement_id", false);
    let job_profile_id = id(&f.job_profile_id, "job_profile_id", true);
    let date = |v: &str, field: &str, errors: &mut Vec<FieldError>| -> Option<Date> {
        match v.trim() {
            "" => None,
            x => Date::parse(x).map_err(|e| errors.push(e.at(field))).ok(),
        }
    };
    let wanted_start = date(&f.wanted_start, "wanted_start", &mut errors);
    if f.wanted_start.trim().is_empty() {
        errors.push(FieldError::new("wanted_start", domain::codes::MISSING_FIELD));
    }
    let end_date = date(&f.end_date, "end_date", &mut errors);
    let text = |v: &str, field: &str, errors: &mut Vec<FieldError>| -> Option<Text> {
        match v.trim() {
            "" => None,
            x => Text::parse(x).map_err(|e| errors.push(e.at(field))).ok(),
        }
    };
    let urgent_reason = text(&f.urgent_reason, "urgent_reason", &mut errors);
    let comment = text(&f.comment, "comment", &mut errors);
    let needs_assessment_ref = match f.needs_assessment_ref.trim() {
        "" => None,
        x => Name::parse(x).map_err(|e| errors.push(e.at("needs_assessment_ref"))).ok(),
    };
    match (person_id, wanted_start) {
        (Some(person_id), Some(wanted_start)) if errors.is_empty() => Ok(RequestInput {
            kind: RequestKind::NewAccount,
            person_id,
            system_id,
            account_id: None,
            agreement_id,
            job_profile_id,
            deviations: Vec::new(),
            wanted_start,
            end_date,
            urgent_reason,
            needs_assessment_ref,
            comment,
            draft: false,
        }),
        _ => Err(errors),
    }
}

async fn order(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, CsrfForm(f): CsrfForm<OrderForm>) -> Response {
    let input = match parse_order(&f) {
        Ok(i) => i,
        Err(errors) => {
            let errors = errors.into_iter().map(|e| form_error(&ctx, &s.catalog, AppError::Invalid(e))).collect();
            return order_page(&s, &ctx, &actor, f, errors).await;
        }
    };
    match s.app.submit_request(&actor, input.clone()).await {
        Ok(v) => Redirect::to(&format!("/requests/{}?done=submitted", v.id)).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(&ctx, e),
        Err(first) => {
            // Every rule the order breaks, not only the first.
            let all = match s.app.order_problems(&actor, input).await {
                Ok(v) if !v.is_empty() => v.into_iter().map(AppError::Invalid).collect(),
                _ => vec![first],
            };
            let errors = all.into_iter().map(|e| form_error(&ctx, &s.catalog, e)).collect();
            order_page(&s, &ctx, &actor, f, errors).await
        }
    }
}
