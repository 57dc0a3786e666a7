//! The supplier's staff (ORG-4) and their evidence (ACC-4): the list shows each kind of
//! evidence as ✓ with its date or "Mangler"; a staff member's page records evidence with
//! its date, document or reference and who checked it, lists their accounts, and holds
//! "report as a leaver" (REQ-4) behind its own heading, confirmed with their name.

use super::listing::{Filter, ListParams, ListSpec, col, csv_response, person_chip, read_rows, texts};
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff", get(staff))
        .route("/staff/{id}", get(member))
        .route("/staff/{id}/evidence", post(record_evidence))
        .route("/staff/{id}/leaver", post(report_leaver))
}

const KINDS: [EvidenceKind; 3] = [EvidenceKind::ConfidentialityDeclaration, EvidenceKind::Training, EvidenceKind::IdentityCheck];

fn code_of_check(c: domain::policy::ActivationCheck) -> String {
    serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn code_of(kind: EvidenceKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

async fn staff(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, p: ListParams) -> Response {
    // A supplier's own staff: for the supplier's people only (the menu offers it to them).
    if actor.supplier().is_none() {
        return app_error_page(&ctx, AppError::Forbidden);
    }
    let tr = &ctx.tr;
    let filter = ListFilter {
        active: Some(true),
        supplier_id: actor.supplier(),
        q: p.text(),
        id: p.id("person"),
        missing_evidence: p.get("attention") == Some("evidence"),
        desc: p.desc,
        ..Default::default()
    };
    let (items, total) = match read_rows(&p, |page| s.app.list::<Person>(&actor, &filter, page)).await {
        Ok(x) => x,
        Err(e) => return app_error_page(&ctx, e),
    };
    let ids: Vec<Uuid> = items.iter().map(|p| p.id).collect();
    let evidence = match s.app.evidence_kinds(&actor, &ids).await {
        Ok(e) => e,
        Err(e) => return app_error_page(&ctx, e),
    };
    let rows: Vec<Vec<Cell>> = items
        .iter()
        .map(|p| {
            let mut row = vec![link(p.data.name.to_string(), format!("/staff/{}", p.id))];
            for kind in KINDS {
                let code = code_of(kind);
                let at = evidence.get(&p.id).and_then(|k| k.iter().find(|(c, _)| *c == code)).map(|(_, at)| *at);
                row.push(cell(match at {
                    Some(at) => format!("✓ {}", tr.date(&at.date())),
                    None => tr.t("ui-evidence-no"),
                }));
            }
            row
        })
        .collect();
    let columns = vec![
        col(tr, "field-name", Some("name")),
        col(tr, "evidence-confidentiality_declaration", None),
        col(tr, "evidence-training", None),
        col(tr, "evidence-identity_check", None),
    ];
    if p.csv {
        return csv_response(tr, "staff", &columns, rows.iter().map(|r| texts(r)).collect());
    }
    let chips = person_chip(&s, &ctx, "/staff", &p).await;
    let spec = ListSpec {
        path: "/staff",
        params: &p,
        columns,
        filters: vec![Filter { name: "attention", options: vec![("evidence".into(), tr.t("ui-attention-evidence"))] }],
        fixed: &[],
        default_sort: ("name", false),
        search_hint: tr.t("ui-search-national-id-hint"),
        total,
        capped: false,
    };
    let params = &p;
    let mut p = page(&ctx, "nav-staff", vec![spec.section(&ctx, tr.t("nav-staff"), rows, tr.t("ui-staff-none"), chips)]);
    // What the rules in force require before activation (ACC-4), as the policy says.
    let required: Vec<String> = s
        .app
        .active_preset()
        .await
        .map(|p| p.policy.accounts.activation_requires.value.iter().map(|c| tr.t(&format!("evidence-{}", code_of_check(*c)))).collect())
        .unwrap_or_default();
    p.intro = Some(tr.t1("ui-staff-intro", &required.join(", ")));
    if s.app.may(&actor, domain::authz::Action::Create, domain::authz::ResourceKind::Person) {
        p.actions = vec![("/registry/person/new?from=staff".into(), tr.t("new-person"))];
    }
    p.success = done_message(&ctx, &params.done);
    p.error = error_message(&ctx, &params.error);
    render(&p)
}

async fn member(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Query(q): Query<ListQuery>,
) -> Response {
    member_page(&s, &ctx, &actor, id, q.done.clone(), None).await
}

/// A staff member's page; `refused` is the evidence form sent back with its values.
async fn member_page(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    done: Option<String>,
    refused: Option<(EvidenceForm, Vec<FormError>)>,
) -> Response {
    let tr = &ctx.tr;
    let person = match s.app.get::<Person>(actor, id).await {
        Ok(p) => p,
        Err(e) => return app_error_page(ctx, e),
    };
    let name = person.data.name.to_string();
    let rows = s.app.evidence(actor, id).await.unwrap_or_default();
    let facts = KINDS
        .into_iter()
        .map(|kind| {
            let code = code_of(kind);
            let latest = rows.iter().filter(|e| e.kind == code).max_by_key(|e| e.recorded_at);
            let text = match latest {
                Some(e) => {
                    let mut t = tr.text("ui-evidence-yes", &[("arg", tr.time(&e.recorded_at).as_str()), ("arg2", e.recorded_by.as_str())]);
                    if let Some(n) = &e.note {
                        t.push_str(&format!(" – {n}"));
                    }
                    t
                }
                None => tr.t("ui-evidence-no"),
            };
            (tr.t(&format!("evidence-{code}")), text)
        })
        .collect();
    let mut sections = vec![Section { heading: tr.t("ui-evidence"), facts, ..Default::default() }];
    // Recording evidence: which, when, the document or reference, who checked.
    let (values, errors) = refused.unwrap_or_default();
    let today = s.app.now().date().to_string();
    let kinds: Vec<(String, String)> = KINDS.into_iter().map(|k| (code_of(k), tr.t(&format!("evidence-{}", code_of(k))))).collect();
    let form = FormSpec {
        action: format!("/staff/{id}/evidence"),
        submit: tr.t("ui-record-evidence"),
        button_class: "button-primary",
        fields: vec![
            FieldSpec::new(tr, "kind", "select")
                .required()
                .options(kinds, std::slice::from_ref(&values.kind))
                .placeholder(tr.t("ui-choose")),
            FieldSpec::new(tr, "evidence_date", "date").required().value(if values.evidence_date.is_empty() {
                &today
            } else {
                &values.evidence_date
            }),
            FieldSpec::new(tr, "reference", "text").required().value(&values.reference).hint(tr.t("ui-evidence-reference-hint")),
            FieldSpec::new(tr, "checked_by", "text").required().value(&values.checked_by).hint(tr.t("ui-evidence-checked-by-hint")),
        ],
        ..Default::default()
    };
    let mut forms = [form];
    let msg = attach_errors(&mut forms, errors);
    sections.push(Section { heading: tr.t1("ui-record-evidence-for", &name), forms: forms.into_iter().collect(), ..Default::default() });
    // The person's accounts.
    let query = store::AccountQuery { person_id: Some(id), limit: 100, ..Default::default() };
    let accounts = s.app.list_accounts(actor, query).await.map(|x| x.0).unwrap_or_default();
    let outstanding = s.app.outstanding(&accounts).await.unwrap_or_default();
    let systems = s.app.names(&accounts.iter().map(|a| a.system_id).collect::<Vec<_>>()).await.unwrap_or_default();
    let now = s.app.now().date();
    sections.push(Section {
        heading: tr.t("ui-other-accounts"),
        table: Some(TableSpec {
            caption: tr.t("ui-other-accounts"),
            headers: vec![tr.t("field-username"), tr.t("field-system_id"), tr.t("field-status")],
            rows: accounts
                .iter()
                .map(|a| {
                    vec![
                        link(a.username.clone(), format!("/accounts/{}", a.id)),
                        cell(systems.get(&a.system_id).cloned().unwrap_or_default()),
                        cell(state::status_text(tr, a, now, outstanding.get(&a.id).map_or(&[], Vec::as_slice))),
                    ]
                })
                .collect(),
            empty: tr.t("ui-other-accounts-none"),
            more: String::new(),
        }),
        ..Default::default()
    });
    // REQ-4: the leaver report, behind its own heading, confirmed with the name.
    if s.app.may(actor, domain::authz::Action::Create, domain::authz::ResourceKind::Request) {
        let mut f = button(format!("/staff/{id}/leaver"), tr.t1("ui-report-leaver-named", &name), false, Vec::new());
        f.inline = false;
        f.button_class = "button-primary pv-danger";
        f.confirm = Some(tr.t1("ui-report-leaver-confirm", &name));
        sections.push(Section {
            heading: tr.t("ui-report-leaver-heading"),
            text: Some(tr.t1("ui-report-leaver-intro", &name)),
            forms: vec![f],
            collapsible: Some(false),
            ..Default::default()
        });
    }
    let mut p = page(ctx, "nav-staff", sections);
    p.c.title = name.clone();
    p.crumbs = vec![("/staff".into(), tr.t("nav-staff"))];
    if s.app.may(actor, domain::authz::Action::Create, domain::authz::ResourceKind::Request) {
        p.actions.push((format!("/requests/new?person_id={id}"), tr.t1("ui-order-for", &name)));
    }
    // What was recorded, for whom (`done-evidence_training` names the person).
    p.success = done.and_then(|d| {
        let key = format!("done-{d}");
        tr.catalog.has(tr.lang, &key).then(|| tr.t1(&key, &name))
    });
    let failed = msg.is_some();
    p.error = msg;
    render_form(&p, failed)
}

#[derive(Deserialize, Default)]
struct EvidenceForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    evidence_date: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    checked_by: String,
}

/// Parses the evidence form at the edge; every field at fault at once. The date, the
/// document and who checked are kept as the evidence's note.
fn parse_evidence(f: &EvidenceForm, tr: &Tr) -> Result<(EvidenceKind, Text), Vec<domain::error::FieldError>> {
    use domain::error::FieldError;
    let mut errors = Vec::new();
    let kind = serde_json::from_value::<EvidenceKind>(serde_json::json!(f.kind))
        .map_err(|_| errors.push(FieldError::new("kind", domain::codes::MISSING_FIELD)))
        .ok();
    let date = match f.evidence_date.trim() {
        "" => {
            errors.push(FieldError::new("evidence_date", domain::codes::MISSING_FIELD));
            None
        }
        x => Date::parse(x).map_err(|e| errors.push(e.at("evidence_date"))).ok(),
    };
    let reference = Name::parse(&f.reference).map_err(|e| errors.push(e.at("reference"))).ok();
    let checked_by = Name::parse(&f.checked_by).map_err(|e| errors.push(e.at("checked_by"))).ok();
    match (kind, date, reference, checked_by) {
        (Some(kind), Some(date), Some(reference), Some(checked_by)) if errors.is_empty() => {
            let note = tr.text(
                "ui-evidence-note",
                &[("date", tr.date(&date).as_str()), ("reference", reference.as_str()), ("checked_by", checked_by.as_str())],
            );
            Text::parse(&note).map(|n| (kind, n)).map_err(|e| vec![e.at("reference")])
        }
        _ => Err(errors),
    }
}

async fn record_evidence(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    CsrfForm(f): CsrfForm<EvidenceForm>,
) -> Response {
    let (kind, note) = match parse_evidence(&f, &ctx.tr) {
        Ok(x) => x,
        Err(errors) => {
            let errors = errors.into_iter().map(|e| form_error(&ctx, &s.catalog, AppError::Invalid(e))).collect();
            return member_page(&s, &ctx, &actor, id, None, Some((f, errors))).await;
        }
    };
    match s.app.record_evidence(&actor, id, kind, Some(note)).await {
        Ok(_) => Redirect::to(&format!("/staff/{id}?done=evidence_{}", code_of(kind))).into_response(),
        Err(e) => app_error_page(&ctx, e),
    }
}

/// REQ-4: the orderer reports that a staff member has left; every account of theirs
/// ends at once (a termination needs no approval).
async fn report_leaver(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Posted(_): Posted,
) -> Response {
    let input = RequestInput {
        kind: RequestKind::Termination,
        person_id: id,
        system_id: None,
        account_id: None,
        agreement_id: None,
        job_profile_id: None,
        deviations: Vec::new(),
        wanted_start: s.app.now().date(),
        end_date: None,
        urgent_reason: None,
        needs_assessment_ref: None,
        comment: None,
        draft: false,
    };
    match s.app.submit_request(&actor, input).await {
        Ok(v) => Redirect::to(&format!("/requests/{}?done=leaver", v.id)).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(&ctx, e),
        Err(AppError::Invalid(fe)) if fe.field == "person_id" => app_error_page(&ctx, AppError::NotFound),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            error_page(&ctx, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &msg)
        }
    }
}
