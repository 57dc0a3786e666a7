//! What hangs off a record: a supplier's orderers and agreements, a system's roles and
//! profiles, an agreement's attestations and acceptances.

use super::*;

pub(super) fn record_table<R: Record>(tr: &Tr, entries: &[domain::registry::Entry<R>]) -> TableSpec {
    let kind = R::KIND.as_str();
    TableSpec {
        caption: tr.t(&format!("registry-{kind}")),
        headers: vec![tr.t("field-name"), tr.t("ui-active")],
        rows: entries
            .iter()
            .map(|e| {
                vec![
                    link(e.data.display_name(), format!("/registry/{kind}/{}", e.id)),
                    cell(tr.t(if e.active { "ui-yes" } else { "ui-no" })),
                ]
            })
            .collect(),
        empty: tr.t("ui-none"),
        more: String::new(),
    }
}

pub(super) async fn child_section<R: Record>(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    filter: ListFilter,
    new_link: Option<String>,
) -> Option<Section> {
    let tr = &ctx.tr;
    let page = PageRequest { page: 1, page_size: domain::paging::MAX_PAGE_SIZE };
    let list = s.app.list::<R>(actor, &filter, page).await.ok()?;
    let kind = R::KIND.as_str();
    let mut forms = Vec::new();
    if let Some(href) = new_link.filter(|_| s.app.may(actor, Action::Create, R::KIND)) {
        let mut f = FormSpec {
            method: "get",
            action: format!("/registry/{kind}/new"),
            submit: tr.t(&format!("new-{kind}")),
            button_class: "button-secondary",
            ..Default::default()
        };
        f.hidden = form_urlencoded::parse(href.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        forms.push(f);
    }
    Some(Section { heading: tr.t(&format!("registry-{kind}")), table: Some(record_table(tr, &list.items)), forms, ..Default::default() })
}

pub(super) async fn related(s: &AppState, ctx: &Ctx, actor: &Actor, kind: ResourceKind, id: Uuid, json: &Value) -> Vec<Section> {
    let own = ListFilter { supplier_id: Some(id), ..Default::default() };
    let refers = ListFilter { refers_to: Some(id), ..Default::default() };
    let prefill = |name: &str| Some(format!("{name}={id}"));
    let mut out = Vec::new();
    match kind {
        ResourceKind::Supplier => {
            out.extend(child_section::<Orderer>(s, ctx, actor, own.clone(), prefill("supplier_id")).await);
            out.extend(child_section::<Agreement>(s, ctx, actor, own, prefill("supplier_id")).await);
        }
        ResourceKind::System => {
            out.extend(child_section::<Role>(s, ctx, actor, refers.clone(), prefill("system_id")).await);
            out.extend(child_section::<Profile>(s, ctx, actor, refers, prefill("system_id")).await);
        }
        ResourceKind::Agreement => out.extend(signatures(s, ctx, actor, id, json)),
        _ => {}
    }
    out
}

pub(super) fn signatures(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid, json: &Value) -> Vec<Section> {
    let tr = &ctx.tr;
    let Ok(a) = serde_json::from_value::<Agreement>(json.clone()) else { return Vec::new() };
    let may_sign = s.app.may(actor, Action::Sign, ResourceKind::Agreement);
    let attestation_label = |k: &AttestationKind| {
        let code = serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        (code.clone(), tr.t(&format!("opt-attestation-{code}")))
    };
    let mut attest = Section {
        heading: tr.t("ui-attestations"),
        text: Some(tr.t("ui-attestations-intro")),
        table: Some(TableSpec {
            caption: tr.t("ui-attestations"),
            headers: vec![tr.t("field-kind"), tr.t("field-attested_by"), tr.t("ui-when")],
            rows: a
                .attestations
                .iter()
                .map(|x| vec![cell(attestation_label(&x.kind).1), cell(x.attested_by.to_string()), cell(tr.time(&x.attested_at))])
                .collect(),
            empty: tr.t("ui-none"),
            more: String::new(),
        }),
        ..Default::default()
    };
    if may_sign {
        attest.forms.push(FormSpec {
            method: "post",
            action: format!("/registry/agreement/{id}/attest"),
            submit: tr.t("ui-attest"),
            button_class: "button-secondary",
            fields: vec![
                FieldSpec::new(tr, "kind", "select").required().options(AttestationKind::ALL.iter().map(attestation_label).collect(), &[]),
                FieldSpec::new(tr, "attested_by", "text").required().value(&actor.name),
            ],
            ..Default::default()
        });
    }
    let mut accept = Section {
        heading: tr.t("ui-acceptances"),
        text: Some(tr.t(if a.fully_accepted() { "ui-accepted-by-both" } else { "ui-acceptances-intro" })),
        table: Some(TableSpec {
            caption: tr.t("ui-acceptances"),
            headers: vec![tr.t("field-party"), tr.t("field-name"), tr.t("field-title"), tr.t("ui-when")],
            rows: a
                .acceptances
                .iter()
                .map(|x| {
                    let party = if x.party == domain::registry::Party::Supplier { "opt-party-supplier" } else { "opt-party-municipality" };
                    vec![cell(tr.t(party)), cell(x.name.to_string()), cell(x.title.to_string()), cell(tr.time(&x.accepted_at))]
                })
                .collect(),
            empty: tr.t("ui-none"),
            more: String::new(),
        }),
        ..Default::default()
    };
    // Offered to a party that may sign and has not accepted the current terms yet.
    if may_sign && !a.accepted_by(domain::registry::Party::of(actor)) {
        accept.forms.push(FormSpec {
            method: "post",
            action: format!("/registry/agreement/{id}/accept"),
            submit: tr.t("ui-accept"),
            button_class: "button-secondary",
            fields: vec![FieldSpec::new(tr, "name", "text").required().value(&actor.name), FieldSpec::new(tr, "title", "text").required()],
            ..Default::default()
        });
    }
    vec![attest, accept]
}

#[derive(Deserialize)]
pub(super) struct SignForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    attested_by: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
}

