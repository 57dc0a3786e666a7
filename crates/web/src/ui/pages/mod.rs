//! The pages of each role. Every handler goes through the same use-cases as the API, so
//! the rights table and the supplier scoping (AUTH-4) apply here exactly as there: what
//! a role may not see answers 404, like a record that does not exist.

use super::charts::{Bar, bar_chart};
use super::guard::{CsrfForm, Posted, RecordId, SignedIn, Values, values_from_post};
use super::{Chrome, Ctx, FormError, Tr, app_error_page, error_page, form_error, label_key, render};
use crate::AppState;
use app::{AppError, AuditFilter, EmergencyInput, ListFilter, RequestFilter, UserInput};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::account::EvidenceKind;
use domain::authz::{Actor, UserRole};
use domain::paging::PageRequest;
use domain::registry::{Agreement, Department, JobProfile, Person, Profile, Record, Supplier, System};
use domain::request::{RequestInput, RequestKind, RequestState, Step};
use domain::text::{Name, Text};
use domain::time::Date;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .merge(account_orders::routes())
        .merge(accounts::routes())
        .merge(audit::routes())
        .merge(dashboard::routes())
        .merge(emergency::routes())
        .merge(extract::routes())
        .merge(holds::routes())
        .merge(listing::routes())
        .merge(registry_list::routes())
        .merge(order::routes())
        .merge(oversight::routes())
        .merge(own_password::routes())
        .merge(policy::routes())
        .merge(request_page::routes())
        .merge(requests::routes())
        .merge(security_reports::routes())
        .merge(log_control::routes())
        .merge(staff::routes())
        .merge(tasks::routes())
        .merge(user_page::routes())
        .merge(users::routes())
        .merge(registry::routes())
}

// ---------------------------------------------------------------------------------------
// The generic page: sections of facts, charts, tables and forms.

#[derive(Template)]
#[template(path = "page.html")]
pub(super) struct PageView {
    pub c: Chrome,
    pub intro: Option<String>,
    pub success: Option<String>,
    pub error: Option<String>,
    /// Links shown as buttons under the heading: (href, label).
    pub actions: Vec<(String, String)>,
    /// Where the page sits: the pages above it, (href, label), the page itself last.
    pub crumbs: Vec<(String, String)>,
    /// The first of them is the page's main action (a primary button); otherwise all are
    /// ways on to other pages (secondary buttons).
    pub primary_first: bool,
    pub sections: Vec<Section>,
}

#[derive(Default)]
pub(super) struct Section {
    /// The element's id, when a partial update targets it.
    pub id: Option<&'static str>,
    pub heading: String,
    pub text: Option<String>,
    pub facts: Vec<(String, String)>,
    pub svg: Option<String>,
    pub table: Option<TableSpec>,
    pub forms: Vec<FormSpec>,
    /// One-time secrets (an initial password): shown in monospace with a copy button.
    pub secrets: Vec<(String, String)>,
    /// An action behind its heading, opened on demand (`Some(true)`: open, as when its
    /// form was sent back with an error).
    pub collapsible: Option<bool>,
    /// The table is a list to search, filter, sort, page through and export.
    pub list: Option<listing::ListChrome>,
    /// Figures that each open the list they count.
    pub tiles: Vec<Tile>,
    /// The table is the chart's figures, behind "show as table".
    pub fold_table: bool,
}

/// A figure that is a link to the list it counts; `calm` when nothing waits there.
pub(super) struct Tile {
    pub count: String,
    pub label: String,
    pub href: String,
    pub calm: bool,
}

pub(super) struct TableSpec {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub empty: String,
    /// Link to the next page, if any.
    pub more: String,
}

#[derive(Default)]
pub(super) struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub form: Option<FormSpec>,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell { text: text.into(), ..Default::default() }
}

fn link(text: impl Into<String>, href: String) -> Cell {
    Cell { text: text.into(), href: Some(href), form: None }
}

