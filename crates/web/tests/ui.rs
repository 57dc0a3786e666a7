//! The web pages' login, sessions and protections through HTTP, on SQLite and
//! PostgreSQL: lockout, the second factor, idle and lifetime limits, ending sessions,
//! CSRF, and a supplier's user reaching into another supplier's pages. (The pages'
//! flows in a real browser are in `tests/browser/`.)

mod common;

use app::{App, UserInput};
use common::{TestApp, seed};
use domain::authz::{Actor, UserRole};
use domain::time::ManualClock;
use reqwest::StatusCode;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use store::backend_tests;
#[allow(unused_imports)]
use store::testing::TestBackend;
use uuid::Uuid;

const PASSWORD: &str = "Portvagt2026Sikker";

/// A browser without a script engine: keeps cookies, follows no redirects, speaks English.
struct Browser {
    base: String,
    http: reqwest::Client,
    cookies: Mutex<HashMap<String, String>>,
}

struct Page {
    status: StatusCode,
    location: String,
    body: String,
}

impl Page {
    /// The first form token on the page.
    fn csrf(&self) -> String {
        let at = self.body.find(r#"name="csrf" value=""#).expect("a form token on the page") + r#"name="csrf" value=""#.len();
        self.body[at..].split('"').next().unwrap().to_string()
    }
}

impl Browser {
    fn new(base: &str) -> Browser {
        Browser {
            base: base.to_string(),
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            cookies: Mutex::new(HashMap::new()),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Page {
        let cookie: Vec<String> = self.cookies.lock().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect();
        let res =
            req.header("Cookie", cookie.join("; ")).header("Accept-Language", "en").header("Accept", "text/html").send().await.unwrap();
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (kv, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            let mut jar = self.cookies.lock().unwrap();
            if attrs.contains("Max-Age=0") {
                jar.remove(k);
            } else {
                jar.insert(k.to_string(), val.to_string());
            }
        }
        let status = res.status();
        let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
        Page { status, location, body: res.text().await.unwrap() }
    }

    async fn get(&self, path: &str) -> Page {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(self.http.post(format!("{}{path}", self.base)).form(form)).await
    }

    /// Posts a form with the token of the page at `from`.
    async fn submit(&self, from: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let token = self.get(from).await.csrf();
        let mut fields = form.to_vec();
        fields.push(("csrf", &token));
        self.post(path, &fields).await
    }
}

async fn create_user(
    app: &App,
    username: &str,
    role: UserRole,
    supplier: Option<Uuid>,
    department: Option<Uuid>,
    person: Option<Uuid>,
) -> String {
    let input = UserInput {
        username: username.into(),
        display_name: format!("{username} Testesen"),
        role,
        supplier_id: supplier,
        department_id: department,
        person_id: person,
        oidc_subject: None,
    };
    app.create_user(&Actor::system("test"), input).await.unwrap().1
}

/// Logs in through the pages, replacing the one-time password and setting up the
/// authenticator when asked; returns the TOTP secret, if one was set up.
async fn login(b: &Browser, app: &App, username: &str, one_time: &str) -> Option<String> {
    let p = b.submit("/login", "/login", &[("username", username), ("password", one_time)]).await;
    assert_eq!((p.status, p.location.as_str()), (StatusCode::SEE_OTHER, "/login/password"), "{}", p.body);
    let p = b.submit("/login/password", "/login/password", &[("new_password", PASSWORD), ("repeat_password", PASSWORD)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    if p.location == "/login/totp-setup" {
        let page = b.get("/login/totp-setup").await;
        // The key as a QR code for the app's camera, and as text.
        let qr = page.body.find(r#"<div class="pv-qr" role="img""#).expect("a QR code");
        assert!(page.body[qr..].contains("<svg"), "drawn as SVG on the server");
        let at = page.body.find(r#"id="totp-secret">"#).unwrap() + r#"id="totp-secret">"#.len();
        let secret = page.body[at..].split('<').next().unwrap().to_string();
        let code = App::totp_code(&secret, app.now()).unwrap();
        let p = b.post("/login/totp-setup", &[("code", &code), ("csrf", &page.csrf())]).await;
        assert_eq!((p.status, p.location.as_str()), (StatusCode::SEE_OTHER, "/"), "{}", p.body);
        return Some(secret);
    }
    assert_eq!(p.location, "/");
    None
}

async fn failed_logins(app: &App) -> usize {
    let f = app::AuditFilter { action: Some("login.failed".into()), limit: 500, ..Default::default() };
    let admin = Actor::system("test");
    let mut reader = admin.clone();
    reader.role = UserRole::Auditor;
    app.audit_events(&reader, &f, false).await.unwrap().items.len()
}

backend_tests! {
    /// The menu offers each role exactly the pages its rights let it use (derived from
    /// the same checks the pages' use-cases make).
    async fn the_menu_offers_each_role_what_it_may_use(b: TestBackend) {
        // REQ: AUTH-4
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let nav = |body: &str| -> Vec<String> {
            let menu = &body[body.find("<nav").unwrap()..];
            let menu = &menu[..menu.find("</nav>").unwrap()];
            menu.split("<a href=\"").skip(1).map(|x| x.split('"').next().unwrap().to_string()).collect()
        };
        // (username, role, supplier, department, person, the menu)
        type Case<'a> = (&'a str, UserRole, Option<Uuid>, Option<Uuid>, Option<Uuid>, &'a [&'a str]);
        let cases: Vec<Case> = vec![
            ("bestiller", UserRole::SupplierOrderer, Some(s.supplier_a), None, Some(s.person_a), &["/", "/requests", "/staff", "/accounts", "/registry", "/log-control"]),
            ("leder", UserRole::DepartmentHead, None, Some(s.department), None, &["/", "/inbox", "/requests", "/accounts", "/emergency", "/registry", "/security-reports"]),
            ("koordinator", UserRole::SecurityCoordinator, None, None, None, &["/", "/inbox", "/requests", "/accounts", "/tasks", "/emergency", "/registry", "/audit", "/oversight"]),
            ("drift", UserRole::ItOperator, None, None, None, &["/", "/requests", "/accounts", "/tasks", "/registry", "/oversight"]),
            ("natadmin", UserRole::LocalAdministrator, None, Some(s.department), Some(s.person_b), &["/accounts", "/emergency"]),
            ("sikkerhed", UserRole::SecurityOfficer, None, None, None, &["/", "/requests", "/accounts", "/emergency", "/registry", "/audit", "/oversight"]),
            ("dpo", UserRole::Dpo, None, None, None, &["/", "/requests", "/accounts", "/registry", "/audit"]),
            ("revisor", UserRole::Auditor, None, None, None, &["/", "/requests", "/accounts", "/emergency", "/registry", "/audit"]),
            // F-09: the administrator runs the installation; the log is not theirs.
            ("admin2", UserRole::Administrator, None, None, None, &["/", "/requests", "/accounts", "/registry", "/admin/users"]),
        ];
        for (username, role, supplier, department, person, expected) in cases {
            let pw = create_user(&t.app, username, role, supplier, department, person).await;
            let web = Browser::new(&t.base);
            login(&web, &t.app, username, &pw).await;
            let start = if role == UserRole::LocalAdministrator { "/emergency" } else { "/" };
            assert_eq!(nav(&web.get(start).await.body), expected, "{username}");
        }
    }

    /// Five wrong passwords lock the user for 30 minutes (Tårnby); the right password
    /// does not help meanwhile; every attempt is an audit event.
    async fn local_login_locks_after_the_configured_failures(b: TestBackend) {
        // REQ: AUTH-2, AUTH-3, SEC-1
        let t = TestApp::spawn(b).await;
        create_user(&t.app, "revisor", UserRole::Auditor, None, None, None).await;
        let web = Browser::new(&t.base);
        let before = failed_logins(&t.app).await;
        for _ in 0..4 {
            let p = web.submit("/login", "/login", &[("username", "revisor"), ("password", "wrong")]).await;
            assert_eq!(p.status, StatusCode::UNAUTHORIZED);
            assert!(p.body.contains("The username or password is wrong"), "{}", p.body);
        }
        // F-13: the lock answers like a wrong password, so it tells nobody that the name exists.
        let p = web.submit("/login", "/login", &[("username", "revisor"), ("password", "wrong")]).await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
        assert!(p.body.contains("or the user is locked for a while after too many attempts"), "{}", p.body);
        assert_eq!(failed_logins(&t.app).await, before + 5);
        let user = t.app.store().user_by_username("revisor").await.unwrap().unwrap();
        assert!(user.login.is_locked(t.app.now()));
        // Unknown names are refused the same way and audited too.
        let p = web.submit("/login", "/login", &[("username", "nobody"), ("password", "x")]).await;
        assert!(p.body.contains("or the user is locked for a while after too many attempts"), "the same answer as a locked user");
        assert_eq!(failed_logins(&t.app).await, before + 6);
        // Empty fields: a clear message, nothing counted.
        let p = web.submit("/login", "/login", &[("username", ""), ("password", "")]).await;
        assert!(p.body.contains("Enter both username and password."));
        assert_eq!(failed_logins(&t.app).await, before + 6);
    }

    /// Roles that grant access set up an authenticator at their first login and give its
    /// code at every later one; wrong codes count towards the lockout. An auditor, who
    /// grants nothing, logs in with the password alone (X-7 as the Tårnby policy says).
    async fn roles_that_grant_access_log_in_with_a_second_factor(b: TestBackend) {
        // REQ: X-7, AUTH-1
        let clock = Arc::new(ManualClock::at("2026-11-23T08:00:00Z"));
        let t = TestApp::spawn_with_clock(b, "taarnby", clock.clone()).await;
        let s = seed(&t).await;
        let pw = create_user(&t.app, "leder", UserRole::DepartmentHead, None, Some(s.department), None).await;
        let web = Browser::new(&t.base);
        let secret = login(&web, &t.app, "leder", &pw).await.expect("a department head must set up TOTP");
        assert_eq!(web.get("/").await.status, StatusCode::OK);
        let p = web.submit("/", "/logout", &[]).await;
        assert_eq!(p.location, "/login?signed_out=1");
        let page = web.get(&p.location).await.body;
        assert!(page.contains(r#"id="login-notice""#) && page.contains("signed out"), "the login says so: {page}");
        assert_eq!(web.get("/").await.status, StatusCode::SEE_OTHER, "logged out");

        let p = web.submit("/login", "/login", &[("username", "leder"), ("password", PASSWORD)]).await;
        assert_eq!(p.location, "/login/totp");
        // The password alone does not reach any page.
        assert_eq!(web.get("/inbox").await.location, "/login/totp");
        let p = web.submit("/login/totp", "/login/totp", &[("code", "000000")]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains("The code from your authenticator app is wrong"), "{}", p.body);
        assert_eq!(t.app.store().user_by_username("leder").await.unwrap().unwrap().login.failed_attempts, 1);
        // The code of the set-up a second ago counts once only (RFC 6238 §5.2).
        let reused = App::totp_code(&secret, t.app.now()).unwrap();
        let p = web.submit("/login/totp", "/login/totp", &[("code", &reused)]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "a used code is refused");
        clock.advance(chrono::Duration::seconds(30));
        let code = App::totp_code(&secret, t.app.now()).unwrap();
        let p = web.submit("/login/totp", "/login/totp", &[("code", &code)]).await;
        assert_eq!((p.status, p.location.as_str()), (StatusCode::SEE_OTHER, "/"));
        assert_eq!(t.app.store().user_by_username("leder").await.unwrap().unwrap().login.failed_attempts, 0);
        // The secret is stored sealed, never as typed.
        let stored = t.app.store().user_by_username("leder").await.unwrap().unwrap().totp_sealed.unwrap();
        assert!(!stored.contains(&secret));

        let pw = create_user(&t.app, "revisor", UserRole::Auditor, None, None, None).await;
        let other = Browser::new(&t.base);
        assert_eq!(login(&other, &t.app, "revisor", &pw).await, None, "no second factor for an auditor");
    }

    /// A session ends after 30 idle minutes and after 12 hours however busy (Tårnby), and
    /// at once when an administrator ends the user's sessions.
    async fn sessions_end_when_idle_when_too_old_and_by_an_administrator(b: TestBackend) {
        // REQ: X-8
        let clock = Arc::new(ManualClock::at("2026-11-23T08:00:00Z"));
        let t = TestApp::spawn_with_clock(b, "taarnby", clock.clone()).await;
        let pw = create_user(&t.app, "revisor", UserRole::Auditor, None, None, None).await;
        let web = Browser::new(&t.base);
        login(&web, &t.app, "revisor", &pw).await;
        clock.advance(chrono::Duration::minutes(29));
        assert_eq!(web.get("/").await.status, StatusCode::OK, "29 idle minutes");
        clock.advance(chrono::Duration::minutes(30));
        let p = web.get("/").await;
        assert_eq!((p.status, p.location.starts_with("/login")), (StatusCode::SEE_OTHER, true), "30 idle minutes end it");

        // Busy all day: every 20 minutes, until the 12 hours are up.
        let p = web.submit("/login", "/login", &[("username", "revisor"), ("password", PASSWORD)]).await;
        assert_eq!(p.location, "/");
        for _ in 0..35 {
            clock.advance(chrono::Duration::minutes(20));
            assert_eq!(web.get("/").await.status, StatusCode::OK);
        }
        clock.advance(chrono::Duration::minutes(20));
        assert_eq!(web.get("/").await.status, StatusCode::SEE_OTHER, "twelve hours end it");

        // The administrator ends every session of the user.
        let p = web.submit("/login", "/login", &[("username", "revisor"), ("password", PASSWORD)]).await;
        assert_eq!(p.location, "/");
        let second = Browser::new(&t.base);
        second.submit("/login", "/login", &[("username", "revisor"), ("password", PASSWORD)]).await;
        let users = t.app.users(&Actor::system("test")).await.unwrap();
        let revisor = users.iter().find(|u| u.user.username == "revisor").unwrap();
        assert_eq!(revisor.open_sessions, 2);
        let admin_pw = create_user(&t.app, "chef", UserRole::Administrator, None, None, None).await;
        let admin = Browser::new(&t.base);
        login(&admin, &t.app, "chef", &admin_pw).await;
        let page = admin.get("/admin/users").await;
        assert!(page.body.contains("revisor"));
        let action = format!("/admin/users/{}/end-sessions", revisor.user.id);
        let p = admin.post(&action, &[("csrf", &page.csrf())]).await;
        assert_eq!(p.location, format!("/admin/users/{}?done=sessions_ended", revisor.user.id));
        assert_eq!(web.get("/").await.status, StatusCode::SEE_OTHER);
        assert_eq!(second.get("/").await.status, StatusCode::SEE_OTHER);
    }

    /// Every state-changing request needs the session's form token and, when the browser
    /// says where it comes from, this site; cookies are HttpOnly and SameSite; pages carry
    /// the security headers.
    async fn state_changing_requests_without_the_form_token_are_refused(b: TestBackend) {
        // REQ: AUTH-4
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let pw = create_user(&t.app, "leder", UserRole::DepartmentHead, None, Some(s.department), None).await;
        let web = Browser::new(&t.base);
        // The login form itself needs its token.
        let p = web.post("/login", &[("username", "leder"), ("password", &pw)]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert!(p.body.contains("The form has expired"));
        login(&web, &t.app, "leder", &pw).await;

        let page = web.get("/").await;
        let csp = "default-src 'none'";
        assert!(page.body.contains("<html lang=\"en\">"));
        let res = reqwest::get(format!("{}/login", t.base)).await.unwrap();
        assert!(res.headers()["content-security-policy"].to_str().unwrap().starts_with(csp));
        assert_eq!(res.headers()["x-frame-options"], "DENY");
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

        let before = t.app.store().user_by_username("leder").await.unwrap().unwrap().language;
        let p = web.post("/language", &[("lang", "sv"), ("back", "/")]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "no token");
        let p = web.post("/language", &[("lang", "sv"), ("back", "/"), ("csrf", "forged")]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "a wrong token");
        let token = page.csrf();
        let cross = web
            .send(web.http.post(format!("{}/language", t.base)).header("Sec-Fetch-Site", "cross-site").form(&[("lang", "sv"), ("csrf", token.as_str())]))
            .await;
        assert_eq!(cross.status, StatusCode::FORBIDDEN, "the right token from another site");
        assert_eq!(t.app.store().user_by_username("leder").await.unwrap().unwrap().language, before, "nothing changed");
        // F-06: only paths of this site; anything else is refused, never followed.
        for evil in ["//evil.example/", "/\\evil.example/", "/\t/evil.example/", "/x\r\nSet-Cookie: a=b", "https://evil.example/"] {
            let p = web.post("/language", &[("lang", "sv"), ("back", evil), ("csrf", &token)]).await;
            assert_eq!((p.status, p.location.as_str()), (StatusCode::BAD_REQUEST, ""), "never an open redirect: {evil:?}");
        }
        let p = web.post("/language", &[("lang", "sv"), ("back", "/requests"), ("csrf", &token)]).await;
        assert_eq!((p.status, p.location.as_str()), (StatusCode::SEE_OTHER, "/requests"));
        assert_eq!(t.app.store().user_by_username("leder").await.unwrap().unwrap().language.as_deref(), Some("sv"));
        assert!(web.get("/").await.body.contains("<html lang=\"sv\">"), "the user's language wins over the browser's");
        // Logging out also needs the token.
        assert_eq!(web.post("/logout", &[]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(web.get("/").await.status, StatusCode::OK);
    }

    /// A supplier's orderer asking for another supplier's request, account or record
    /// gets the same 404 as for a record that does not exist, and no name leaks; the
    /// lists show only the own supplier's rows; administrator pages are not there.
    async fn a_supplier_user_reaches_only_its_own_suppliers_pages(b: TestBackend) {
        // REQ: AUTH-4, RPT-1
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        // Supplier B's orderer orders an account for B's staff member through the API.
        let orderer_b = t.scoped_token(UserRole::SupplierOrderer, Some(s.supplier_b), None, Some(s.person_b)).await;
        for kind in ["no_remote_control_software", "backup_routines"] {
            t.post(&format!("/api/v1/agreements/{}/attestations", s.agreement_b), &orderer_b, &serde_json::json!({ "kind": kind, "attested_by": "Bo Dahl" })).await;
        }
        let start = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d").to_string();
        let res = t
            .post(
                "/api/v1/requests",
                &orderer_b,
                &serde_json::json!({ "kind": "new_account", "person_id": s.person_b, "system_id": s.system, "agreement_id": s.agreement_b,
                    "job_profile_id": s.job_profile, "wanted_start": start, "needs_assessment_ref": "Behovsvurdering B" }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
        let request_b = t.app.store().list_requests(&store::RequestQuery { limit: 10, ..Default::default() }).await.unwrap().0[0].id;

        let pw = create_user(&t.app, "bestiller-a", UserRole::SupplierOrderer, Some(s.supplier_a), None, Some(s.person_a)).await;
        let web = Browser::new(&t.base);
        login(&web, &t.app, "bestiller-a", &pw).await;
        for path in [format!("/requests/{request_b}"), format!("/accounts/{}", Uuid::now_v7()), "/requests/not-an-id".to_string(), "/admin/users".to_string(), "/audit".to_string(), "/tasks".to_string()] {
            let p = web.get(&path).await;
            assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
            assert!(!p.body.contains("Bo Dahl"), "{path} leaks a name");
        }
        // Deciding on it is just as absent.
        let token = web.get("/").await.csrf();
        let p = web.post(&format!("/requests/{request_b}/decide"), &[("step", "cancel"), ("csrf", &token)]).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        for path in ["/requests", "/staff", "/accounts", "/"] {
            let p = web.get(path).await;
            assert_eq!(p.status, StatusCode::OK, "{path}");
            assert!(!p.body.contains("Bo Dahl"), "{path} lists another supplier's person");
        }
        assert!(web.get("/staff").await.body.contains("Anna Berg"));

        // RPT-1: the dashboard counts the own supplier's requests only; the
        // municipality's view counts B's request waiting for the department head.
        let own = web.get("/").await.body;
        assert!(own.contains(r#"href="/requests?state=waiting"><span class="pv-tile-count">0</span>"#), "{own}");
        let pw = create_user(&t.app, "koordinator", UserRole::SecurityCoordinator, None, None, None).await;
        let coordinator = Browser::new(&t.base);
        login(&coordinator, &t.app, "koordinator", &pw).await;
        let all = coordinator.get("/").await.body;
        assert!(all.contains(r#"href="/requests?state=waiting"><span class="pv-tile-count">1</span>"#), "{all}");
        assert!(all.contains("<td>Waiting for the department head</td>"), "the chart's table");
        assert!(all.contains(r#"<div class="pv-bars" role="img""#), "charts drawn on the server");
    }

    /// The citizen extract from the pages: a DPO creates it (names withheld, no approval
    /// button for the creator); a second DPO approves, and the names are shown.
    async fn a_second_person_approves_names_in_a_citizen_extract(b: TestBackend) {
        // REQ: X-1, X-2
        let t = TestApp::spawn(b).await;
        seed(&t).await;
        let first = create_user(&t.app, "dpo-a", UserRole::Dpo, None, None, None).await;
        let second = create_user(&t.app, "dpo-b", UserRole::Dpo, None, None, None).await;
        let a = Browser::new(&t.base);
        login(&a, &t.app, "dpo-a", &first).await;
        // One id per field; a search with nothing to search by says what to fill in; the
        // log's times are local, as on every other page.
        let page = a.get("/audit").await.body;
        assert_eq!(page.matches(r#"id="l-subject""#).count(), 1, "the search's and the extract's fields differ");
        let p = a.submit("/audit", "/audit", &[]).await;
        assert!(p.body.contains("Fill in at least one field to search"), "{}", p.body);
        let p = a.submit("/audit", "/audit", &[("action", "login.success")]).await;
        assert!(p.body.contains(" CET") || p.body.contains(" CEST"), "local time: {}", p.body);
        assert!(p.body.contains("<td>Done</td>"), "the outcome in words");
        let p = a.submit("/audit", "/audit/extracts", &[("extract_subject", "010190-1234")]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let extract = p.location.clone();
        let page = a.get(&extract).await;
        assert!(page.body.contains("Person names show once another DPO or security officer approves."), "{}", page.body);
        assert!(!page.body.contains("approve-names"), "the creator cannot approve");
        let p = a.post(&format!("{extract}/approve-names"), &[("csrf", &page.csrf())]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "four eyes: {}", p.body);

        let b2 = Browser::new(&t.base);
        login(&b2, &t.app, "dpo-b", &second).await;
        let page = b2.get(&extract).await;
        assert!(page.body.contains("approve-names"));
        let p = b2.post(&format!("{extract}/approve-names"), &[("csrf", &page.csrf())]).await;
        assert_eq!((p.status, p.location.as_str()), (StatusCode::SEE_OTHER, extract.as_str()));
        let approved = b2.get(&extract).await.body;
        assert!(approved.contains("Approved by dpo-b"), "who approved the names is shown: {approved}");
        // A bad identifier is named, nothing created.
        let p = a.submit("/audit", "/audit/extracts", &[("extract_subject", "not a cpr")]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    /// The registry in the pages: the coordinator creates and edits a supplier and an
    /// agreement, each bad value named on its field with nothing written, a stale form
    /// refused; a supplier's orderer attests and accepts its own agreement, adds a staff
    /// member, and reaches neither another supplier's records nor the forms it may not use.
    async fn registry_records_are_managed_in_the_pages(b: TestBackend) {
        // REQ: ORG-1, ORG-3, ORG-4, AGR-2, AGR-4, AGR-5, OPS-3
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let pw = create_user(&t.app, "koordinator", UserRole::SecurityCoordinator, None, None, None).await;
        let web = Browser::new(&t.base);
        login(&web, &t.app, "koordinator", &pw).await;
        assert!(web.get("/registry?kind=supplier").await.body.contains(r#"href="/registry/supplier/new""#));

        // A bad organisation number is named on its field; nothing is written.
        let suppliers = t.count("suppliers").await;
        let p = web.submit("/registry/supplier/new", "/registry/supplier/new", &[("name", "Hjemmehjælp C ApS"), ("org_number", "12345678")]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains(r#"id="f-org_number-error""#), "{}", p.body);
        assert!(p.body.contains(r#"value="Hjemmehjælp C ApS""#), "the form keeps what was typed");
        let p = web
            .submit("/registry/supplier/new", "/registry/supplier/new", &[("name", "Hjemmehjælp C ApS"), ("org_number", "35000003"), ("contact.email", "c@example.dk")])
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "an e-mail without the contact's name");
        assert!(p.body.contains(r#"id="f-contact.name-error""#), "{}", p.body);
        assert_eq!(t.count("suppliers").await, suppliers);
        let p = web.submit("/registry/supplier/new", "/registry/supplier/new", &[("name", "Hjemmehjælp C ApS"), ("org_number", "35000003")]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let supplier = p.location.trim_end_matches("?done=created").to_string();
        let page = web.get(&p.location).await;
        assert!(page.body.contains("The supplier has been created."), "the message names the thing");
        // Two editors: the second saves over a stale version and is refused.
        let stale = page.csrf();
        let p = web.submit(&supplier, &supplier, &[("name", "Hjemmehjælp C A/S"), ("org_number", "35000003"), ("version", "1")]).await;
        assert_eq!(p.location, format!("{supplier}?done=saved"), "{}", p.body);
        let p = web.post(&supplier, &[("name", "Hjemmehjælp Cee"), ("org_number", "35000003"), ("version", "1"), ("csrf", &stale)]).await;
        assert!(p.status.is_client_error(), "a stale version: {}", p.status);
        assert!(web.get(&supplier).await.body.contains("Hjemmehjælp C A/S"));

        // An agreement from the supplier's page: a cap that is not a number is named.
        let supplier_id = supplier.rsplit('/').next().unwrap().to_string();
        let system = s.system.to_string();
        let profile = s.profile.to_string();
        let mut agreement = vec![
            ("supplier_id", supplier_id.as_str()),
            ("title", "Praktisk hjælp"),
            ("service_type", "practical_help"),
            ("valid_from", "2026-01-01"),
            ("valid_to", "2027-12-31"),
            ("scope.systems", system.as_str()),
            ("scope.profiles", profile.as_str()),
            ("scope.user_cap", "fire"),
        ];
        let agreements = t.count("agreements").await;
        let p = web.submit("/registry/agreement/new", "/registry/agreement/new", &agreement).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains(r#"id="f-scope.user_cap-error""#), "{}", p.body);
        assert!(p.body.contains("Most accounts per system"), "the message names the field");
        assert_eq!(t.count("agreements").await, agreements);
        agreement.pop();
        agreement.push(("scope.user_cap", "3"));
        let p = web.submit("/registry/agreement/new", "/registry/agreement/new", &agreement).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let agreement_page = p.location.trim_end_matches("?done=created").to_string();
        let stored: serde_json::Value = t.get(&format!("/api/v1/agreements/{}", p.location.split('/').nth(3).unwrap().trim_end_matches("?done=created")), &t.token(UserRole::Auditor, None).await).await.json().await.unwrap();
        assert_eq!(stored["scope"]["user_cap"], 3);
        assert_eq!(stored["data_processing"]["dpa_in_place"], false);
        assert!(web.get(&supplier).await.body.contains("Praktisk hjælp"), "listed on the supplier's page");

        // The municipality's profile picks the policy in force (OPS-3).
        let muni = "/registry/municipality/new";
        let base = [("name", "Tårnby Kommune"), ("org_number", "20310413"), ("dpo.name", "DPO Tårnby")];
        let mut form = base.to_vec();
        form.push(("policy_preset", "nowhere"));
        let p = web.submit(muni, muni, &form).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
        assert!(p.body.contains(r#"id="f-policy_preset-error""#));
        // F-03: the coordinator keeps the profile with the preset in force; changing it
        // is the administrator's.
        form.pop();
        form.push(("policy_preset", "viborg"));
        let p = web.submit(muni, muni, &form).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
        assert!(p.body.contains("Only Portvagt&#39;s administrator can change the municipality&#39;s policy preset."), "{}", p.body);
        form.pop();
        form.push(("policy_preset", "taarnby"));
        let p = web.submit(muni, muni, &form).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let muni_page = p.location.trim_end_matches("?done=created").to_string();
        let shown = web.get(&muni_page).await.body;
        assert!(shown.contains("The policy preset is changed by Portvagt&#39;s administrator."), "{shown}");
        assert!(!shown.contains(r#"<option value="viborg""#), "no other preset to pick");
        assert!(shown.contains(r#"<option value="taarnby" selected>"#), "the one in force, chosen");
        // The administrator changes it; the page shows what changes and asks first.
        let pw_admin = create_user(&t.app, "admin2", UserRole::Administrator, None, None, None).await;
        let admin = Browser::new(&t.base);
        login(&admin, &t.app, "admin2", &pw_admin).await;
        let form = admin.get(&muni_page).await.body;
        assert!(form.contains(r#"<option value="taarnby" selected>"#), "the preset in force is the one chosen, whatever its stored case");
        let mut change = base.to_vec();
        change.push(("policy_preset", "viborg"));
        let p = admin.submit(&muni_page, &muni_page, &change).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        assert!(p.body.contains("<td>Emergency and support accounts – Local administrators (at most)</td><td>5</td><td>0</td>"), "what changes, rule by rule");
        assert!(p.body.contains(r#"name="confirm_preset" value="yes""#));
        assert_eq!(t.app.active_preset().await.unwrap().id, "taarnby", "nothing changed before it is confirmed");
        change.push(("confirm_preset", "yes"));
        let p = admin.submit(&muni_page, &muni_page, &change).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert_eq!(t.app.active_preset().await.unwrap().id, "viborg");

        // Deactivating keeps the record, marked.
        let p = web.submit(&supplier, &format!("{supplier}/deactivate"), &[]).await;
        assert_eq!(p.location, format!("{supplier}?done=deactivated"));
        assert!(web.get(&supplier).await.body.contains("This record is deactivated."));
        // The agreement's form still names its (now inactive) supplier: saving it
        // unchanged must not move the agreement to another supplier.
        let page = web.get(&agreement_page).await.body;
        assert!(page.contains(&format!(r#"<option value="{supplier_id}" selected>Hjemmehjælp C A/S</option>"#)), "{page}");

        // A supplier's orderer: its own agreement's attestation and acceptance; another
        // supplier's agreement and the municipality's forms are not there.
        let pw = create_user(&t.app, "bestiller-a", UserRole::SupplierOrderer, Some(s.supplier_a), None, Some(s.person_a)).await;
        let orderer = Browser::new(&t.base);
        login(&orderer, &t.app, "bestiller-a", &pw).await;
        let own = format!("/registry/agreement/{}", s.agreement_a);
        let page = orderer.get(&own).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains(r#"name="version""#), "an orderer reads the agreement, does not edit it");
        let p = orderer.submit(&own, &format!("{own}/attest"), &[("kind", "backup_routines"), ("attested_by", "Anna Berg")]).await;
        assert_eq!(p.location, format!("{own}?done=attested"), "{}", p.body);
        let p = orderer.submit(&own, &format!("{own}/accept"), &[("name", "Anna Berg"), ("title", "")]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "a title is needed");
        let p = orderer.submit(&own, &format!("{own}/accept"), &[("name", "Anna Berg"), ("title", "Direktør")]).await;
        assert_eq!(p.location, format!("{own}?done=accepted"), "{}", p.body);
        let page = orderer.get(&own).await.body;
        assert!(page.contains("Backup routines") && page.contains("Direktør"), "{page}");
        for path in [format!("/registry/agreement/{}", s.agreement_b), format!("/registry/supplier/{}", s.supplier_b), "/registry/supplier/new".into(), "/registry/nothing/new".into()] {
            let p = orderer.get(&path).await;
            assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
            assert!(!p.body.contains("Bo Dahl") && !p.body.contains("Omsorg B"), "{path} leaks");
        }
        let p = orderer.submit("/staff", &format!("/registry/agreement/{}/attest", s.agreement_b), &[("kind", "backup_routines"), ("attested_by", "Anna Berg")]).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        let suppliers = t.count("suppliers").await;
        let p = orderer.submit("/staff", "/registry/supplier/new", &[("name", "Ny ApS"), ("org_number", "35000011")]).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        assert_eq!(t.count("suppliers").await, suppliers, "nothing written");

        // A new staff member: never under another supplier; under its own, on the staff page.
        let persons = t.count("persons").await;
        let supplier_b = s.supplier_b.to_string();
        let supplier_a = s.supplier_a.to_string();
        let staff = [("name", "Carla Holm"), ("national_id", "not-a-cpr"), ("affiliations[0].from", "2026-02-01")];
        let mut form = staff.to_vec();
        form.push(("affiliations[0].supplier_id", supplier_b.as_str()));
        let p = orderer.submit("/registry/person/new", "/registry/person/new", &form).await;
        assert!(p.status.is_client_error(), "{}", p.status);
        form[1] = ("national_id", "");
        let p = orderer.submit("/registry/person/new", "/registry/person/new", &form).await;
        assert!(p.status.is_client_error(), "another supplier's staff: {}", p.status);
        assert!(!p.body.contains("Omsorg B"), "the other supplier is not offered");
        assert_eq!(t.count("persons").await, persons);
        form.pop();
        form.push(("affiliations[0].supplier_id", supplier_a.as_str()));
        let p = orderer.submit("/registry/person/new", "/registry/person/new", &form).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert!(orderer.get("/staff").await.body.contains("Carla Holm"));
    }

    /// Orders about one account from its page: a change of roles (with the deviation's
    /// reason required), an extension (its end date required) and the end of the account;
    /// each refusal named on its field with nothing created; another supplier's orderer
    /// cannot order for the account.
    async fn orders_about_one_account_from_its_page(b: TestBackend) {
        // REQ: REQ-1, REQ-4, X-10
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let orderer_api = t.scoped_token(UserRole::SupplierOrderer, Some(s.supplier_a), None, Some(s.person_a)).await;
        for kind in ["no_remote_control_software", "backup_routines"] {
            t.post(&format!("/api/v1/agreements/{}/attestations", s.agreement_a), &orderer_api, &serde_json::json!({ "kind": kind, "attested_by": "Anna Berg" })).await;
        }
        let account = Uuid::now_v7();
        let acc = store::NewAccount {
            id: account,
            person_id: s.person_a,
            system_id: s.system,
            agreement_id: Some(s.agreement_a),
            username: "omsab1".into(),
            status: "active",
            valid_from: domain::time::Date::parse("2026-01-01").unwrap(),
            valid_to: Some(domain::time::Date::parse("2026-12-31").unwrap()),
            roles: vec![(s.role, Some(s.profile))],
        };
        t.app.import_accounts(&Actor::system("test"), &[acc]).await.unwrap();
        let requests = || async { t.app.store().list_requests(&store::RequestQuery { limit: 100, ..Default::default() }).await.unwrap().0 };

        let pw = create_user(&t.app, "bestiller-a", UserRole::SupplierOrderer, Some(s.supplier_a), None, Some(s.person_a)).await;
        let web = Browser::new(&t.base);
        login(&web, &t.app, "bestiller-a", &pw).await;
        let page_path = format!("/accounts/{account}");
        let order = format!("{page_path}/order");
        let page = web.get(&page_path).await;
        assert!(page.body.contains("Order change of roles") && page.body.contains("Order extension"), "{}", page.body);
        let later = (chrono::Utc::now() + chrono::Duration::days(40)).format("%Y-%m-%d").to_string();

        // Refusals, each on its field, nothing created.
        let p = web.submit(&page_path, &order, &[("kind", "extension"), ("wanted_start", &later)]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains(r#"id="extension-end_date-error""#), "{}", p.body);
        let profile = s.profile.to_string();
        let p = web.submit(&page_path, &order, &[("kind", "change_roles"), ("remove_profiles", &profile), ("wanted_start", &later)]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains(r#"id="change_roles-deviation_reason-error""#), "{}", p.body);
        // One id per field on the page (WCAG 4.1.1): the three forms share field names.
        for id in ["change_roles-comment", "extension-comment", "termination-comment", "change_roles-wanted_start", "extension-wanted_start"] {
            assert_eq!(p.body.matches(&format!(r#"id="{id}""#)).count(), 1, "{id}");
        }
        assert!(p.body.contains(r#"value="{}" checked"#.replace("{}", &profile).as_str()), "the ticked profile stays ticked");
        let job = s.job_profile.to_string();
        let p = web.submit(&page_path, &order, &[("kind", "change_roles"), ("job_profile_id", &job), ("wanted_start", &later)]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "a sensitive role needs the needs assessment (X-10)");
        assert!(requests().await.is_empty());

        // Another supplier's orderer cannot order for the account.
        let pw_b = create_user(&t.app, "bestiller-b", UserRole::SupplierOrderer, Some(s.supplier_b), None, Some(s.person_b)).await;
        let other = Browser::new(&t.base);
        login(&other, &t.app, "bestiller-b", &pw_b).await;
        let p = other.submit("/requests", &order, &[("kind", "termination")]).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        assert!(requests().await.is_empty());

        // A change of roles and an extension go to approval.
        let p = web
            .submit(&page_path, &order, &[("kind", "change_roles"), ("job_profile_id", &job), ("wanted_start", &later), ("needs_assessment_ref", "Behovsvurdering 7")])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert!(p.location.ends_with("?done=submitted"));
        let p = web.submit(&page_path, &order, &[("kind", "extension"), ("wanted_start", &later), ("end_date", "2027-06-30")]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let all = requests().await;
        let kinds: Vec<&str> = all.iter().map(|r| r.body["kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"change_roles") && kinds.contains(&"extension"), "{kinds:?}");
        assert!(all.iter().all(|r| r.body["account_id"] == account.to_string() && r.body["state"] == "submitted"));

        // Ending the account needs no approval.
        let p = web.submit(&page_path, &order, &[("kind", "termination")]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert!(p.location.ends_with("?done=account_ended"));
        let closed = web.get(&p.location).await.body;
        assert!(closed.contains("The account is closed in Portvagt."), "{closed}");
        let ended = requests().await.into_iter().find(|r| r.body["kind"] == "termination").unwrap();
        assert_eq!(ended.body["account_id"], account.to_string());
        assert_ne!(ended.body["state"], "submitted", "approved at once");
    }
}
