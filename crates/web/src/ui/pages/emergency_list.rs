//! EMG-2: the temp accounts and their sign-offs, for the coordinator (every unit, with
//! "remind"), the security officer and auditor, and a unit leader (their own unit): a
//! list to search by name or username, filter by sign-off and unit, sort, page and
//! export. There are a few hundred at most, so it is filtered here.

use super::listing::{Filter, ListParams, ListSpec, PAGE_SIZE, col, csv_response, texts};
use super::*;
use app::EmergencyLine;
use domain::account::AccountStatus;

/// The sign-off states the list filters by.
const SIGNOFF: [&str; 3] = ["overdue", "unsigned", "signed"];

/// The lines the search and filters select, in the list's order.
fn select(p: &ListParams, mut lines: Vec<EmergencyLine>) -> Vec<EmergencyLine> {
    if let Some(q) = p.text().map(|q| q.to_lowercase()) {
        lines.retain(|l| l.person_name.to_lowercase().contains(&q) || l.username.to_lowercase().contains(&q));
    }
    // Waiting means still open: a closed temp account needs no sign-off any more.
    let open = |l: &EmergencyLine| !matches!(l.status, AccountStatus::Disabled | AccountStatus::Terminated);
    match p.get("signoff") {
        Some("overdue") => lines.retain(|l| l.overdue && open(l)),
        Some("unsigned") => lines.retain(|l| l.signed_off_at.is_none() && open(l)),
        Some("signed") => lines.retain(|l| l.signed_off_at.is_some()),
        _ => {}
    }
    if let Some(unit) = p.id("department") {
        lines.retain(|l| l.department_id == Some(unit));
    }
    match p.sort_by(&["name", "created", "due"]) {
        Some("name") => lines.sort_by_key(|l| l.person_name.to_lowercase()),
        Some("created") => lines.sort_by_key(|l| l.created_at),
        Some("due") => lines.sort_by_key(|l| l.signoff_due),
        // Overdue first, then waiting, then signed; oldest first within each.
        _ => {}
    }
    if p.desc {
        lines.reverse();
    }
    lines
}

pub(super) async fn reconciliation_page(s: &AppState, ctx: &Ctx, actor: &Actor, p: &ListParams) -> Response {
    let tr = &ctx.tr;
    let lines = match s.app.emergency_reconciliation(actor).await {
        Ok(l) => l,
        Err(e) => return app_error_page(ctx, e),
    };
    let mut units: Vec<(String, String)> =
        lines.iter().filter_map(|l| l.department_id.map(|d| (d.to_string(), l.department_name.clone()))).collect();
    units.sort_by(|a, b| a.1.cmp(&b.1));
    units.dedup();
    let lines = select(p, lines);
    let total = lines.len() as u64;
    let shown: Vec<&EmergencyLine> =
        if p.csv { lines.iter().collect() } else { lines.iter().skip(p.offset() as usize).take(PAGE_SIZE as usize).collect() };
    let may_remind = s.app.can(actor, domain::authz::Permission::RemindSignOff);
    let rows: Vec<Vec<Cell>> = shown
        .iter()
        .map(|l| {
            let mut state = cell(match (&l.signed_off_by, &l.reminded_at) {
                (Some(by), _) => format!("{} {by} {}", tr.t("ui-signed-off-by"), tr.opt_time(&l.signed_off_at)),
                (None, Some(at)) => tr.t1("ui-reminded-at", &tr.time(at)),
                (None, None) => tr.t("ui-not-signed"),
            });
            if may_remind && l.signed_off_at.is_none() && !p.csv {
                let mut b = button(format!("/emergency/{}/remind", l.account_id), tr.t("ui-remind"), false, Vec::new());
                b.confirm = None;
                state.form = Some(b);
            }
            vec![
                cell(l.person_name.clone()),
                link(format!("{} ({})", l.username, l.system_name), format!("/accounts/{}", l.account_id)),
                cell(l.department_name.clone()),
                cell(l.reason.clone().unwrap_or_else(|| "–".into())),
                cell(format!("{}, {}", l.created_by.clone().unwrap_or_default(), tr.time(&l.created_at))),
                cell(format!("{} – {}", super::emergency::signer_text(tr, l), super::emergency::due_text(tr, l))),
                state,
            ]
        })
        .collect();
    let columns = vec![
        col(tr, "field-name", Some("name")),
        col(tr, "field-username", None),
        col(tr, "field-department_id", None),
        col(tr, "field-reason", None),
        col(tr, "ui-created-by", Some("created")),
        col(tr, "ui-signoff-who-due", Some("due")),
        col(tr, "ui-signoff", None),
    ];
    if p.csv {
        return csv_response(tr, "emergency-accounts", &columns, rows.iter().map(|r| texts(r)).collect());
    }
    let mut filters =
        vec![Filter { name: "signoff", options: SIGNOFF.iter().map(|k| (k.to_string(), tr.t(&format!("ui-signoff-{k}")))).collect() }];
    if units.len() > 1 {
        filters.push(Filter { name: "department", options: units });
    }
    let spec = ListSpec {
        path: "/emergency",
        params: p,
        columns,
        filters,
        fixed: &[],
        default_sort: ("", false),
        search_hint: tr.t("ui-search-user-hint"),
        total,
        capped: false,
    };
    let mut list = spec.section(ctx, tr.t("ui-reconciliation"), rows, tr.t("ui-emergency-none"), Vec::new());
    list.text = Some(tr.t("ui-reconciliation-intro"));
    let mut page_ = page(ctx, "ui-reconciliation", vec![list]);
    page_.success = done_message(ctx, &p.done);
    render(&page_)
}
