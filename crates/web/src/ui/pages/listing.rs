//! Lists people can work with: a search box, the filters that matter for the list,
//! sortable columns, "Showing 1–50 of 90" with page numbers, and CSV export of exactly
//! what the filters select. A list's state lives in its URL, so it can be bookmarked;
//! the search box is posted and a CPR number or personnummer typed into it becomes the
//! person's id before it could reach the URL, the browser's history or a log (F-07).

use super::*;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use domain::ident::NationalId;

/// Every list page: its search box posts to `{path}/search`.
const LISTS: [&str; 8] = ["/accounts", "/registry", "/requests", "/inbox", "/staff", "/admin/users", "/emergency", "/tasks"];

pub(super) fn routes() -> Router<AppState> {
    LISTS.iter().fold(Router::new(), |r, path| r.route(&format!("{path}/search"), post(search_posted)))
}

/// Rows per page.
pub(super) const PAGE_SIZE: u32 = 50;
/// A long list's rows are counted up to this many (ten pages); beyond, the list says
/// "more than" and the person narrows it, or exports it all as CSV.
pub(super) const COUNT_CAP: u64 = 500;
/// The most rows one CSV export holds.
pub(super) const CSV_MAX: u32 = 100_000;

/// A list's state, read from its URL.
#[derive(Debug, Clone, Default)]
pub(super) struct ListParams {
    /// Every parameter that selects rows (filters and the search text), in URL order.
    filters: Vec<(String, String)>,
    pub sort: Option<String>,
    pub desc: bool,
    pub page: u32,
    /// Export every selected row as CSV instead of a page.
    pub csv: bool,
    pub done: Option<String>,
    pub error: Option<String>,
}

impl ListParams {
    pub fn parse(query: Option<&str>) -> ListParams {
        let mut p = ListParams { page: 1, ..Default::default() };
        for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let v = v.trim().to_string();
            match k.as_ref() {
                "page" => p.page = v.parse().ok().filter(|n| *n >= 1).unwrap_or(1),
                "sort" => p.sort = Some(v).filter(|s| !s.is_empty()),
                "dir" => p.desc = v == "desc",
                "format" => p.csv = v == "csv",
                "done" => p.done = Some(v),
                "error" => p.error = Some(v),
                key if !v.is_empty() => p.filters.push((key.to_string(), v)),
                _ => {}
            }
        }
        p
    }

    /// A filter's value, when set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.filters.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// A filter that names a record.
    pub fn id(&self, key: &str) -> Option<Uuid> {
        self.get(key).and_then(record_id)
    }

    /// The search text (`q`).
    pub fn text(&self) -> Option<String> {
        self.get("q").map(str::to_string)
    }

    /// The column to sort by, when it is one of `allowed`.
    pub fn sort_by<'a>(&self, allowed: &[&'a str]) -> Option<&'a str> {
        let s = self.sort.as_deref()?;
        allowed.iter().find(|a| **a == s).copied()
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(PAGE_SIZE)
    }

    /// (limit, offset) of the rows to read: one page, or everything for CSV.
    pub fn window(&self) -> (u32, u64) {
        if self.csv { (CSV_MAX, 0) } else { (PAGE_SIZE, self.offset()) }
    }

    /// The list's state — filters, order, page — as a query string, for a page opened
    /// from the list to lead back to it as it was.
    pub fn state_query(&self) -> String {
        let href = self.href("", self.sort.as_deref().map(|s| (s, self.desc)), self.page, None, false);
        href.strip_prefix('?').unwrap_or("").to_string()
    }

    /// Whether anything narrows the list beyond the parameters that choose it (`fixed`).
    pub fn has_filters(&self, fixed: &[&str]) -> bool {
        self.filters.iter().any(|(k, _)| !fixed.contains(&k.as_str()))
    }

    /// The list as chosen, nothing narrowing it.
    fn reset_href(&self, path: &str, fixed: &[&str]) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.filters.iter().filter(|(k, _)| fixed.contains(&k.as_str())) {
            ser.append_pair(k, v);
        }
        let q = ser.finish();
        if q.is_empty() { path.to_string() } else { format!("{path}?{q}") }
    }

    /// The URL of this list with some parameters changed (`None` removes one).
    fn href(&self, path: &str, sort: Option<(&str, bool)>, page: u32, drop: Option<&str>, csv: bool) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.filters {
            if Some(k.as_str()) != drop {
                ser.append_pair(k, v);
            }
        }
        if let Some((col, desc)) = sort {
            ser.append_pair("sort", col);
            if desc {
                ser.append_pair("dir", "desc");
            }
        }
        if page > 1 {
            ser.append_pair("page", &page.to_string());
        }
        if csv {
            ser.append_pair("format", "csv");
        }
        let q = ser.finish();
        if q.is_empty() { path.to_string() } else { format!("{path}?{q}") }
    }
}

