//! The registry's lists; each record's page and form is in `registry`.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/registry", get(registry))
}

#[derive(Deserialize, Default)]
struct RegistryQuery {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    q: Option<String>,
}

async fn registry_table<R: Record>(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    q: &RegistryQuery,
    describe: impl Fn(&R) -> String,
) -> Result<TableSpec, AppError> {
    let tr = &ctx.tr;
    let page = PageRequest::new(q.page, Some(50)).unwrap_or(PageRequest { page: 1, page_size: 50 });
    let search = q.q.clone().filter(|x| !x.trim().is_empty());
    let filter = ListFilter { q: search.clone(), ..Default::default() };
    let list = s.app.list::<R>(actor, &filter, page).await?;
    let kind = R::KIND.as_str();
    let search_param = search.map(|x| format!("&q={}", urlencode(&x))).unwrap_or_default();
    Ok(TableSpec {
        caption: tr.t(&format!("registry-{kind}")),
        headers: vec![tr.t("field-name"), tr.t("ui-details"), tr.t("ui-active")],
        rows: list
            .items
            .iter()
            .map(|e| {
                vec![
                    link(e.data.display_name(), registry::href(kind, e.id)),
                    cell(describe(&e.data)),
                    cell(tr.t(if e.active { "ui-yes" } else { "ui-no" })),
                ]
            })
            .collect(),
        empty: tr.t("ui-none"),
        more: if list.page < list.total_pages as u32 {
            format!("/registry?kind={kind}&page={}{search_param}", list.page + 1)
        } else {
            String::new()
        },
    })
}

async fn registry(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, Query(q): Query<RegistryQuery>) -> Response {
    let tr = &ctx.tr;
    let kind = q.kind.clone().unwrap_or_else(|| "supplier".into());
    let table = match kind.as_str() {
        "supplier" => registry_table::<Supplier>(&s, &ctx, &actor, &q, |r| String::from(r.org_number.clone())).await,
        "orderer" => {
            registry_table::<domain::registry::Orderer>(&s, &ctx, &actor, &q, |r| {
                format!("{} – {}", tr.date(&r.valid_from), tr.opt_date(&r.valid_to))
            })
            .await
        }
        "agreement" => {
            registry_table::<Agreement>(&s, &ctx, &actor, &q, |r| format!("{} – {}", tr.date(&r.valid_from), tr.date(&r.valid_to))).await
        }
        "system" => registry_table::<System>(&s, &ctx, &actor, &q, |r| r.code.to_string()).await,
        "role" => registry_table::<domain::registry::Role>(&s, &ctx, &actor, &q, |r| r.code.to_string()).await,
        "profile" => registry_table::<Profile>(&s, &ctx, &actor, &q, |r| r.code.to_string()).await,
        "job_profile" => registry_table::<JobProfile>(&s, &ctx, &actor, &q, |r| r.code.to_string()).await,
        "department" => registry_table::<Department>(&s, &ctx, &actor, &q, |r| r.code.to_string()).await,
        "person" => {
            registry_table::<Person>(&s, &ctx, &actor, &q, |r| {
                if r.national_id_on_file { tr.t("ui-national-id-on-file") } else { String::new() }
            })
            .await
        }
        _ => Err(AppError::NotFound),
    };
    let table = match table {
        Ok(t) => t,
        Err(e) => return app_error_page(&ctx, e),
    };
    let links = registry::KINDS
        .iter()
        .map(|k| {
            let href = if *k == "municipality" { registry::municipality_href() } else { format!("/registry?kind={k}") };
            vec![link(tr.t(&format!("registry-{k}")), href)]
        })
        .collect();
    let search = FormSpec {
        method: "get",
        action: "/registry".into(),
        submit: tr.t("ui-search"),
        inline: true,
        hidden: vec![("kind".into(), kind.clone())],
        fields: vec![FieldSpec::new(tr, "q", "text").value(q.q.as_deref().unwrap_or(""))],
        ..Default::default()
    };
    let mut p = page(
        &ctx,
        "nav-registry",
        vec![
            Section { heading: tr.t(&format!("registry-{kind}")), table: Some(table), forms: vec![search], ..Default::default() },
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
        p.actions = vec![(format!("/registry/{kind}/new"), tr.t(&format!("new-{kind}")))];
    }
    p.intro = Some(tr.t("ui-registry-intro"));
    if actor.supplier().is_none() {
        p.actions.push(("/policy".into(), tr.t("nav-policy")));
    }
    render(&p)
}
