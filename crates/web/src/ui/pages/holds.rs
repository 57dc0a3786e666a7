//! Legal holds on the audit log (LOG-3): the security officer and the DPO place a hold
//! on a data subject's events over a period — kept past retention until released — and
//! release it. The subject's number is posted, never put in a URL.

use super::*;
use app::HoldInput;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/audit/holds", get(holds).post(place)).route("/audit/holds/{id}/release", post(release))
}

async fn holds(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, Query(q): Query<ListQuery>) -> Response {
    holds_page(&s, &ctx, &actor, &HoldForm::default(), Vec::new(), done_message(&ctx, &q.done)).await
}

fn day_to_date(day: i64) -> Option<Date> {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1).and_then(|e| e.checked_add_signed(chrono::Duration::days(day))).map(Date)
}

async fn holds_page(s: &AppState, ctx: &Ctx, actor: &Actor, f: &HoldForm, errors: Vec<FormError>, success: Option<String>) -> Response {
    let tr = &ctx.tr;
    let list = match s.app.holds(actor).await {
        Ok(l) => l,
        Err(e) => return app_error_page(ctx, e),
    };
    let may_place = s.app.can(actor, domain::authz::Permission::PlaceHold);
    // Who placed each hold, by name (the hold keeps the user's id).
    let mut placed_by: HashMap<String, String> = HashMap::new();
    for h in &list {
        if let (false, Ok(id)) = (placed_by.contains_key(&h.created_by), h.created_by.parse::<Uuid>())
            && let Ok(Some(u)) = s.app.store().user(id).await
        {
            placed_by.insert(h.created_by.clone(), u.display_name);
        }
    }
    let date = |d: i64| day_to_date(d).map(|d| tr.date(&d)).unwrap_or_default();
    let rows = list
        .iter()
        .map(|h| {
            let mut state = cell(match &h.released_at {
                Some(at) => {
                    tr.t1("ui-hold-released", &domain::time::Timestamp::parse(at).map(|t| tr.time(&t)).unwrap_or_else(|_| at.clone()))
                }
                None => tr.t("ui-hold-active"),
            });
            if may_place && h.released_at.is_none() {
                let mut b = button(format!("/audit/holds/{}/release", h.id), tr.t("ui-release-hold"), false, Vec::new());
                b.confirm = Some(tr.t1("ui-release-hold-confirm", &h.case_ref));
                state.form = Some(b);
            }
            vec![
                cell(h.case_ref.clone()),
                cell(h.reason.clone()),
                cell(format!("{} – {}", date(h.from_day), date(h.to_day))),
                cell(placed_by.get(&h.created_by).cloned().unwrap_or_else(|| h.created_by.clone())),
                state,
            ]
        })
        .collect();
    let mut sections = vec![Section {
        table: Some(TableSpec {
            caption: tr.t("nav-holds"),
            headers: vec![tr.t("field-case_ref"), tr.t("field-reason"), tr.t("ui-period"), tr.t("ui-created-by"), tr.t("field-status")],
            rows,
            empty: tr.t("ui-holds-none"),
            more: String::new(),
        }),
        ..Default::default()
    }];
    let mut msg = None;
    if may_place {
        let form = FormSpec {
            action: "/audit/holds".into(),
            submit: tr.t("ui-place-hold-submit"),
            button_class: "button-primary",
            fields: vec![
                FieldSpec::new(tr, "case_ref", "text").required().value(&f.case_ref).hint(tr.t("ui-case-ref-hint")),
                FieldSpec::new(tr, "reason", "text").required().value(&f.reason),
                FieldSpec::new(tr, "subject", "text").required().value(&f.subject).hint(tr.t("ui-subject-hint")),
                FieldSpec::new(tr, "from", "date").required().value(&f.from),
                FieldSpec::new(tr, "to", "date").required().value(&f.to),
            ],
            ..Default::default()
        };
        let mut forms = [form];
        msg = attach_errors(&mut forms, errors);
        sections.push(Section {
            heading: tr.t("ui-place-hold"),
            text: Some(tr.t("ui-place-hold-intro")),
            forms: forms.into_iter().collect(),
            collapsible: Some(msg.is_some()),
            ..Default::default()
        });
    }
    let mut p = page(ctx, "nav-holds", sections);
    p.crumbs = vec![("/audit".into(), tr.t("nav-audit"))];
    p.intro = Some(tr.t("ui-holds-intro"));
    p.actions.push(("/audit".into(), tr.t("nav-audit")));
    p.success = success;
    let failed = msg.is_some();
    p.error = msg;
    render_form(&p, failed)
}

#[derive(Deserialize, Default)]
struct HoldForm {
    #[serde(default)]
    case_ref: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn parse_hold(f: &HoldForm) -> Result<HoldInput, Vec<domain::error::FieldError>> {
    use domain::error::FieldError;
    let mut errors = Vec::new();
    let case_ref = Name::parse(&f.case_ref).map_err(|e| errors.push(e.at("case_ref"))).ok();
    let reason = Name::parse(&f.reason).map_err(|e| errors.push(e.at("reason"))).ok();
    let subject = match f.subject.trim() {
        "" => {
            errors.push(FieldError::new("subject", domain::codes::SUBJECT_REQUIRED));
            None
        }
        x => domain::ident::NationalId::parse(x).map(|_| x.to_string()).map_err(|e| errors.push(e.at("subject"))).ok(),
    };
    let mut date = |v: &str, field: &str| match v.trim() {
        "" => {
            errors.push(FieldError::new(field, domain::codes::MISSING_FIELD));
            None
        }
        x => Date::parse(x).map_err(|e| errors.push(e.at(field))).ok(),
    };
    let (from, to) = (date(&f.from, "from"), date(&f.to, "to"));
    match (case_ref, reason, subject, from, to) {
        (Some(case_ref), Some(reason), Some(subject), Some(from), Some(to)) if errors.is_empty() => {
            Ok(HoldInput { case_ref, reason, subject: Some(subject), account_id: None, from, to })
        }
        _ => Err(errors),
    }
}

async fn place(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, CsrfForm(f): CsrfForm<HoldForm>) -> Response {
    let input = match parse_hold(&f) {
        Ok(h) => h,
        Err(errors) => {
            let errors = errors.into_iter().map(|e| form_error(&ctx, &s.catalog, AppError::Invalid(e))).collect();
            return holds_page(&s, &ctx, &actor, &f, errors, None).await;
        }
    };
    let result = s.app.create_hold(&actor, input).await;
    done_or_again(&ctx, &s, result, |_| "/audit/holds?done=hold_placed".into(), |fe| holds_page(&s, &ctx, &actor, &f, vec![fe], None)).await
}

async fn release(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, RecordId(id): RecordId, Posted(_): Posted) -> Response {
    match s.app.release_hold(&actor, id).await {
        Ok(()) => Redirect::to("/audit/holds?done=hold_released").into_response(),
        Err(e) => app_error_page(&ctx, e),
    }
}