pub(super) fn parse_name(v: &str, field: &str) -> Result<Name, AppError> {
    Name::parse(v.trim()).map_err(|e| AppError::Invalid(e.at(field)))
}

pub(super) async fn attest(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    CsrfForm(f): CsrfForm<SignForm>,
) -> Response {
    let result = match serde_json::from_value::<AttestationKind>(Value::String(f.kind.clone())) {
        Err(_) => Err(AppError::Invalid(domain::error::FieldError::new("kind", domain::codes::MISSING_FIELD))),
        Ok(kind) => match parse_name(&f.attested_by, "attested_by") {
            Ok(by) => s.app.attest_agreement(&actor, id, kind, by).await.map(|_| ()),
            Err(e) => Err(e),
        },
    };
    signed(&s, &ctx, &actor, id, result, "attested").await
}

pub(super) async fn accept(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    CsrfForm(f): CsrfForm<SignForm>,
) -> Response {
    let result = match (parse_name(&f.name, "name"), parse_name(&f.title, "title")) {
        (Ok(name), Ok(title)) => s.app.accept_agreement(&actor, id, name, title).await.map(|_| ()),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    signed(&s, &ctx, &actor, id, result, "accepted").await
}

pub(super) async fn signed(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid, result: Result<(), AppError>, done: &str) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/registry/agreement/{id}?done={done}")).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(ctx, e),
        Err(e) => {
            let msg = form_error(ctx, &s.catalog, e).message;
            detail_page::<Agreement>(s, ctx, actor, id, Outcome::Refused(msg)).await
        }
    }
}

/// Where a row of the registry list leads.
pub(in crate::ui::pages) fn href(kind: &str, id: Uuid) -> String {
    format!("/registry/{kind}/{id}")
}

/// The municipality profile's page (there is one).
pub(in crate::ui::pages) fn municipality_href() -> String {
    href("municipality", MUNICIPALITY_ID)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::registry::Supplier;

    #[test]
    fn paths_set_nested_values_and_drop_what_emptied() {
        let mut v = serde_json::json!({ "name": "A", "contact": { "name": "B" } });
        set_at(&mut v, "contact.name", None);
        assert_eq!(v, serde_json::json!({ "name": "A" }), "an emptied contact goes");
        set_at(&mut v, "affiliations[0].from", Some(Value::String("2026-01-01".into())));
        assert_eq!(get_at(&v, "affiliations[0].from"), Some(&Value::String("2026-01-01".into())));
        set_at(&mut v, "affiliations[0].from", None);
        assert_eq!(v, serde_json::json!({ "name": "A" }), "an emptied affiliation goes with its list");
        assert_eq!(label_key("affiliations[0].employee_ref"), "field-affiliations-employee_ref");
        assert_eq!(label_key("scope.user_cap"), "field-scope-user_cap");
    }

    #[test]
    fn a_posted_form_parses_like_an_api_body_and_names_the_field() {
        // REQ: ORG-3
        let post = |s: &str| values_from_post(s.as_bytes());
        let ok: Supplier =
            record_from_post(SUPPLIER, &post("name=Omsorg+ApS&org_number=29403473&contact.name=&contact.email="), Value::Null, true)
                .unwrap();
        assert_eq!(ok.contact, None, "an empty contact is no contact");
        let err = record_from_post::<Supplier>(SUPPLIER, &post("name=Omsorg&org_number=12345678"), Value::Null, true).unwrap_err();
        assert_eq!(err.field, "org_number");
        let err =
            record_from_post::<Supplier>(SUPPLIER, &post("name=Omsorg&org_number=29403473&contact.email=a%40b.dk"), Value::Null, true)
                .unwrap_err();
        assert_eq!(err.field, "contact.name", "an e-mail without the contact's name");
        let agreement = "supplier_id=0190a0e0-0000-7000-8000-000000000001&title=Pleje&service_type=personal_care&valid_from=2026-01-01\
                         &valid_to=2027-12-31&scope.systems=0190a0e0-0000-7000-8000-000000000002\
                         &scope.profiles=0190a0e0-0000-7000-8000-000000000003";
        let err =
            record_from_post::<Agreement>(AGREEMENT, &post(&format!("{agreement}&scope.user_cap=four")), Value::Null, true).unwrap_err();
        assert_eq!(err.field, "scope.user_cap", "a cap that is not a number");
        let ok: Agreement = record_from_post(AGREEMENT, &post(&format!("{agreement}&scope.user_cap=4")), Value::Null, true).unwrap();
        assert_eq!(
            (ok.scope.user_cap, ok.data_processing.dpa_in_place, ok.consultant_engagement),
            (4, false, false),
            "unticked boxes are false"
        );
        // An update keeps what the form does not show.
        let base = serde_json::json!({ "name": "Old", "org_number": "29403473", "address": "Vej 1" });
        let kept: Supplier = record_from_post(SUPPLIER, &post("name=New&org_number=29403473&address=Vej+2"), base, false).unwrap();
        assert_eq!(kept.address.map(|a| a.to_string()), Some("Vej 2".into()));
    }
}