/// The rows a list shows: the page asked for (the first, when an old bookmark asks past
/// the end), or for CSV every row up to [`CSV_MAX`], read in the largest pages the
/// use-case serves; and how many rows the filters select.
pub(super) async fn read_rows<T, F, Fut>(p: &ListParams, fetch: F) -> Result<(Vec<T>, u64), AppError>
where
    F: Fn(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<domain::registry::Page<T>, AppError>>,
{
    let size = if p.csv { domain::paging::MAX_PAGE_SIZE } else { PAGE_SIZE };
    let mut page = if p.csv { 1 } else { p.page };
    let mut items = Vec::new();
    loop {
        match fetch(PageRequest { page, page_size: size }).await {
            Ok(l) => {
                let last = l.page >= l.total_pages as u32;
                items.extend(l.items);
                if !p.csv || last || items.len() >= CSV_MAX as usize {
                    return Ok((items, l.total));
                }
                page += 1;
            }
            Err(AppError::Invalid(_)) if page > 1 && !p.csv => page = 1,
            Err(AppError::Invalid(_)) if page == 1 => return Ok((items, 0)),
            Err(e) => return Err(e),
        }
    }
}

impl FromRequestParts<AppState> for ListParams {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Response> {
        Ok(ListParams::parse(parts.uri.query()))
    }
}

/// A column: its heading, and the key it sorts by when it can.
pub(super) struct Column {
    pub label: String,
    pub sort: Option<&'static str>,
}

pub(super) fn col(tr: &Tr, key: &str, sort: Option<&'static str>) -> Column {
    Column { label: tr.t(key), sort }
}

/// A filter shown as a select list.
pub(super) struct Filter {
    pub name: &'static str,
    pub options: Vec<(String, String)>,
}

/// A sortable column's heading as the template shows it.
pub(in crate::ui) struct SortHeader {
    pub label: String,
    pub href: Option<String>,
    /// `ascending` / `descending` when the list is sorted by it (aria-sort).
    pub sorted: Option<&'static str>,
}

pub(in crate::ui) struct PageLink {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// A list whose terms are posted, never put in a URL (the audit log's search, where a
/// CPR number is a term): its headings sort and its pages turn by posting the same terms
/// again through two forms of hidden fields that the buttons name. In such a list a
/// heading's `href` is the `sort` value its button sends, and a page link's the page.
pub(in crate::ui) struct Posted {
    pub action: String,
    /// The terms without the order: a heading's button adds `sort`.
    pub sort_form: Vec<(String, String)>,
    /// The terms with the order: a page's button adds `page`.
    pub page_form: Vec<(String, String)>,
}

/// What a list shows around its table.
pub(in crate::ui) struct ListChrome {
    /// The search box and filters (a posted list has its search form above it).
    pub search: Option<FormSpec>,
    /// Filters set by a search that is not in the form (a person found by CPR number):
    /// (what it is, the URL without it).
    pub chips: Vec<(String, String)>,
    pub headers: Vec<SortHeader>,
    pub range: String,
    pub pages: Vec<PageLink>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub csv: Option<String>,
    pub reset: Option<String>,
    pub posted: Option<Posted>,
}

/// A list page: where it lives, its columns and filters, and how many rows match.
pub(super) struct ListSpec<'a> {
    pub path: &'static str,
    pub params: &'a ListParams,
    pub columns: Vec<Column>,
    pub filters: Vec<Filter>,
    /// Parameters that choose the list rather than narrow it (the registry's `kind`).
    pub fixed: &'static [&'static str],
    /// The column sorted by when the URL names none: (key, descending).
    pub default_sort: (&'static str, bool),
    /// What the search box finds ("Name, username or CPR number").
    pub search_hint: String,
    /// How many rows match; with `capped`, counted only up to [`COUNT_CAP`] and one more.
    pub total: u64,
    pub capped: bool,
}

impl ListSpec<'_> {
    /// The section of the list: toolbar, table, pager and export.
    pub fn section(self, ctx: &Ctx, caption: String, rows: Vec<Vec<Cell>>, empty: String, chips: Vec<(String, String)>) -> Section {
        let tr = &ctx.tr;
        let p = self.params;
        let current = p.sort.as_deref().map(|s| (s, p.desc)).unwrap_or(self.default_sort);
        let current_sort = p.sort.as_deref().map(|s| (s, p.desc));
        let headers = self
            .columns
            .iter()
            .map(|c| {
                let sorted = c.sort.filter(|k| *k == current.0).map(|_| if current.1 { "descending" } else { "ascending" });
                let next_desc = sorted == Some("ascending");
                SortHeader { label: c.label.clone(), href: c.sort.map(|k| p.href(self.path, Some((k, next_desc)), 1, None, false)), sorted }
            })
            .collect();
        let pager = Pager::new(tr, p.page, self.total, self.capped, |n| p.href(self.path, current_sort, n, None, false));
        let mut fields =
            vec![FieldSpec::new(tr, "q", "text").value(p.get("q").unwrap_or("")).hint(self.search_hint.clone()).label(tr.t("ui-search"))];
        for f in &self.filters {
            let selected: Vec<String> = p.get(f.name).map(|v| vec![v.to_string()]).unwrap_or_default();
            fields.push(FieldSpec::new(tr, f.name, "select").options(f.options.clone(), &selected).placeholder(tr.t("ui-filter-all")));
        }
        // Filters the form does not show (a person found by CPR number) stay when it is sent.
        let shown: Vec<&str> = std::iter::once("q").chain(self.filters.iter().map(|f| f.name)).collect();
        let hidden = p.filters.iter().filter(|(k, _)| !shown.contains(&k.as_str())).cloned().collect();
        let search = FormSpec {
            action: format!("{}/search", self.path),
            submit: tr.t("ui-search"),
            button_class: "button-primary",
            toolbar: true,
            hidden,
            fields,
            ..Default::default()
        };
        let filtered = p.has_filters(self.fixed);
        let empty = if filtered { tr.t("ui-list-no-match") } else { empty };
        Section {
            list: Some(ListChrome {
                search: Some(search),
                chips,
                headers,
                range: pager.range,
                prev: pager.prev,
                next: pager.next,
                pages: pager.pages,
                csv: Some(p.href(self.path, current_sort, 1, None, true)),
                reset: filtered.then(|| p.reset_href(self.path, self.fixed)),
                posted: None,
            }),
            table: Some(TableSpec {
                caption,
                headers: self.columns.into_iter().map(|c| c.label).collect(),
                rows,
                empty,
                more: String::new(),
            }),
            ..Default::default()
        }
    }
}

