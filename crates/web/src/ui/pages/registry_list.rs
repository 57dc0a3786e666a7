//! The registry's lists; each record's page and form is in `registry`.

use super::listing::{COUNT_CAP, Filter, ListParams, ListSpec, col, csv_response, person_chip, read_rows, texts};
use super::*;
use app::AgreementAttention;
use domain::registry::Party;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/registry", get(registry))
}

/// What a kind's list can be narrowed to because it needs action: (kind, value).
const ATTENTION: [(&str, &str); 3] = [("person", "evidence"), ("agreement", "ending"), ("agreement", "incomplete")];

/// The kinds a supplier owns: their lists filter by supplier.
const OWNED: [&str; 3] = ["orderer", "agreement", "person"];

/// One page of a kind's records (or all of them, for CSV) as rows of name, details and
/// whether it is in use, and the number the search and filters select.
async fn registry_rows<R: Record>(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    p: &ListParams,
    base: &ListFilter,
    describe: impl Fn(&R) -> String,
) -> Result<(Vec<Vec<Cell>>, u64, Vec<Uuid>), AppError> {
    let tr = &ctx.tr;
    let filter = ListFilter {
        only: base.only.clone(),
        missing_evidence: base.missing_evidence,
        q: p.text(),
        active: p.get("active").map(|v| v == "yes"),
        supplier_id: p.id("supplier"),
        id: p.id("person"),
        desc: p.desc,
        count_cap: (!p.csv).then_some(COUNT_CAP),
        ..Default::default()
    };
    let kind = R::KIND.as_str();
    let (items, total) = read_rows(p, |page| s.app.list::<R>(actor, &filter, page)).await?;
    let ids = items.iter().map(|e| e.id).collect();
    let rows = items
        .iter()
        .map(|e| {
            vec![
                link(e.data.display_name(), registry::href(kind, e.id)),
                cell(describe(&e.data)),
                cell(tr.t(if e.active { "ui-yes" } else { "ui-no" })),
            ]
        })
        .collect();
    Ok((rows, total, ids))
}

/// ACC-4: what each person still lacks of the evidence the policy requires, in words.
async fn missing_evidence(s: &AppState, actor: &Actor, tr: &Tr, ids: &[Uuid]) -> HashMap<Uuid, String> {
    let required = s.app.required_evidence().await.unwrap_or_default();
    let recorded = s.app.evidence_kinds(actor, ids).await.unwrap_or_default();
    ids.iter()
        .map(|id| {
            let have: Vec<&String> = recorded.get(id).map(|k| k.iter().map(|(c, _)| c).collect()).unwrap_or_default();
            let lacking: Vec<String> = required.iter().filter(|c| !have.contains(c)).map(|c| tr.t(&format!("evidence-{c}"))).collect();
            (*id, lacking.join(", "))
        })
        .collect()
}

