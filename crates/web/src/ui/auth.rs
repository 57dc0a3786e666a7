//! Login pages: local password (+ new password at first login, + authenticator app),
//! OpenID Connect, logout.

use super::{Chrome, Ctx, NEXT_COOKIE, PRE_CSRF_COOKIE, SESSION_COOKIE, app_error_page, form_error, render, set_cookie};
use crate::AppState;
use app::{AppError, LoginStage};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/login/password", get(password_page).post(change_password))
        .route("/login/totp-setup", get(enrol_page).post(enrol))
        .route("/login/totp", get(totp_page).post(totp))
        .route("/login/oidc", get(super::oidc::start))
        .route("/login/oidc/callback", get(super::oidc::callback))
        .route("/logout", post(logout))
}

/// The page a session at `stage` continues on.
pub(super) fn stage_page(stage: LoginStage) -> &'static str {
    match stage {
        LoginStage::ChangePassword => "/login/password",
        LoginStage::EnrolTotp => "/login/totp-setup",
        LoginStage::Totp => "/login/totp",
        LoginStage::Oidc => "/login",
        LoginStage::Active => "/",
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    pub c: Chrome,
    pub error: Option<String>,
    /// Why the person is asked to log in (again), when they came from a page.
    pub notice: Option<String>,
    pub oidc: bool,
    pub next: String,
    pub username: String,
}

#[derive(Deserialize, Default)]
pub(super) struct LoginQuery {
    #[serde(default)]
    next: String,
    /// Just logged out: the page says so.
    #[serde(default)]
    signed_out: Option<String>,
}

/// The login form. It gets its own form token in a cookie (login CSRF).
pub(super) async fn login_page(State(s): State<AppState>, mut ctx: Ctx, Query(q): Query<LoginQuery>) -> Response {
    if ctx.session.as_ref().is_some_and(|s| s.stage == LoginStage::Active) {
        return Redirect::to("/").into_response();
    }
    let notice = q.signed_out.is_some().then(|| ctx.tr.t("ui-logged-out"));
    show_login_with(&s, &mut ctx, None, q.next, String::new(), notice)
}

pub(super) fn show_login(s: &AppState, ctx: &mut Ctx, error: Option<String>, next: String, username: String) -> Response {
    show_login_with(s, ctx, error, next, username, None)
}

fn show_login_with(s: &AppState, ctx: &mut Ctx, error: Option<String>, next: String, username: String, notice: Option<String>) -> Response {
    let fresh = ctx.pre_csrf.is_none();
    if fresh {
        ctx.pre_csrf = Some(app::random_token());
    }
    let c = ctx.chrome(ctx.tr.t("ui-login-title"));
    let failed = error.is_some();
    let next = safe_next(&next);
    // Sent here from a page: the session has ended (timed out, logged out elsewhere or
    // ended by an administrator), and the person is told so.
    let notice = notice.or_else(|| (error.is_none() && !next.is_empty() && next != "/").then(|| ctx.tr.t("ui-login-again")));
    let page = LoginPage { c, error, notice, oidc: s.ui.oidc.is_some(), next, username };
    let mut res = render(&page);
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
    }
    if fresh && let Some(t) = &ctx.pre_csrf {
        res.headers_mut().append(header::SET_COOKIE, set_cookie(s, PRE_CSRF_COOKIE, t, None));
    }
    res
}

/// Only a path of this site: never an open redirect.
pub(super) fn safe_next(next: &str) -> String {
    match local_path(next) {
        Some(p) if !p.starts_with("/login") => p.to_string(),
        _ => String::new(),
    }
}