/// A list's pages: "Showing 51–100 of 312", the page numbers around the current one
/// with the first and the last, and previous/next; `link` makes a page's target.
pub(super) struct Pager {
    pub range: String,
    pub pages: Vec<PageLink>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// With `capped`, `total` was counted only up to [`COUNT_CAP`] and one more.
    pub fn new(tr: &Tr, page: u32, total: u64, capped: bool, link: impl Fn(u32) -> String) -> Pager {
        let pages_total = total.div_ceil(u64::from(PAGE_SIZE)).max(1) as u32;
        let page = page.clamp(1, pages_total);
        let mut numbers: Vec<u32> = [1, page.saturating_sub(2), page.saturating_sub(1), page, page + 1, page + 2, pages_total]
            .into_iter()
            .filter(|n| *n >= 1 && *n <= pages_total)
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        let mut pages = Vec::new();
        let mut last = 0;
        for n in numbers {
            if n > last + 1 {
                pages.push(PageLink { label: "…".into(), href: String::new(), current: false });
            }
            pages.push(PageLink { label: n.to_string(), href: link(n), current: n == page });
            last = n;
        }
        let first_row = if total == 0 { 0 } else { u64::from(page - 1) * u64::from(PAGE_SIZE) + 1 };
        let last_row = (u64::from(page) * u64::from(PAGE_SIZE)).min(total);
        let range = if total == 0 {
            String::new()
        } else {
            let shown_total = if capped && total > COUNT_CAP { tr.t1("ui-list-more-than", &tr.num(&COUNT_CAP)) } else { tr.num(&total) };
            tr.text("ui-list-range", &[("first", &tr.num(&first_row)), ("last", &tr.num(&last_row)), ("total", &shown_total)])
        };
        Pager {
            range,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages_total).then(|| link(page + 1)),
            pages: if pages_total > 1 { pages } else { Vec::new() },
        }
    }
}

