//! The web pages: server-rendered HTML (askama templates checked at compile time) in
//! the public sector's design system (DKFDS, vendored), with htmx for partial updates.
//! Sessions live in a cookie holding a random secret (`app::WebSession`); every
//! state-changing request must carry the session's form token and, when the browser
//! sends Fetch Metadata, come from this site (CSRF).

// A handler's early exit is the response to send (a redirect to the login, a refused
// form): `Result<_, Response>` is axum's own pattern, and one response per request is
// not worth boxing.
#![allow(clippy::result_large_err)]

mod auth;
mod charts;
pub(crate) mod guard;
pub mod logo;
pub(crate) mod oidc;
mod pages;

pub use oidc::OidcSettings;

use crate::{AppState, Problem};
use app::{AppError, WebSession};
use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::authz::{Action, Actor, Permission, ResourceKind, UserRole};
use i18n::{Catalog, Lang};
use serde::Deserialize;
use std::sync::Arc;

/// How the pages behave in this deployment.
#[derive(Debug, Clone)]
pub struct UiConfig {
    /// Mark cookies `Secure` (and use the `__Host-` prefix): on whenever Portvagt is
    /// reached over HTTPS.
    pub secure_cookies: bool,
    /// Log in through this OpenID Connect provider (AUTH-1).
    pub oidc: Option<OidcSettings>,
    /// The clock times are shown on.
    pub time_zone: i18n::Tz,
    /// Rate limits per client (F-10); `None` turns them off (tests of other things).
    pub limits: Option<crate::limits::RateLimits>,
    /// The municipality's logo in the header.
    pub logo: Option<logo::Logo>,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig { secure_cookies: false, oidc: None, time_zone: i18n::DEFAULT_TIME_ZONE, limits: None, logo: None }
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/{*path}", get(static_asset))
        .route("/language", post(set_language))
        .route("/favicon.ico", get(|| async { Redirect::permanent("/static/favicon.svg") }))
        .route("/logo", get(|State(s): State<AppState>| logo::serve(s.ui.logo.clone())))
        .route("/accessibility", get(accessibility))
        .merge(auth::routes())
        .merge(pages::routes())
}

// ---------------------------------------------------------------------------------------
// Static assets, compiled into the binary (no CDN).

const ASSETS: &[(&str, &str, &[u8])] = &[
    ("css/dkfds.min.css", "text/css", include_bytes!("../../assets/ui/dkfds.min.css")),
    ("css/portvagt.css", "text/css", include_bytes!("../../assets/ui/portvagt.css")),
    ("js/htmx.min.js", "text/javascript", include_bytes!("../../assets/ui/htmx.min.js")),
    ("js/portvagt.js", "text/javascript", include_bytes!("../../assets/ui/portvagt.js")),
    ("favicon.svg", "image/svg+xml", include_bytes!("../../assets/ui/favicon.svg")),
    // The design system's icons that the pages' controls use (select arrow, ticked box).
    ("img/svg-icons/chevron-down.svg", "image/svg+xml", include_bytes!("../../assets/ui/icons/chevron-down.svg")),
    ("img/svg-icons/check-white.svg", "image/svg+xml", include_bytes!("../../assets/ui/icons/check-white.svg")),
    // The design system names the regular face's WOFF first, so browsers fetch that one.
    (
        "fonts/IBMPlexSans/complete/woff/IBMPlexSans-Regular.woff",
        "font/woff",
        include_bytes!("../../assets/ui/fonts/IBMPlexSans-Regular.woff"),
    ),
    (
        "fonts/IBMPlexSans/complete/woff2/IBMPlexSans-Regular.woff2",
        "font/woff2",
        include_bytes!("../../assets/ui/fonts/IBMPlexSans-Regular.woff2"),
    ),
    (
        "fonts/IBMPlexSans/complete/woff2/IBMPlexSans-Medium.woff2",
        "font/woff2",
        include_bytes!("../../assets/ui/fonts/IBMPlexSans-Medium.woff2"),
    ),
    (
        "fonts/IBMPlexSans/complete/woff2/IBMPlexSans-SemiBold.woff2",
        "font/woff2",
        include_bytes!("../../assets/ui/fonts/IBMPlexSans-SemiBold.woff2"),
    ),
    (
        "fonts/IBMPlexSans/complete/woff2/IBMPlexSans-Bold.woff2",
        "font/woff2",
        include_bytes!("../../assets/ui/fonts/IBMPlexSans-Bold.woff2"),
    ),
    (
        "fonts/IBMPlexSans/complete/woff2/IBMPlexSans-Italic.woff2",
        "font/woff2",
        include_bytes!("../../assets/ui/fonts/IBMPlexSans-Italic.woff2"),
    ),
];