/// A path of this site to send the browser back to, or `None` (F-06): it starts with one
/// `/`, and has no `\` and no control character — browsers drop tabs and newlines from a
/// URL, so `/<TAB>/evil.example` would become another host.
pub(super) fn local_path(p: &str) -> Option<&str> {
    let ok = p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && !p.chars().any(|c| c.is_control());
    ok.then_some(p)
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

async fn login(State(s): State<AppState>, mut ctx: Ctx, Form(f): Form<LoginForm>) -> Response {
    if let Err(r) = ctx.check_csrf(&f.csrf) {
        return r;
    }
    if !f.next.is_empty() && local_path(&f.next).is_none() {
        return bad_link(&ctx);
    }
    if f.username.trim().is_empty() || f.password.is_empty() {
        let msg = ctx.tr.t("ui-login-missing");
        return show_login(&s, &mut ctx, Some(msg), f.next, f.username);
    }
    match s.app.start_session(&f.username, &f.password).await {
        Ok(started) => {
            let target = match started.stage {
                LoginStage::Active => Some(safe_next(&f.next)).filter(|n| !n.is_empty()).unwrap_or_else(|| "/".into()),
                other => stage_page(other).to_string(),
            };
            let mut res = Redirect::to(&target).into_response();
            res.headers_mut().append(header::SET_COOKIE, set_cookie(&s, SESSION_COOKIE, &started.secret, None));
            // More steps to go (a new password, the second factor): the page asked for
            // waits in a cookie of the login, so that it is where the login ends.
            let next = safe_next(&f.next);
            if started.stage != LoginStage::Active && !next.is_empty() {
                res.headers_mut().append(header::SET_COOKIE, set_cookie(&s, NEXT_COOKIE, &super::urlencode(&next), Some(900)));
            }
            res
        }
        Err(e) => {
            let msg = match &e {
                AppError::Unauthenticated => ctx.tr.t("ui-login-failed"),
                _ => form_error(&ctx, &s.catalog, e).message,
            };
            show_login(&s, &mut ctx, Some(msg), f.next, f.username)
        }
    }
}

#[derive(Template)]
#[template(path = "login_step.html")]
struct StepPage {
    c: Chrome,
    error: Option<String>,
    intro: String,
    action: &'static str,
    password_change: bool,
    /// The preset's password rules, shown before the person types (AUTH-2).
    password_rules: String,
    totp_secret: Option<String>,
    totp_uri: String,
    /// The otpauth URI as a QR code (SVG drawn here), for the app's camera.
    totp_qr: Option<String>,
}

/// The session at `stage`, or where to go instead.
fn at_stage(ctx: &Ctx, stage: LoginStage) -> Result<&app::WebSession, Response> {
    match &ctx.session {
        Some(s) if s.stage == stage => Ok(s),
        Some(s) => Err(Redirect::to(stage_page(s.stage)).into_response()),
        None => Err(Redirect::to("/login").into_response()),
    }
}

fn step_page(ctx: &Ctx, title: &str, intro: &str, action: &'static str, error: Option<String>) -> StepPage {
    StepPage {
        c: ctx.chrome(ctx.tr.t(title)),
        error,
        intro: ctx.tr.t(intro),
        action,
        password_change: action == "/login/password",
        password_rules: String::new(),
        totp_secret: None,
        totp_uri: String::new(),
        totp_qr: None,
    }
}

fn with_status(mut res: Response, failed: bool) -> Response {
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn password_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = at_stage(&ctx, LoginStage::ChangePassword) {
        return r;
    }
    let mut page = step_page(&ctx, "ui-password-title", "ui-password-intro", "/login/password", None);
    page.password_rules = super::pages::own_password::rules_text(&s, &ctx.tr).await.join(" · ");
    render(&page)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
    #[serde(default)]
    csrf: String,
}

async fn change_password(State(s): State<AppState>, ctx: Ctx, Form(f): Form<PasswordForm>) -> Response {
    if let Err(r) = ctx.check_csrf(&f.csrf) {
        return r;
    }
    let session = match at_stage(&ctx, LoginStage::ChangePassword) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    match s.app.change_first_password(&session, &f.new_password, &f.repeat_password).await {
        Ok(step) => completed(&s, &ctx, step.stage, step.new_secret),
        Err(AppError::Unauthenticated) => Redirect::to("/login").into_response(),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            let mut page = step_page(&ctx, "ui-password-title", "ui-password-intro", "/login/password", Some(msg));
            page.password_rules = super::pages::own_password::rules_text(&s, &ctx.tr).await.join(" · ");
            with_status(render(&page), true)
        }
    }
}

/// A link whose target is not a page of this site: refused before anything happens.
pub(super) fn bad_link(ctx: &Ctx) -> Response {
    super::error_page(ctx, axum::http::StatusCode::BAD_REQUEST, &ctx.tr.t("ui-bad-link-title"), &ctx.tr.t("ui-bad-link"))
}

