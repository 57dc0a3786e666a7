//! The dashboard (RPT-1): first what needs the person today, each figure a link to the
//! list it counts; then the figures of their area, each chart with its table behind
//! "show as table", and the last twelve months.

use super::*;
use app::Need;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

fn tile(count: String, label: String, href: &str, calm: bool) -> Tile {
    Tile { count, label, href: href.to_string(), calm }
}

async fn dashboard(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn) -> Response {
    if s.app.can(&actor, domain::authz::Permission::CreateEmergency) {
        return Redirect::to("/emergency").into_response();
    }
    let tr = &ctx.tr;
    let needs = match s.app.needs(&actor).await {
        Ok(n) => n,
        Err(e) => return app_error_page(&ctx, e),
    };
    let mut sections = vec![needs_section(tr, &needs, actor.supplier().is_some())];
    match s.app.dashboard(&actor).await {
        Ok((figures, at)) => {
            let mut figures = figure_sections(&s, tr, &actor, &figures);
            // The needs above are counted now; the figures at most a little earlier.
            figures[0].text = Some(tr.t1("ui-dashboard-as-of", &tr.time(&at)));
            sections.extend(figures);
        }
        Err(AppError::Forbidden) => {}
        Err(e) => return app_error_page(&ctx, e),
    }
    render(&page(&ctx, "nav-dashboard", sections))
}

/// "Needs action": what waits, most first; what does not wait is shown calm, so the
/// person sees it was counted.
fn needs_section(tr: &Tr, needs: &[(Need, u64)], supplier: bool) -> Section {
    let mut ordered: Vec<&(Need, u64)> = needs.iter().collect();
    ordered.sort_by_key(|(_, n)| *n == 0);
    let tiles = ordered
        .iter()
        .map(|(need, n)| {
            let (key, href, days) = need.link(supplier);
            tile(tr.num(n), tr.t1(key, &days.to_string()), href, *n == 0)
        })
        .collect();
    let waiting = needs.iter().any(|(_, n)| *n > 0);
    Section {
        heading: tr.t("ui-dashboard-needs"),
        text: Some(tr.t(if needs.is_empty() {
            "ui-dashboard-nothing-for-role"
        } else if waiting {
            "ui-dashboard-needs-intro"
        } else {
            "ui-dashboard-nothing-waits"
        })),
        tiles,
        ..Default::default()
    }
}

/// A chart with its table behind "show as table"; `empty` says so when there is nothing
/// to draw.
fn chart(tr: &Tr, (heading, empty): (String, &str), col: String, legend: Vec<String>, rows: Vec<(String, Vec<u64>)>) -> Section {
    if rows.iter().all(|(_, v)| v.iter().all(|n| *n == 0)) {
        return Section { text: Some(tr.t(empty)), heading, ..Default::default() };
    }
    let bars: Vec<Bar> = rows.iter().map(|(l, v)| Bar { label: l.clone(), values: v.clone() }).collect();
    let mut headers = vec![col];
    headers.extend(if legend.is_empty() { vec![tr.t("ui-count")] } else { legend.clone() });
    Section {
        svg: Some(bar_chart(&heading, &legend, &bars, |n| tr.num(&n))),
        table: Some(TableSpec {
            caption: heading.clone(),
            headers,
            rows: rows.into_iter().map(|(l, v)| std::iter::once(cell(l)).chain(v.iter().map(|n| cell(tr.num(n)))).collect()).collect(),
            empty: tr.t("ui-none"),
            more: String::new(),
        }),
        fold_table: true,
        heading,
        ..Default::default()
    }
}

fn figure_sections(s: &AppState, tr: &Tr, actor: &Actor, f: &store::DashboardFigures) -> Vec<Section> {
    let mut per_supplier: HashMap<String, u64> = HashMap::new();
    let mut per_system: HashMap<String, u64> = HashMap::new();
    for (sup, sys, n) in &f.accounts {
        let sup = if sup.is_empty() { tr.t("ui-no-agreement") } else { sup.clone() };
        *per_supplier.entry(sup).or_default() += n;
        *per_system.entry(sys.clone()).or_default() += n;
    }
    let top = |m: HashMap<String, u64>| {
        let mut v: Vec<(String, u64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(15);
        v.into_iter().map(|(l, n)| (l, vec![n])).collect::<Vec<_>>()
    };
    let total_accounts: u64 = f.accounts.iter().map(|a| a.2).sum();
    let waiting: u64 = f.waiting.iter().map(|w| w.1).sum();
    let mut tiles = vec![
        tile(tr.num(&total_accounts), tr.t("ui-live-accounts"), "/accounts?state=open", false),
        tile(tr.num(&waiting), tr.t("ui-requests-waiting"), "/requests?state=waiting", false),
        tile(tr.num(&f.overdue), tr.t("ui-requests-overdue"), "/requests?state=past_start", false),
    ];
    if s.app.can(actor, domain::authz::Permission::SeeEmergency) {
        tiles.push(tile(tr.num(&f.open_signoffs), tr.t("ui-open-signoffs"), "/emergency?signoff=unsigned", false));
    }
    for t in &mut tiles {
        t.calm = true;
    }
    let mut out = vec![Section { heading: tr.t("ui-dashboard-summary"), tiles, ..Default::default() }];
    if actor.supplier().is_none() {
        out.push(chart(
            tr,
            (tr.t("ui-chart-per-supplier"), "ui-chart-empty-accounts"),
            tr.t("field-supplier_id"),
            Vec::new(),
            top(per_supplier),
        ));
    }
    out.push(chart(tr, (tr.t("ui-chart-per-system"), "ui-chart-empty-accounts"), tr.t("field-system_id"), Vec::new(), top(per_system)));
    let waiting_rows = f.waiting.iter().map(|(st, n)| (tr.t(&format!("state-{st}")), vec![*n])).collect();
    out.push(chart(tr, (tr.t("ui-chart-waiting"), "ui-chart-empty-waiting"), tr.t("field-state"), Vec::new(), waiting_rows));
    let expiring_rows = f.expiring.iter().map(|(d, n)| (tr.date(d), vec![*n])).collect();
    out.push(chart(tr, (tr.t("ui-chart-expiring"), "ui-chart-empty-expiring"), tr.t("field-valid_to"), Vec::new(), expiring_rows));
    let month = |m: &str| tr.month(m);
    out.push(chart(
        tr,
        (tr.t("ui-chart-accounts-per-month"), "ui-chart-empty-months"),
        tr.t("ui-month"),
        vec![tr.t("ui-accounts-opened"), tr.t("ui-accounts-closed")],
        f.months.iter().map(|(m, opened, closed, _)| (month(m), vec![*opened, *closed])).collect(),
    ));
    out.push(chart(
        tr,
        (tr.t("ui-chart-requests-per-month"), "ui-chart-empty-months"),
        tr.t("ui-month"),
        Vec::new(),
        f.months.iter().map(|(m, _, _, requests)| (month(m), vec![*requests])).collect(),
    ));
    out
}