async fn static_asset(axum::extract::Path(path): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|(p, _, _)| *p == path) {
        Some((_, ct, body)) => {
            let mut res = body.to_vec().into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
            res
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The accessibility statement (*tilgængelighedserklæring*, *tillgänglighetsredogörelse*)
/// a public-sector site must publish: open to everyone, signed in or not.
async fn accessibility(ctx: Ctx) -> Response {
    let tr = &ctx.tr;
    let mut sections = Vec::new();
    for part in ["scope", "status", "known", "tested", "contact", "complaint"] {
        sections.push((tr.t(&format!("a11y-{part}-heading")), tr.t(&format!("a11y-{part}"))));
    }
    render(&Statement { c: ctx.chrome(tr.t("ui-accessibility-statement")), sections })
}

#[derive(Template)]
#[template(path = "statement.html")]
struct Statement {
    c: Chrome,
    sections: Vec<(String, String)>,
}

// ---------------------------------------------------------------------------------------
// Cookies.

pub(crate) fn cookie_name(state: &AppState, base: &str) -> String {
    if state.ui.secure_cookies { format!("__Host-{base}") } else { base.to_string() }
}

pub(crate) fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax (the provider's redirect back must
/// carry it), Secure when configured; `max_age` 0 deletes.
pub(crate) fn set_cookie(state: &AppState, base: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{}={value}; Path=/; HttpOnly; SameSite=Lax", cookie_name(state, base));
    if state.ui.secure_cookies {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("pv_invalid=1"))
}

pub(crate) const SESSION_COOKIE: &str = "pv_session";
pub(crate) const LANG_COOKIE: &str = "pv_lang";
/// The form token of the pages shown before a session exists (the login form).
pub(crate) const PRE_CSRF_COOKIE: &str = "pv_csrf";
/// The page a login that takes more steps returns to once it completes.
pub(crate) const NEXT_COOKIE: &str = "pv_next";

// ---------------------------------------------------------------------------------------
// The request context: language and session.

/// Translates for one language; templates call `t.t("id")`.
#[derive(Clone)]
pub struct Tr {
    catalog: Arc<Catalog>,
    pub lang: Lang,
    tz: i18n::Tz,
    /// The municipality's country (`dk`, `se`): a message whose wording depends on it
    /// (the national identity number, a law) has a variant `{id}--{country}`.
    country: &'static str,
}

impl Tr {
    pub fn t(&self, id: &str) -> String {
        self.text(id, &[])
    }
    pub fn t1(&self, id: &str, arg: &str) -> String {
        self.text(id, &[("arg", arg)])
    }
    /// A message with its arguments, in the country's variant where it has one.
    pub fn text(&self, id: &str, args: &[(&str, &str)]) -> String {
        let variant = format!("{id}--{}", self.country);
        if self.catalog.has(self.lang, &variant) {
            return self.catalog.text(self.lang, &variant, args);
        }
        self.catalog.text(self.lang, id, args)
    }
    /// A role's name.
    pub fn role(&self, r: &UserRole) -> String {
        self.t(&format!("role-{}", r.as_str()))
    }
    /// A date as people write it in this language.
    pub fn date(&self, d: &domain::time::Date) -> String {
        i18n::format_date(self.lang, d.0)
    }
    /// A month given as `YYYY-MM`, as the language writes it ("nov. 2026", "Nov 2026").
    pub fn month(&self, ym: &str) -> String {
        let parsed = ym.split_once('-').and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)));
        match parsed.and_then(|(y, m)| chrono::NaiveDate::from_ymd_opt(y, m, 1).map(|_| (y, m))) {
            Some((y, m)) => format!("{} {y}", self.t(&format!("month-{m}"))),
            None => ym.to_string(),
        }
    }
    pub fn opt_date(&self, d: &Option<domain::time::Date>) -> String {
        d.as_ref().map(|d| self.date(d)).unwrap_or_else(|| "–".into())
    }
    pub fn time(&self, t: &domain::time::Timestamp) -> String {
        i18n::format_datetime(self.lang, self.tz, t.0)
    }
    pub fn opt_time(&self, t: &Option<domain::time::Timestamp>) -> String {
        t.as_ref().map(|t| self.time(t)).unwrap_or_else(|| "–".into())
    }
    pub fn num(&self, n: &u64) -> String {
        i18n::format_count(self.lang, *n)
    }
}