/// A login step that completed the login carries the session's new secret (F-14) and
/// goes to the page the person asked for before logging in, if any.
fn completed(s: &AppState, ctx: &Ctx, stage: LoginStage, new_secret: Option<String>) -> Response {
    let asked = super::read_cookie(&ctx.headers, &super::cookie_name(s, NEXT_COOKIE))
        .and_then(|v| form_urlencoded::parse(format!("n={v}").as_bytes()).next().map(|(_, n)| n.into_owned()))
        .map(|n| safe_next(&n))
        .filter(|n| !n.is_empty());
    let target = match (stage, asked) {
        (LoginStage::Active, Some(page)) => page,
        (other, _) => stage_page(other).to_string(),
    };
    let mut res = Redirect::to(&target).into_response();
    if let Some(secret) = new_secret {
        res.headers_mut().append(header::SET_COOKIE, set_cookie(s, SESSION_COOKIE, &secret, None));
    }
    if stage == LoginStage::Active {
        res.headers_mut().append(header::SET_COOKIE, set_cookie(s, NEXT_COOKIE, "", Some(0)));
    }
    res
}

async fn enrol_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    enrol_view(&s, &ctx, None).await
}

/// A QR code of `text` as inline SVG (without the XML declaration), or `None` if the
/// text does not fit one.
fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build();
    Some(svg.find("<svg").map(|at| svg[at..].to_string()).unwrap_or(svg))
}

async fn enrol_view(s: &AppState, ctx: &Ctx, error: Option<String>) -> Response {
    let session = match at_stage(ctx, LoginStage::EnrolTotp) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    match s.app.totp_enrolment(&session).await {
        Ok(e) => {
            let failed = error.is_some();
            let mut page = step_page(ctx, "ui-totp-setup-title", "ui-totp-setup-intro", "/login/totp-setup", error);
            page.totp_secret = Some(e.secret);
            page.totp_qr = qr_svg(&e.uri);
            page.totp_uri = e.uri;
            with_status(render(&page), failed)
        }
        Err(e) => app_error_page(ctx, e),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

async fn enrol(State(s): State<AppState>, ctx: Ctx, Form(f): Form<CodeForm>) -> Response {
    if let Err(r) = ctx.check_csrf(&f.csrf) {
        return r;
    }
    let session = match at_stage(&ctx, LoginStage::EnrolTotp) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    match s.app.confirm_totp(&session, &f.code).await {
        Ok(step) => completed(&s, &ctx, step.stage, step.new_secret),
        Err(e @ AppError::Locked(_)) => app_error_page(&ctx, e),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            enrol_view(&s, &ctx, Some(msg)).await
        }
    }
}

async fn totp_page(ctx: Ctx) -> Response {
    if let Err(r) = at_stage(&ctx, LoginStage::Totp) {
        return r;
    }
    render(&step_page(&ctx, "ui-totp-title", "ui-totp-intro", "/login/totp", None))
}

async fn totp(State(s): State<AppState>, ctx: Ctx, Form(f): Form<CodeForm>) -> Response {
    if let Err(r) = ctx.check_csrf(&f.csrf) {
        return r;
    }
    let session = match at_stage(&ctx, LoginStage::Totp) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    match s.app.verify_totp(&session, &f.code).await {
        Ok(step) => completed(&s, &ctx, step.stage, step.new_secret),
        Err(e @ AppError::Locked(_)) => app_error_page(&ctx, e),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            with_status(render(&step_page(&ctx, "ui-totp-title", "ui-totp-intro", "/login/totp", Some(msg))), true)
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(s): State<AppState>, ctx: Ctx, Form(f): Form<CsrfForm>) -> Response {
    if let Err(r) = ctx.check_csrf(&f.csrf) {
        return r;
    }
    if let Some(session) = &ctx.session
        && let Err(e) = s.app.end_session(session).await
    {
        return app_error_page(&ctx, e);
    }
    let mut res = Redirect::to("/login?signed_out=1").into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(&s, SESSION_COOKIE, "", Some(0)));
    res
}
