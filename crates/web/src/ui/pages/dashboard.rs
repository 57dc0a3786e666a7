//! The dashboard (RPT-1).

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

async fn dashboard(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn) -> Response {
    if s.app.can(&actor, domain::authz::Permission::CreateEmergency) {
        return Redirect::to("/emergency").into_response();
    }
    let tr = &ctx.tr;
    let (figures, counted_at) = match s.app.dashboard(&actor).await {
        Ok(f) => f,
        Err(AppError::Forbidden) => {
            let mut p = page(&ctx, "nav-dashboard", Vec::new());
            p.intro = Some(tr.t("ui-dashboard-nothing"));
            return render(&p);
        }
        Err(e) => return app_error_page(&ctx, e),
    };
    let fmt = |n: u64| tr.num(&n);
    // Accounts per supplier and per system.
    let mut per_supplier: HashMap<String, u64> = HashMap::new();
    let mut per_system: HashMap<String, u64> = HashMap::new();
    for (sup, sys, n) in &figures.accounts {
        let sup = if sup.is_empty() { tr.t("ui-no-supplier") } else { sup.clone() };
        *per_supplier.entry(sup).or_default() += n;
        *per_system.entry(sys.clone()).or_default() += n;
    }
    let top = |m: HashMap<String, u64>| {
        let mut v: Vec<(String, u64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(15);
        v
    };
    let chart_section = |heading: String, rows: Vec<(String, u64)>, col: String| {
        let bars: Vec<Bar> = rows.iter().map(|(l, v)| Bar { label: l.clone(), value: *v }).collect();
        Section {
            svg: Some(bar_chart(&heading, &bars, fmt)),
            table: Some(TableSpec {
                caption: heading.clone(),
                headers: vec![col, tr.t("ui-count")],
                rows: rows.into_iter().map(|(l, v)| vec![cell(l), cell(tr.num(&v))]).collect(),
                empty: tr.t("ui-none"),
                more: String::new(),
            }),
            heading,
            ..Default::default()
        }
    };
    let waiting: Vec<(String, u64)> = figures.waiting.iter().map(|(st, n)| (tr.t(&format!("state-{st}")), *n)).collect();
    let total_accounts: u64 = figures.accounts.iter().map(|a| a.2).sum();
    let expiring_total: u64 = figures.expiring.iter().map(|e| e.1).sum();
    let summary = Section {
        heading: tr.t("ui-dashboard-summary"),
        facts: vec![
            (tr.t("ui-live-accounts"), tr.num(&total_accounts)),
            (tr.t("ui-requests-waiting"), tr.num(&waiting.iter().map(|w| w.1).sum())),
            (tr.t("ui-requests-overdue"), tr.num(&figures.overdue)),
            (tr.t("ui-expiring-30"), tr.num(&expiring_total)),
            (tr.t("ui-open-signoffs"), tr.num(&figures.open_signoffs)),
        ],
        ..Default::default()
    };
    let mut waiting_rows = waiting.clone();
    waiting_rows.push((tr.t("ui-requests-overdue"), figures.overdue));
    let expiring_rows: Vec<(String, u64)> = figures.expiring.iter().map(|(d, n)| (tr.date(d), *n)).collect();
    let sections = vec![
        summary,
        chart_section(tr.t("ui-chart-per-supplier"), top(per_supplier), tr.t("field-supplier_id")),
        chart_section(tr.t("ui-chart-per-system"), top(per_system), tr.t("field-system_id")),
        chart_section(tr.t("ui-chart-waiting"), waiting_rows, tr.t("field-state")),
        chart_section(tr.t("ui-chart-expiring"), expiring_rows, tr.t("field-valid_to")),
    ];
    let mut p = page(&ctx, "nav-dashboard", sections);
    p.intro = Some(tr.t1("ui-dashboard-as-of", &tr.time(&counted_at)));
    render(&p)
}