/// Language and session of a page request.
#[derive(Clone)]
pub struct Ctx {
    pub tr: Tr,
    pub session: Option<WebSession>,
    pub path: String,
    /// The form token of the login form (pages without a session).
    pub pre_csrf: Option<String>,
    pub headers: HeaderMap,
    /// The menu of the signed-in actor.
    nav: Vec<(&'static str, &'static str)>,
    /// The municipality's name and service desk.
    frame: app::Frame,
    /// Whether a logo is configured.
    logo: bool,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Read once per request: later extractors of the same request reuse it.
        if let Some(ctx) = parts.extensions.get::<Ctx>() {
            return Ok(ctx.clone());
        }
        let ctx = Self::read(parts, state).await?;
        parts.extensions.insert(ctx.clone());
        Ok(ctx)
    }
}

impl Ctx {
    async fn read(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let headers = parts.headers.clone();
        let session = match read_cookie(&headers, &cookie_name(state, SESSION_COOKIE)) {
            Some(secret) => match state.app.web_session(&secret).await {
                Ok(s) => Some(s),
                Err(AppError::Unauthenticated) => None,
                Err(e) => return Err(internal(state, Lang::Da, e)),
            },
            None => None,
        };
        let lang = session
            .as_ref()
            .and_then(|s| s.user.as_ref())
            .and_then(|u| u.language.as_deref())
            .and_then(Lang::parse)
            .or_else(|| read_cookie(&headers, &cookie_name(state, LANG_COOKIE)).as_deref().and_then(Lang::parse))
            .unwrap_or_else(|| Lang::negotiate(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())));
        let nav = session
            .as_ref()
            .filter(|s| s.stage == app::LoginStage::Active)
            .and_then(|s| s.actor().ok())
            .map(|a| nav_for(&state.app, &a))
            .unwrap_or_default();
        let frame = state.app.frame().await;
        let country = if frame.country == domain::policy::Country::SE { "se" } else { "dk" };
        Ok(Ctx {
            tr: Tr { catalog: state.catalog.clone(), lang, tz: state.ui.time_zone, country },
            nav,
            frame,
            logo: state.ui.logo.is_some(),
            session,
            path: parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into()),
            pre_csrf: read_cookie(&headers, &cookie_name(state, PRE_CSRF_COOKIE)),
            headers,
        })
    }
}

impl Ctx {
    /// The actor of an active session, or a redirect to the page the login stands at.
    pub fn actor(&self) -> Result<Actor, Response> {
        match &self.session {
            Some(s) => s.actor().map_err(|_| Redirect::to(auth::stage_page(s.stage)).into_response()),
            // The page, without its query: a search's terms stay out of the login's URL (F-07).
            None => {
                let page = self.path.split('?').next().unwrap_or("/");
                Err(Redirect::to(&format!("/login?next={}", urlencode(page))).into_response())
            }
        }
    }

    /// Refuses a state-changing request from another site or without the session's form
    /// token (CSRF).
    pub fn check_csrf(&self, token: &str) -> Result<(), Response> {
        let expected = self.session.as_ref().map(|s| s.csrf.as_str()).or(self.pre_csrf.as_deref());
        let same_site =
            self.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_none_or(|v| matches!(v, "same-origin" | "none"));
        match expected {
            Some(e) if same_site && !token.is_empty() && app::constant_time_eq(e.as_bytes(), token.as_bytes()) => Ok(()),
            _ => Err(error_page(self, StatusCode::FORBIDDEN, &self.tr.t("ui-csrf-title"), &self.tr.t("ui-csrf-detail"))),
        }
    }

