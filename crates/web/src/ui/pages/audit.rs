//! The audit log: search (LOG-6) in human terms — local times, every action and outcome
//! named in the reader's language, system names, the object with a link and the
//! reason, the search criterion for those who may read it (LOG-1) — and CSV and PDF of
//! a search. A search is posted, so a CPR number never reaches the URL (F-07). Reading
//! the log is itself audited. The citizen extract is in `extract`.

use super::listing::{COUNT_CAP, Column, PAGE_SIZE, Pager, Posted, col, csv_response};
use super::*;
use app::AuditEventView;
use domain::audit_action::AuditAction;
use domain::authz::Permission;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page).post(audit_search))
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct AuditQuery {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    supplier: String,
    #[serde(default)]
    system: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// The window of results: events older than this sequence number.
    #[serde(default)]
    before: Option<u64>,
    /// The column the results are sorted by (`who`, `who-desc`); newest first when none.
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<u32>,
    /// `csv` or `pdf`: the whole search as a file.
    #[serde(default)]
    format: String,
}

impl AuditQuery {
    fn is_empty(&self) -> bool {
        [&self.subject, &self.username, &self.supplier, &self.system, &self.action, &self.outcome, &self.from, &self.to]
            .iter()
            .all(|v| v.trim().is_empty())
            && self.before.is_none()
    }
    /// The terms, the window and — with `sorted` — the order, as hidden fields: to post
    /// the same search again for another page, order or window, or as a file.
    fn again(&self, before: Option<u64>, sorted: bool) -> Vec<(String, String)> {
        let mut out = self.hidden();
        if let Some(b) = before {
            out.push(("before".into(), b.to_string()));
        }
        if sorted && !self.sort.is_empty() {
            out.push(("sort".into(), self.sort.clone()));
        }
        out
    }

    /// The sort asked for, when it names a sortable column: (key, descending).
    fn order(&self) -> Option<(&'static str, bool)> {
        let (key, desc) = match self.sort.strip_suffix("-desc") {
            Some(k) => (k, true),
            None => (self.sort.as_str(), false),
        };
        SORTS.iter().find(|s| **s == key).map(|s| (*s, desc))
    }