/// The list at `path` in the state `back` holds (a list's [`ListParams::state_query`]
/// carried through a form), with `done` saying what was just done. Re-encoded, so
/// whatever was posted makes a well-formed address on this site.
pub(super) fn back_to(path: &str, back: &str, done: Option<&str>) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(back.trim_start_matches('?').as_bytes()) {
        if k != "done" && k != "error" {
            ser.append_pair(&k, &v);
        }
    }
    if let Some(d) = done {
        ser.append_pair("done", d);
    }
    let q = ser.finish();
    if q.is_empty() { path.to_string() } else { format!("{path}?{q}") }
}

/// The URL of a list without one of its filters (a chip's "remove").
pub(super) fn without(path: &str, p: &ListParams, key: &str) -> String {
    p.href(path, p.sort.as_deref().map(|s| (s, p.desc)), 1, Some(key), false)
}

/// A list's search box posted: its fields become the list's URL, except a CPR number or
/// personnummer, which becomes the id of the person it belongs to (among those the
/// actor may see) — or, when there is none, a person that cannot match.
async fn search_posted(
    State(s): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    uri: axum::http::Uri,
    CsrfForm(values): CsrfForm<HashMap<String, String>>,
) -> Response {
    let path = uri.path().strip_suffix("/search").unwrap_or("/");
    // Pairs first: the URL serializer may not be held across a database call.
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut keys: Vec<&String> = values.keys().filter(|k| *k != "csrf").collect();
    keys.sort();
    let mut unknown = false;
    // A new search term replaces the person an earlier CPR search narrowed the list to.
    let new_term = values.get("q").is_some_and(|q| !q.trim().is_empty());
    for k in keys {
        let v = values[k].trim();
        if v.is_empty() || (new_term && k == "person") {
            continue;
        }
        let key = k.as_str();
        if key == "q" {
            if let Ok(nid) = NationalId::parse(v) {
                let filter = ListFilter { national_id: Some(nid.canonical()), ..Default::default() };
                let first = PageRequest { page: 1, page_size: 1 };
                match s.app.list::<Person>(&actor, &filter, first).await.ok().and_then(|p| p.items.into_iter().next()) {
                    Some(person) => pairs.push(("person".into(), person.id.to_string())),
                    None => {
                        unknown = true;
                        pairs.push(("person".into(), Uuid::nil().to_string()))
                    }
                }
                continue;
            }
            // Never a number that reads as one into the URL.
            if NationalId::appears_in(v) {
                continue;
            }
        }
        pairs.push((key.to_string(), v.to_string()));
    }
    if unknown {
        pairs.push(("error".into(), "national-id-unknown".into()));
    }
    let q = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    Redirect::to(&if q.is_empty() { path.to_string() } else { format!("{path}?{q}") }).into_response()
}

/// The name of the person a list is narrowed to, as a chip to remove.
pub(super) async fn person_chip(s: &AppState, ctx: &Ctx, path: &str, p: &ListParams) -> Vec<(String, String)> {
    let Some(id) = p.id("person") else { return Vec::new() };
    let name = if id.is_nil() {
        ctx.tr.t("ui-list-person-unknown")
    } else {
        s.app.names(&[id]).await.ok().and_then(|n| n.get(&id).cloned()).unwrap_or_default()
    };
    vec![(ctx.tr.t1("ui-list-person", &name), without(path, p, "person"))]
}

/// A CSV file of a list: UTF-8 with a byte order mark, `;` between cells where Excel's
/// list separator is `;` (Danish, Swedish), every cell made inert.
pub(super) fn csv_response(tr: &Tr, name: &str, headers: &[Column], rows: Vec<Vec<String>>) -> Response {
    let sep = if tr.lang == i18n::Lang::En { b',' } else { b';' };
    let header: Vec<String> = headers.iter().map(|c| c.label.clone()).collect();
    let body = app::csv_table(sep, &header, &rows);
    let mut res = body.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    let day = chrono::Utc::now().format("%Y-%m-%d");
    let disposition = format!("attachment; filename=\"{name}-{day}.csv\"");
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The text of a row's cells, for CSV.
pub(super) fn texts(row: &[Cell]) -> Vec<String> {
    row.iter().map(|c| c.text.clone()).collect()
}