    pub fn chrome(&self, title: String) -> Chrome {
        let user = self.session.as_ref().and_then(|s| if s.stage == app::LoginStage::Active { s.user.clone() } else { None });
        let nav = if user.is_some() { self.nav.clone() } else { Vec::new() };
        Chrome {
            tr: self.tr.clone(),
            title,
            user_name: user.as_ref().map(|u| u.display_name.clone()),
            role: user.as_ref().map(|u| self.tr.role(&u.role)),
            nav: nav
                .into_iter()
                .map(|(href, key)| NavItem {
                    current: self.path == href || (href != "/" && self.path.starts_with(href)),
                    href,
                    label: self.tr.t(key),
                })
                .collect(),
            csrf: self.session.as_ref().map(|s| s.csrf.clone()).or_else(|| self.pre_csrf.clone()).unwrap_or_default(),
            path: self.path.clone(),
            langs: Lang::ALL.iter().map(|l| (l.code(), lang_name(*l), *l == self.tr.lang)).collect(),
            municipality: self.frame.municipality.clone(),
            logo: self.logo,
            service_desk: self.frame.service_desk.as_ref().map(|c| ServiceDesk {
                name: c.name.to_string(),
                email: c.email.as_ref().map(|e| e.to_string()),
                phone: c.phone.as_ref().map(|p| p.to_string()),
            }),
        }
    }
}

fn lang_name(l: Lang) -> &'static str {
    match l {
        Lang::Da => "Dansk",
        Lang::Sv => "Svenska",
        Lang::En => "English",
    }
}

pub(crate) fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// What every page's frame shows.
pub struct Chrome {
    pub tr: Tr,
    pub title: String,
    pub user_name: Option<String>,
    pub role: Option<String>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub path: String,
    /// (code, own name, current)
    pub langs: Vec<(&'static str, &'static str, bool)>,
    /// The municipality's name, beside Portvagt's in the header.
    pub municipality: Option<String>,
    /// A logo is configured: shown beside the name.
    pub logo: bool,
    /// Where to turn for help (ORG-1), in the footer.
    pub service_desk: Option<ServiceDesk>,
}