    /// The search terms as hidden fields.
    fn hidden(&self) -> Vec<(String, String)> {
        [
            ("subject", &self.subject),
            ("username", &self.username),
            ("supplier", &self.supplier),
            ("system", &self.system),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
    }
}

/// The search form, empty: the terms of a search never travel in the URL (F-07).
async fn audit_page(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn) -> Response {
    search(&s, &ctx, &actor, AuditQuery::default(), false).await
}

/// LOG-6: a search is posted, so a CPR number stays out of the URL, the browser's
/// history and any access log (F-07); "older" and the exports post the same terms again.
async fn audit_search(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, CsrfForm(q): CsrfForm<AuditQuery>) -> Response {
    search(&s, &ctx, &actor, q, true).await
}

/// A time of the log as every other page shows it: local, in the user's words.
pub(super) fn local_time(tr: &Tr, at: &str) -> String {
    domain::time::Timestamp::parse(at).map(|t| tr.time(&t)).unwrap_or_else(|_| at.to_string())
}

/// An outcome in the user's language (`success` → "Gennemført").
fn outcome_text(tr: &Tr, outcome: &str) -> String {
    let key = format!("outcome-{outcome}");
    if tr.catalog.has(tr.lang, &key) { tr.t(&key) } else { outcome.to_string() }
}

/// An action in the user's language; what a target system reported, as it wrote it.
pub(super) fn action_text(tr: &Tr, action: &str) -> String {
    match AuditAction::parse(action) {
        Some(a) => tr.t(&a.label_key()),
        None => action.to_string(),
    }
}

/// The object of an event, named, with a link to its page when there is one to see.
fn object_cell(tr: &Tr, e: &AuditEventView, names: &HashMap<Uuid, String>) -> Cell {
    let (Some(kind), Some(id)) = (e.resource_kind.as_deref(), e.resource_id.as_deref().and_then(record_id)) else {
        return cell("");
    };
    let kind_name = {
        let key = format!("object-{kind}");
        if tr.catalog.has(tr.lang, &key) { tr.t(&key) } else { kind.to_string() }
    };
    let text = match names.get(&id).filter(|n| !n.trim().is_empty()) {
        Some(n) => format!("{kind_name}: {n}"),
        None => kind_name,
    };
    let href = match kind {
        "account" => Some(format!("/accounts/{id}")),
        "request" => Some(format!("/requests/{id}")),
        "security_report" => Some(format!("/security-reports/{id}")),
        k if registry::KINDS.contains(&k) && k != "municipality" => Some(registry::href(k, id)),
        _ => None,
    };
    Cell { text, href, form: None }
}

/// The reason an event records, when it records one.
fn reason_of(e: &AuditEventView) -> String {
    ["reason", "note"].iter().find_map(|k| e.details.get(*k).and_then(|v| v.as_str())).unwrap_or_default().to_string()
}

/// The filter of a search, or the field that is wrong.
async fn filter_of(s: &AppState, actor: &Actor, q: &AuditQuery, limit: u32) -> Result<AuditFilter, AppError> {
    let day = |v: &str, end: bool, field: &str| -> Result<Option<domain::time::Timestamp>, domain::error::FieldError> {
        match v.trim() {
            "" => Ok(None),
            x => {
                let d = Date::parse(x).map_err(|e| e.at(field))?;
                let t = if end { d.0.and_hms_opt(23, 59, 59) } else { d.0.and_hms_opt(0, 0, 0) };
                Ok(t.map(|t| domain::time::Timestamp(t.and_utc())))
            }
        }
    };
    let id = |v: &str, field: &str| -> Result<Option<Uuid>, domain::error::FieldError> {
        match v.trim() {
            "" => Ok(None),
            x => record_id(x).map(Some).ok_or_else(|| domain::error::FieldError::new(field, domain::codes::UNKNOWN_REFERENCE)),
        }
    };
    // A username: the account of that name (in the chosen system, if one is chosen).
    let account_id = match q.username.trim() {
        "" => None,
        name => {
            let query =
                store::AccountQuery { text: Some(name.to_string()), system_id: id(&q.system, "system")?, limit: 50, ..Default::default() };
            let (rows, _) = s.app.list_accounts(actor, query).await?;
            match rows.into_iter().find(|a| a.username.eq_ignore_ascii_case(name)) {
                Some(a) => Some(a.id),
                None => return Err(AppError::Invalid(domain::error::FieldError::new("username", domain::codes::UNKNOWN_REFERENCE))),
            }
        }
    };
    Ok(AuditFilter {
        subject: Some(q.subject.trim().to_string()).filter(|x| !x.is_empty()),
        account_id,
        supplier_id: id(&q.supplier, "supplier")?,
        system_id: id(&q.system, "system")?,
        action: Some(q.action.trim().to_string()).filter(|x| !x.is_empty()),
        outcome: Some(q.outcome.trim().to_string()).filter(|x| !x.is_empty()),
        from: day(&q.from, false, "from")?,
        to: day(&q.to, true, "to")?,
        before: q.before,
        limit,
    })
}

/// The columns the results sort by.
const SORTS: [&str; 5] = ["when", "who", "action", "system", "outcome"];

/// The columns of the results; the criterion only for those who may read it.
fn columns(tr: &Tr, criteria: bool) -> Vec<Column> {
    let mut c = vec![
        col(tr, "ui-when", Some("when")),
        col(tr, "ui-who", Some("who")),
        col(tr, "field-action", Some("action")),
        col(tr, "ui-object", None),
        col(tr, "field-system", Some("system")),
        col(tr, "field-subject", None),
    ];
    if criteria {
        c.push(col(tr, "ui-criterion", None));
    }
    c.extend([col(tr, "ui-outcome", Some("outcome")), col(tr, "ui-reason", None)]);
    c
}

/// The results in the order asked for: by the time an event happened, or by a column's
/// text as the reader sees it (newest first among equals); as the log holds them,
/// newest first, when none is asked for.
fn sort_rows(cols: &[Column], items: &[AuditEventView], rows: Vec<Vec<Cell>>, order: Option<(&str, bool)>) -> Vec<Vec<Cell>> {
    let Some((key, desc)) = order else { return rows };
    let mut pairs: Vec<(&AuditEventView, Vec<Cell>)> = items.iter().zip(rows).collect();
    let at = cols.iter().position(|c| c.sort == Some(key)).unwrap_or(0);
    pairs.sort_by(|(ea, a), (eb, b)| {
        let by = if key == "when" {
            (&ea.occurred_at, ea.seq).cmp(&(&eb.occurred_at, eb.seq))
        } else {
            a[at].text.to_lowercase().cmp(&b[at].text.to_lowercase()).then(eb.seq.cmp(&ea.seq))
        };
        if desc { by.reverse() } else { by }
    });
    pairs.into_iter().map(|(_, r)| r).collect()
}

/// The rows of the results as the reader sees them.
async fn result_rows(s: &AppState, tr: &Tr, items: &[AuditEventView], criteria: bool) -> Vec<Vec<Cell>> {
    let mut ids: Vec<Uuid> = items.iter().filter_map(|e| e.resource_id.as_deref().and_then(record_id)).collect();
    ids.extend(items.iter().filter_map(|e| record_id(&e.source)));
    ids.extend(items.iter().filter_map(|e| e.person_id.as_deref().and_then(record_id)));
    ids.extend(items.iter().filter_map(|e| e.supplier_id.as_deref().and_then(record_id)));
    let names = s.app.names(&ids).await.unwrap_or_default();
    // Portvagt's own users by their names; its automatic work as such.
    let portvagt_users: Vec<String> = items
        .iter()
        .filter(|e| e.source == ::audit::event::SOURCE_PORTVAGT && e.actor_kind == "user")
        .map(|e| e.actor_name.clone().unwrap_or_else(|| e.actor.clone()))
        .collect();
    let people = s.app.display_names(&portvagt_users).await;
    items
        .iter()
        .map(|e| {
            let system = if e.source == ::audit::event::SOURCE_PORTVAGT {
                "Portvagt".to_string()
            } else {
                record_id(&e.source).and_then(|id| names.get(&id).cloned()).unwrap_or_else(|| e.source.clone())
            };
            // Who: the person behind the account (its username beside), and their supplier.
            let mut username = e.actor_name.clone().unwrap_or_else(|| e.actor.clone());
            if e.actor_kind == "system" {
                username = tr.t1("ui-actor-automatic", &username);
            } else if let Some(n) = people.get(&username).filter(|_| e.source == ::audit::event::SOURCE_PORTVAGT) {
                username = format!("{n} ({username})");
            }
            let name = |id: &Option<String>| id.as_deref().and_then(record_id).and_then(|id| names.get(&id).cloned());
            let mut who = match name(&e.person_id) {
                Some(person) if person != username => format!("{person} ({username})"),
                _ => username,
            };
            if let Some(supplier) = name(&e.supplier_id) {
                who = format!("{who}, {supplier}");
            }
            let mut row = vec![
                cell(local_time(tr, &e.occurred_at)),
                cell(who),
                cell(action_text(tr, &e.action)),
                object_cell(tr, e, &names),
                cell(system),
                cell(e.subject.clone().unwrap_or_default()),
            ];
            if criteria {
                row.push(cell(e.criterion.clone().unwrap_or_default()));
            }
            row.extend([cell(outcome_text(tr, &e.outcome)), cell(reason_of(e))]);
            row
        })
        .collect()
}

async fn search(s: &AppState, ctx: &Ctx, actor: &Actor, q: AuditQuery, posted: bool) -> Response {
    if !s.app.can(actor, Permission::SearchLog) {
        return app_error_page(ctx, AppError::Forbidden);
    }
    let tr = &ctx.tr;
    let criteria = s.app.can(actor, Permission::SeeSearchCriteria);
    let mut actions: Vec<(String, String)> = AuditAction::ALL.iter().map(|a| (a.code().to_string(), tr.t(&a.label_key()))).collect();
    actions.sort_by(|a, b| a.1.cmp(&b.1));
    let outcomes = domain::audit_action::OUTCOMES.iter().map(|o| (o.to_string(), outcome_text(tr, o))).collect();
    let one = |v: &str| vec![v.to_string()];
    let mut form = FormSpec {
        action: "/audit".into(),
        submit: tr.t("ui-search"),
        button_class: "button-primary",
        fields: vec![
            FieldSpec::new(tr, "subject", "text").value(&q.subject).hint(tr.t("ui-subject-hint")),
            FieldSpec::new(tr, "username", "text").value(&q.username).hint(tr.t("ui-audit-username-hint")),
            FieldSpec::new(tr, "supplier", "select")
                .options(options::<Supplier>(s, actor, ListFilter::default()).await, &one(&q.supplier))
                .placeholder(tr.t("ui-filter-all")),
            FieldSpec::new(tr, "system", "select")
                .options(options::<System>(s, actor, ListFilter::default()).await, &one(&q.system))
                .placeholder(tr.t("ui-filter-all")),
            FieldSpec::new(tr, "action", "select").options(actions, &one(&q.action)).placeholder(tr.t("ui-filter-all")),
            FieldSpec::new(tr, "outcome", "select").options(outcomes, &one(&q.outcome)).placeholder(tr.t("ui-filter-all")),
            FieldSpec::new(tr, "from", "date").value(&q.from),
            FieldSpec::new(tr, "to", "date").value(&q.to),
        ],
        // The whole page again, so a refused term is marked on its field.
        partial: None,
        toolbar: true,
        ..Default::default()
    };
    let mut error = None;
    let mut results = Section { id: Some("audit-results"), heading: tr.t("ui-results"), ..Default::default() };
    if q.is_empty() {
        // Posted with nothing to search by: say what to fill in (a first visit shows the
        // form alone).
        results.heading = String::new();
        results.text = posted.then(|| tr.t("ui-audit-empty-search"));
    } else {
        let export = matches!(q.format.as_str(), "csv" | "pdf");
        // A window of the newest matches (from `before`), sorted and paged in the page.
        let limit = if export { 10_000 } else { COUNT_CAP as u32 };
        let result = match filter_of(s, actor, &q, limit).await {
            Ok(f) => s.app.audit_events(actor, &f, export).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(found) => {
                let cols = columns(tr, criteria);
                let rows = result_rows(s, tr, &found.items, criteria).await;
                let rows = sort_rows(&cols, &found.items, rows, q.order());
                if q.format == "csv" {
                    return csv_response(tr, "audit-log", &cols, rows.iter().map(|r| super::listing::texts(r)).collect());
                }
                if q.format == "pdf" {
                    return super::extract::search_pdf(ctx, &cols, &rows, &search_terms(tr, &q));
                }
                // The window stays where the first search put it while the person sorts
                // and pages (their own searches are logged and would otherwise move it).
                let pin = q.before.or_else(|| found.items.iter().map(|e| e.seq + 1).max());
                results.list = Some(results_chrome(tr, &q, pin, &cols, rows.len() as u64));
                let page = q.page.unwrap_or(1).clamp(1, (rows.len() as u32).div_ceil(PAGE_SIZE).max(1));
                let rows: Vec<Vec<Cell>> = rows.into_iter().skip(((page - 1) * PAGE_SIZE) as usize).take(PAGE_SIZE as usize).collect();
                // The exports and other windows: the same terms posted again, never in a link.
                let again = |submit: &str, hidden: Vec<(String, String)>| {
                    let mut f = button("/audit".into(), tr.t(submit), false, hidden);
                    f.inline = true;
                    f
                };
                let mut csv = q.again(pin, true);
                csv.push(("format".into(), "csv".into()));
                let mut pdf = q.again(pin, true);
                pdf.push(("format".into(), "pdf".into()));
                let mut forms = vec![again("ui-export-csv", csv), again("ui-export-pdf", pdf)];
                if q.before.is_some() {
                    forms.insert(0, again("ui-newest", q.again(None, true)));
                }
                if let Some(b) = found.next {
                    forms.insert(0, again("ui-older", q.again(Some(b), true)));
                    results.text = Some(tr.t1("ui-audit-window", &tr.num(&COUNT_CAP)));
                }
                results.table = Some(TableSpec {
                    caption: tr.t("ui-results"),
                    headers: cols.into_iter().map(|c| c.label).collect(),
                    rows,
                    empty: tr.t("ui-audit-none"),
                    more: String::new(),
                });
                results.forms = forms;
            }
            Err(e @ (AppError::Forbidden | AppError::NotFound)) => return app_error_page(ctx, e),
            Err(e) => {
                let fe = form_error(ctx, &s.catalog, e);
                results.text = Some(fe.message.clone());
                error = attach_error(std::slice::from_mut(&mut form), fe);
            }
        }
    }
    let mut sections = vec![Section { heading: tr.t("ui-audit-search"), forms: vec![form], ..Default::default() }, results];
    if s.app.can(actor, Permission::MakeExtract) {
        sections.push(super::extract::extract_form_section(tr));
    }
    let mut p = page(ctx, "nav-audit", sections);
    if s.app.can(actor, Permission::SeeSecurityReports) {
        p.actions.push(("/security-reports".into(), tr.t("nav-security-reports")));
    }
    if s.app.can(actor, Permission::SeeLogControl) {
        p.actions.push(("/log-control".into(), tr.t("nav-log-control")));
    }
    p.actions.push(("/audit/holds".into(), tr.t("nav-holds")));
    p.primary_first = false;
    if s.app.can(actor, Permission::MakeExtract) || s.app.can(actor, Permission::ApproveNames) {
        p.actions.push(("/audit/extracts".into(), tr.t("nav-extracts")));
    }
    p.error = error;
    render_form(&p, p.error.is_some())
}

/// The list chrome of the results: headings that sort and pages that turn by posting the
/// same terms again, "Showing 51–100 of 312".
fn results_chrome(tr: &Tr, q: &AuditQuery, pin: Option<u64>, cols: &[Column], total: u64) -> super::listing::ListChrome {
    // Newest first when no order is asked for.
    let (key, desc) = q.order().unwrap_or(("when", true));
    let headers = cols
        .iter()
        .map(|c| {
            let sorted = c.sort == Some(key);
            super::listing::SortHeader {
                label: c.label.clone(),
                // The sorted column turns round; another sorts from A (time from the newest).
                href: c.sort.map(|k| match (sorted, desc) {
                    (true, false) => format!("{k}-desc"),
                    (true, true) => k.to_string(),
                    (false, _) if k == "when" => format!("{k}-desc"),
                    (false, _) => k.to_string(),
                }),
                sorted: sorted.then_some(if desc { "descending" } else { "ascending" }),
            }
        })
        .collect();
    let pager = Pager::new(tr, q.page.unwrap_or(1), total, false, |n| n.to_string());
    super::listing::ListChrome {
        search: None,
        chips: Vec::new(),
        headers,
        range: pager.range,
        pages: pager.pages,
        prev: pager.prev,
        next: pager.next,
        csv: None,
        reset: None,
        posted: Some(Posted { action: "/audit".into(), sort_form: q.again(pin, false), page_form: q.again(pin, true) }),
    }
}

/// What a search was for, in words, for the head of its printout.
fn search_terms(tr: &Tr, q: &AuditQuery) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (field, value) in q.hidden() {
        let shown = match field.as_str() {
            // The data subject masked even in the printout's header.
            "subject" => domain::ident::NationalId::parse(&value).map(|n| n.masked()).unwrap_or_else(|_| "***".into()),
            "action" => action_text(tr, &value),
            "outcome" => outcome_text(tr, &value),
            _ => value,
        };
        out.push((tr.t(&format!("field-{field}")), shown));
    }
    out
}