#[derive(Default)]
pub(super) struct FormSpec {
    /// `get` for searches; anything else posts with the form token.
    pub method: &'static str,
    /// Asked in a dialog before the form is sent (irreversible actions).
    pub confirm: Option<String>,
    /// A search whose results replace only the element with this id (htmx), keeping the
    /// page; without JavaScript the form loads the whole page as usual.
    pub partial: Option<&'static str>,
    pub action: String,
    pub submit: String,
    pub button_class: &'static str,
    pub inline: bool,
    /// A list's search and filters: its fields side by side.
    pub toolbar: bool,
    /// Its fields' id prefix when the page has more than one form with the same fields
    /// (an account's change, extension and closing each have a comment).
    pub prefix: &'static str,
    /// It sends a file (`multipart/form-data`).
    pub upload: bool,
    pub hidden: Vec<(String, String)>,
    pub fields: Vec<FieldSpec>,
}

pub(super) struct FieldSpec {
    pub name: String,
    pub label: String,
    /// `text`, `date`, `password`, `select`, `textarea`, `checkboxes`, `file`.
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<(String, String, bool)>,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub required: bool,
    /// The empty first option of a select ("Vælg …"), so nothing is chosen by default.
    pub placeholder: Option<String>,
}

impl FieldSpec {
    fn new(tr: &Tr, name: &str, kind: &'static str) -> FieldSpec {
        FieldSpec {
            name: name.into(),
            label: tr.t(&format!("field-{name}")),
            kind,
            value: String::new(),
            options: Vec::new(),
            hint: None,
            error: None,
            required: false,
            placeholder: None,
        }
    }
    fn placeholder(mut self, p: String) -> Self {
        self.placeholder = Some(p);
        self
    }
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn value(mut self, v: &str) -> Self {
        self.value = v.to_string();
        self
    }
    fn options(mut self, opts: Vec<(String, String)>, selected: &[String]) -> Self {
        self.options = opts.into_iter().map(|(v, l)| (v.clone(), l, selected.contains(&v))).collect();
        self
    }
    fn label(mut self, l: String) -> Self {
        self.label = l;
        self
    }
    fn hint(mut self, h: String) -> Self {
        self.hint = Some(h);
        self
    }
}

impl PageView {
    /// The error summary's links: each field with an error, named by its label, in the
    /// order of the page (WCAG 3.3.1: the summary leads to each field).
    pub fn error_links(&self) -> Vec<(String, String)> {
        self.sections
            .iter()
            .flat_map(|s| s.forms.iter())
            .flat_map(|f| f.fields.iter().map(move |x| (f.id_prefix(), x)))
            .filter_map(|(px, x)| {
                let e = x.error.as_ref()?;
                let target = if x.kind == "checkboxes" { format!("#{}-1", x.name) } else { format!("#{px}-{}", x.name) };
                Some((target, format!("{}: {e}", x.label)))
            })
            .collect()
    }
}

impl FormSpec {
    /// The prefix of its fields' ids: a list's search box has its own, so its fields
    /// never share an id with a form further down the page.
    pub fn id_prefix(&self) -> &'static str {
        if !self.prefix.is_empty() {
            self.prefix
        } else if self.toolbar {
            "l"
        } else {
            "f"
        }
    }
}

/// A one-button form (approve, confirm, sign off…).
fn button(action: String, submit: String, primary: bool, hidden: Vec<(String, String)>) -> FormSpec {
    FormSpec {
        action,
        submit,
        button_class: if primary { "button-primary" } else { "button-secondary" },
        inline: true,
        hidden,
        fields: Vec::new(),
        method: "post",
        partial: None,
        confirm: None,
        toolbar: false,
        prefix: "",
        upload: false,
    }
}

/// Puts a use-case's refusal on the field it names, or on the page.
fn attach_error(forms: &mut [FormSpec], e: FormError) -> Option<String> {
    if let Some(field) = &e.field {
        let name = field.split(['[', '.']).next().unwrap_or("");
        for f in forms.iter_mut() {
            if let Some(fld) = f.fields.iter_mut().find(|x| x.name == name) {
                fld.error = Some(e.message.clone());
            }
        }
    }
    Some(e.message)
}