pub struct ServiceDesk {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl ServiceDesk {
    /// A phone number as a `tel:` link target (no spaces).
    pub fn tel(&self) -> String {
        self.phone.as_deref().unwrap_or("").chars().filter(|c| c.is_ascii_digit() || *c == '+').collect()
    }
}

pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// Whether an actor may use a page: the check its use-cases make.
type MayUse = fn(&app::App, &Actor) -> bool;

/// The menu, in order: each page with the check that decides whether the actor may use
/// it — the rights table or the use-case's own rule, never a list of roles kept here.
const NAV: &[(&str, &str, MayUse)] = &[
    // Whoever creates temp accounts starts on that page, not on an overview.
    ("/", "nav-dashboard", |a, x| a.may(x, Action::Read, ResourceKind::Account) && !a.can(x, Permission::CreateEmergency)),
    ("/inbox", "nav-inbox", |a, x| a.can(x, Permission::ApproveRequests)),
    ("/requests", "nav-requests", |a, x| a.may(x, Action::Read, ResourceKind::Request)),
    ("/staff", "nav-staff", |a, x| x.supplier().is_some() && a.may(x, Action::Create, ResourceKind::Person)),
    ("/accounts", "nav-accounts", |a, x| a.may(x, Action::Read, ResourceKind::Account)),
    ("/tasks", "nav-tasks", |a, x| a.can(x, Permission::HandleTasks)),
    ("/emergency", "nav-emergency", |a, x| a.can(x, Permission::SeeEmergency)),
    ("/registry", "nav-registry", |a, x| a.may(x, Action::Read, ResourceKind::Person)),
    ("/audit", "nav-audit", |a, x| a.can(x, Permission::SearchLog)),
    // Those who read the log reach the reports from its page; a department head has them
    // in the menu.
    ("/security-reports", "nav-security-reports", |a, x| a.can(x, Permission::SeeSecurityReports) && !a.can(x, Permission::SearchLog)),
    // The supplier's orderer reviews log control; the municipality reaches it from the log.
    ("/log-control", "nav-log-control", |a, x| a.can(x, Permission::SeeLogControl) && !a.can(x, Permission::SearchLog)),
    ("/oversight", "nav-oversight", |a, x| a.may_follow_up(x)),
    ("/admin/users", "nav-users", |a, x| a.can(x, Permission::ManageUsers)),
];

/// The menu of an actor: only what they may use.
fn nav_for(app: &app::App, actor: &Actor) -> Vec<(&'static str, &'static str)> {
    NAV.iter().filter(|(_, _, may)| may(app, actor)).map(|(href, key, _)| (*href, *key)).collect()
}

// ---------------------------------------------------------------------------------------
// Rendering and errors.

pub(crate) fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => {
            let mut res = html.into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    detail: String,
}

pub(crate) fn error_page(ctx: &Ctx, status: StatusCode, title: &str, detail: &str) -> Response {
    let mut res = render(&ErrorPage { c: ctx.chrome(title.to_string()), detail: detail.to_string() });
    *res.status_mut() = status;
    res
}

fn internal(state: &AppState, lang: Lang, e: AppError) -> Response {
    let p = Problem::from_app(&state.catalog, lang, e);
    (StatusCode::INTERNAL_SERVER_ERROR, p.detail).into_response()
}

/// A use-case's refusal as the user reads it: the field's label, the rule's text.
pub(crate) struct FormError {
    pub field: Option<String>,
    /// The rule's code (`emergency-name-exists`), for a form that reacts to one.
    pub code: &'static str,
    pub message: String,
}

/// The label key of a field or of an error's field: indices dropped, dots as dashes
/// (`affiliations[0].from` → `field-affiliations-from`).
pub(crate) fn label_key(path: &str) -> String {
    let mut out = String::from("field-");
    let mut skip = false;
    for ch in path.chars() {
        match ch {
            '[' => skip = true,
            ']' => skip = false,
            '.' if !skip => out.push('-'),
            c if !skip => out.push(c),
            _ => {}
        }
    }
    out
}

pub(crate) fn form_error(ctx: &Ctx, catalog: &Catalog, e: AppError) -> FormError {
    let (field, code) = match &e {
        AppError::Invalid(fe) | AppError::Conflict(fe) | AppError::Denied(fe) => (Some(fe.field.clone()), fe.code),
        _ => (None, ""),
    };
    let message = match &e {
        AppError::Invalid(fe) | AppError::Conflict(fe) | AppError::Denied(fe) => {
            // The field's own label (`scope.user_cap`), else its record's (`scope`).
            let full = label_key(&fe.field);
            let head = format!("field-{}", fe.field.split(['[', '.']).next().unwrap_or(""));
            let label = [full, head].iter().find(|k| catalog.has(ctx.tr.lang, k)).map(|k| ctx.tr.t(k)).unwrap_or_else(|| fe.field.clone());
            let arg = fe.arg.clone().unwrap_or_default();
            let arg2 = fe.arg2.clone().unwrap_or_default();
            ctx.tr.text(fe.code, &[("field", label.as_str()), ("arg", arg.as_str()), ("arg2", arg2.as_str())])
        }
        _ => Problem::from_app(catalog, ctx.tr.lang, e).detail,
    };
    FormError { field, code, message }
}

/// Maps a use-case error to a page: not found and forbidden look the same (AUTH-4).
pub fn app_error_page(ctx: &Ctx, e: AppError) -> Response {
    match e {
        AppError::NotFound | AppError::Forbidden => {
            error_page(ctx, StatusCode::NOT_FOUND, &ctx.tr.t("problem-not-found"), &ctx.tr.t("detail-not-found"))
        }
        AppError::Unauthenticated => Redirect::to("/login").into_response(),
        other => {
            let p = Problem::from_app(&ctx.tr.catalog, ctx.tr.lang, other);
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error_page(ctx, status, &p.title, &p.detail)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Language switching (OPS-2), on every page.

#[derive(Deserialize)]
struct LangForm {
    lang: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    back: String,
}

async fn set_language(State(s): State<AppState>, ctx: Ctx, Form(f): Form<LangForm>) -> Response {
    if let Err(r) = ctx.check_csrf(&f.csrf) {
        return r;
    }
    let Some(lang) = Lang::parse(&f.lang) else {
        return error_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &ctx.tr.t("ui-unknown-language"));
    };
    if let Some(actor) = ctx.session.as_ref().and_then(|s| s.actor().ok())
        && let Err(e) = s.app.set_language(&actor, lang.code()).await
    {
        return app_error_page(&ctx, e);
    }
    // Only paths of this site: never an open redirect.
    let Some(back) = auth::local_path(&f.back).or(f.back.is_empty().then_some("/")) else {
        return auth::bad_link(&ctx);
    };
    let mut res = Redirect::to(back).into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(&s, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600)));
    res
}