async fn registry(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, p: ListParams) -> Response {
    let tr = &ctx.tr;
    let q = &p;
    let kind = p.get("kind").unwrap_or("supplier").to_string();
    // RPT-1: the dashboard's figures open these lists, narrowed to what needs action.
    let attention = ATTENTION.iter().find(|(k, a)| *k == kind && p.get("attention") == Some(*a)).map(|(_, a)| *a);
    let mut base = ListFilter::default();
    match attention {
        Some("evidence") => base.missing_evidence = true,
        Some(which @ ("ending" | "incomplete")) => {
            let which = if which == "ending" { AgreementAttention::Ending } else { AgreementAttention::Incomplete };
            match s.app.agreements_needing(&actor, which).await {
                Ok(ids) => base.only = Some(ids),
                Err(e) => return app_error_page(&ctx, e),
            }
        }
        _ => {}
    }
    let table = match kind.as_str() {
        "supplier" => registry_rows::<Supplier>(&s, &ctx, &actor, q, &base, |r| String::from(r.org_number.clone())).await,
        "orderer" => {
            registry_rows::<domain::registry::Orderer>(&s, &ctx, &actor, q, &base, |r| {
                format!("{} – {}", tr.date(&r.valid_from), tr.opt_date(&r.valid_to))
            })
            .await
        }
        "agreement" => {
            // Listed as incomplete: what is missing, so the coordinator knows whom to ask.
            let required = s.app.active_preset().await.map(|p| p.policy.accounts.required_attestations.value).unwrap_or_default();
            let incomplete = attention == Some("incomplete");
            registry_rows::<Agreement>(&s, &ctx, &actor, q, &base, |r| {
                let period = format!("{} – {}", tr.date(&r.valid_from), tr.date(&r.valid_to));
                if !incomplete {
                    return period;
                }
                let mut missing = Vec::new();
                if r.data_processing.allows_export && !r.data_processing.dpa_in_place {
                    missing.push(tr.t("ui-missing-dpa"));
                }
                for k in r.missing_attestations(&required) {
                    let code = serde_json::to_value(k).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
                    missing.push(tr.t(&format!("opt-attestation-{code}")));
                }
                for (party, key) in
                    [(Party::Supplier, "ui-missing-acceptance-supplier"), (Party::Municipality, "ui-missing-acceptance-municipality")]
                {
                    if !r.accepted_by(party) {
                        missing.push(tr.t(key));
                    }
                }
                format!("{period} · {}", tr.t1("ui-evidence-missing", &missing.join(", ")))
            })
            .await
        }
        "system" => registry_rows::<System>(&s, &ctx, &actor, q, &base, |r| r.code.to_string()).await,
        "role" => registry_rows::<domain::registry::Role>(&s, &ctx, &actor, q, &base, |r| r.code.to_string()).await,
        "profile" => registry_rows::<Profile>(&s, &ctx, &actor, q, &base, |r| r.code.to_string()).await,
        "job_profile" => registry_rows::<JobProfile>(&s, &ctx, &actor, q, &base, |r| r.code.to_string()).await,
        "department" => registry_rows::<Department>(&s, &ctx, &actor, q, &base, |r| r.code.to_string()).await,
        "person" => {
            // Who they work for, so namesakes can be told apart; and, when the list is of
            // those missing evidence, what is missing.
            let suppliers: HashMap<Uuid, String> =
                s.app.choices::<Supplier>(&actor).await.map(|l| l.iter().cloned().collect()).unwrap_or_default();
            let rows = registry_rows::<Person>(&s, &ctx, &actor, q, &base, |r| {
                let mut parts: Vec<String> = r.affiliations.iter().filter_map(|a| suppliers.get(&a.supplier_id).cloned()).collect();
                if r.national_id_on_file {
                    parts.push(tr.t("ui-national-id-on-file"));
                }
                parts.join(" · ")
            })
            .await;
            match rows {
                Ok((mut rows, total, ids)) if base.missing_evidence => {
                    let missing = missing_evidence(&s, &actor, tr, &ids).await;
                    for (row, id) in rows.iter_mut().zip(&ids) {
                        if let Some(m) = missing.get(id) {
                            row[1].text = [row[1].text.clone(), tr.t1("ui-evidence-missing", m)].join(" · ");
                        }
                    }
                    Ok((rows, total, ids))
                }
                other => other,
            }
        }
        _ => Err(AppError::NotFound),
    };
    let (rows, total, _) = match table {
        Ok(t) => t,
        Err(e) => return app_error_page(&ctx, e),
    };
    let columns = vec![col(tr, "field-name", Some("name")), col(tr, "ui-details", None), col(tr, "ui-active", None)];
    if p.csv {
        return csv_response(tr, &kind, &columns, rows.iter().map(|r| texts(r)).collect());
    }
    let links = registry::KINDS
        .iter()
        .map(|k| {
            let href = if *k == "municipality" { registry::municipality_href() } else { format!("/registry?kind={k}") };
            vec![link(tr.t(&format!("registry-{k}")), href)]
        })
        .collect();
    let mut filters = vec![Filter {
        name: "active",
        options: vec![("yes".into(), tr.t("ui-filter-in-use")), ("no".into(), tr.t("ui-filter-not-in-use"))],
    }];
    if OWNED.contains(&kind.as_str()) && actor.supplier().is_none() {
        filters.push(Filter { name: "supplier", options: options::<Supplier>(&s, &actor, ListFilter::default()).await });
    }
    let shown: Vec<(String, String)> =
        ATTENTION.iter().filter(|(k, _)| *k == kind).map(|(_, a)| (a.to_string(), tr.t(&format!("ui-attention-{a}")))).collect();
    if !shown.is_empty() {
        filters.push(Filter { name: "attention", options: shown });
    }
    let hint = if kind == "person" { tr.t("ui-search-national-id-hint") } else { tr.t("ui-search-name-hint") };
    let chips = if kind == "person" { person_chip(&s, &ctx, "/registry", &p).await } else { Vec::new() };
    let spec = ListSpec {
        path: "/registry",
        params: &p,
        columns,
        filters,
        fixed: &["kind"],
        default_sort: ("name", false),
        search_hint: hint,
        total,
        capped: true,
    };
    let mut list = spec.section(&ctx, tr.t(&format!("registry-{kind}")), rows, tr.t("ui-none"), chips);
    list.heading = tr.t(&format!("registry-{kind}"));
    let mut page_ = page(
        &ctx,
        "nav-registry",
        vec![
            list,
            Section {
                heading: tr.t("ui-registry-kinds"),
                table: Some(TableSpec {
                    caption: tr.t("ui-registry-kinds"),
                    headers: vec![tr.t("ui-kind")],
                    rows: links,
                    empty: String::new(),
                    more: String::new(),
                }),
                ..Default::default()
            },
        ],
    );
    let may_create = registry::kind_of(&kind).is_some_and(|k| s.app.may(&actor, domain::authz::Action::Create, k));
    if may_create {
        page_.actions = vec![(format!("/registry/{kind}/new"), tr.t(&format!("new-{kind}")))];
    }
    page_.primary_first = may_create;
    page_.intro = Some(tr.t("ui-registry-intro"));
    if actor.supplier().is_none() {
        page_.actions.push(("/policy".into(), tr.t("nav-policy")));
    }
    page_.error = error_message(&ctx, &p.error);
    render(&page_)
}