/// Puts every refusal of a form on its field at once; the page's summary lists them all.
fn attach_errors(forms: &mut [FormSpec], errors: Vec<FormError>) -> Option<String> {
    let messages: Vec<String> = errors.into_iter().filter_map(|e| attach_error(forms, e)).collect();
    (!messages.is_empty()).then(|| messages.join(" "))
}

/// A page showing a form: 422 when the form was sent back with errors, so a script or
/// a test sees the refusal as well as the person does.
fn render_form(p: &PageView, failed: bool) -> Response {
    let mut res = render(p);
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

fn page(ctx: &Ctx, title_key: &str, sections: Vec<Section>) -> PageView {
    PageView {
        c: ctx.chrome(ctx.tr.t(title_key)),
        intro: None,
        success: None,
        error: None,
        actions: Vec::new(),
        crumbs: Vec::new(),
        primary_first: true,
        sections,
    }
}

fn done_message(ctx: &Ctx, done: &Option<String>) -> Option<String> {
    let key = format!("done-{}", done.as_deref()?);
    ctx.tr.catalog.has(ctx.tr.lang, &key).then(|| ctx.tr.t(&key))
}

/// A refusal carried over a redirect (`?error=…`), in the user's words.
fn error_message(ctx: &Ctx, error: &Option<String>) -> Option<String> {
    let key = format!("error-{}", error.as_deref()?);
    ctx.tr.catalog.has(ctx.tr.lang, &key).then(|| ctx.tr.t(&key))
}

/// A page's query: what just happened (`?done=…`), carried over a redirect.
#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    done: Option<String>,
}

/// The end of a posted form: on success, to the page `to` names; a refusal for what
/// the actor may not see answers as a page that does not exist; any other refusal shows
/// the form `again`, with the error on its field.
async fn done_or_again<T, Fut>(
    ctx: &Ctx,
    s: &AppState,
    result: Result<T, AppError>,
    to: impl FnOnce(T) -> String,
    again: impl FnOnce(FormError) -> Fut,
) -> Response
where
    Fut: std::future::Future<Output = Response>,
{
    match result {
        Ok(t) => Redirect::to(&to(t)).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(ctx, e),
        Err(e) => again(form_error(ctx, &s.catalog, e)).await,
    }
}

/// A record id from a path segment.
fn record_id(s: &str) -> Option<Uuid> {
    Uuid::parse_str(s).ok()
}

/// Every record of a kind in use that the actor may see and `filter` selects, for a
/// select list; the plain list of a kind comes from the kept choices.
async fn options<R: Record>(s: &AppState, actor: &Actor, filter: ListFilter) -> Vec<(String, String)> {
    let plain = filter.q.is_none()
        && filter.supplier_id.is_none()
        && filter.refers_to.is_none()
        && filter.national_id.is_none()
        && filter.id.is_none();
    if plain {
        return match s.app.choices::<R>(actor).await {
            Ok(list) => list.iter().map(|(id, name)| (id.to_string(), name.clone())).collect(),
            Err(_) => Vec::new(),
        };
    }
    let page = PageRequest { page: 1, page_size: domain::paging::MAX_PAGE_SIZE };
    match s.app.list::<R>(actor, &filter, page).await {
        Ok(p) => p.items.into_iter().filter(|e| e.active).map(|e| (e.id.to_string(), e.data.display_name())).collect(),
        Err(_) => Vec::new(),
    }
}

fn active_only() -> ListFilter {
    ListFilter { active: Some(true), ..Default::default() }
}

mod account_orders;
mod accounts;
mod audit;
mod dashboard;
mod emergency;
mod emergency_list;
mod extract;
mod holds;
pub(super) mod listing;
mod log_control;
mod order;
mod oversight;
pub(super) mod own_password;
mod policy;
mod preset_change;
mod registry;
mod registry_list;
mod request_page;
mod requests;
mod security_reports;
mod staff;
mod state;
mod tasks;
mod user_page;
mod users;
