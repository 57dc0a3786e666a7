//! The security review's findings reproduced through HTTP, each as it was found, on both
//! engines: anti-automation (F-10), HSTS (F-15), refused attempts as evidence (F-08),
//! department scope (F-02, F-12), separation of duties (F-03, F-09), four eyes by the
//! person (F-11), ending access (F-04), SCIM only for the HR machine (F-05), privacy in
//! free text (F-17, F-18) and the existence oracle (F-22).

mod common;

use common::{TestApp, person_body, problem, seed};
use domain::authz::UserRole;
use portvagt_web::limits::{Rate, RateLimits};
use portvagt_web::ui::UiConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::backend_tests;

async fn denied_events(t: &TestApp, action: &str) -> Vec<store::StoredAuditEvent> {
    t.app.store().recent_audit(None, 500).await.unwrap().into_iter().filter(|e| e.action == action).collect()
}

backend_tests! {
    async fn floods_are_refused_with_retry_after_and_recorded_once(b: TestBackend) {
        // REQ: SEC-1
        let limits = RateLimits { login: Rate { per_minute: 6, burst: 3 }, api: Rate { per_minute: 60, burst: 5 }, ingest: Rate { per_minute: 6, burst: 2 } };
        let ui = UiConfig { limits: Some(limits), secure_cookies: true, ..UiConfig::default() };
        let t = TestApp::spawn_with_ui(b, ui).await;
        let login = || t.http.post(format!("{}/api/v1/auth/token", t.base)).json(&json!({ "username": "mallory", "password": "x" })).send();
        for _ in 0..3 {
            assert_eq!(login().await.unwrap().status(), StatusCode::UNAUTHORIZED);
        }
        let before = t.audit_count().await;
        for _ in 0..20 {
            let res = login().await.unwrap();
            assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
            let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&wait), "{wait}");
            let v: Value = res.json().await.unwrap();
            assert_eq!(v["code"], "too-many-requests");
        }
        assert_eq!(t.audit_count().await, before + 1, "twenty refusals, one record: a flood does not flood the log");
        let e = &denied_events(&t, "request.rate_limited").await[0];
        assert_eq!(e.outcome, "denied");
        assert!(e.details.contains("\"limit\":\"login\""), "{}", e.details);

        // One token's calls do not use up another's.
        let auditor = t.token(UserRole::Auditor, None).await;
        let other = t.token(UserRole::Auditor, None).await;
        let mut statuses = Vec::new();
        for _ in 0..8 {
            statuses.push(t.get("/api/v1/systems", &auditor).await.status());
        }
        assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
        assert_eq!(t.get("/api/v1/systems", &other).await.status(), StatusCode::OK);
        let limited = denied_events(&t, "request.rate_limited").await;
        assert!(limited.iter().any(|e| e.actor_role == "auditor"), "the token's caller is named");

        // F-15: behind HTTPS, browsers are told to use nothing else.
        let res = t.http.get(format!("{}/login", t.base)).send().await.unwrap();
        assert!(res.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
    }

    async fn refused_attempts_on_other_organisations_objects_are_evidence(b: TestBackend) {
        // REQ: SEC-1, LOG-1
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let b_orderer = t.scoped_token(UserRole::SupplierOrderer, Some(s.supplier_b), None, Some(s.person_b)).await;
        for path in [format!("/api/v1/persons/{}", s.person_a), format!("/api/v1/agreements/{}", s.agreement_a)] {
            problem(t.get(&path, &b_orderer).await, StatusCode::NOT_FOUND).await;
        }
        let denied = denied_events(&t, "access.denied").await;
        assert_eq!(denied.len(), 2, "every probe is recorded");
        assert!(denied.iter().all(|e| e.actor_role == "supplier_orderer" && e.outcome == "denied"));
        assert!(denied.iter().any(|e| e.resource_id.as_deref() == Some(s.person_a.to_string().as_str())));
    }

    async fn a_department_head_acts_only_in_their_area(b: TestBackend) {
        // REQ: REQ-2, ACC-4, ACC-7, AUTH-4
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let other_dept = t.create("departments", json!({ "name": "Borgerservice", "code": "BS", "head": { "name": "Bo Borg", "email": "bo@kommune.dk" } })).await;
        let dh2 = t.scoped_token(UserRole::DepartmentHead, None, Some(other_dept), None).await;
        let dh = t.scoped_token(UserRole::DepartmentHead, None, Some(s.department), None).await;
        // F-21: another department's head does not read supplier A's staff.
        problem(t.get(&format!("/api/v1/persons/{}", s.person_a), &dh2).await, StatusCode::NOT_FOUND).await;
        let listed: Value = t.get("/api/v1/persons", &dh2).await.json().await.unwrap();
        assert!(listed["items"].as_array().unwrap().iter().all(|p| p["id"] != s.person_a.to_string()), "{listed}");
        // F-02: nor records evidence, authenticators or terminations for them.
        let before = t.count("persons").await;
        problem(t.post(&format!("/api/v1/persons/{}/evidence", s.person_a), &dh2, &json!({ "kind": "identity_check", "note": "x" })).await, StatusCode::NOT_FOUND).await;
        let auth = json!({ "kind": "token", "serial": "B-1", "issued_on": "2026-11-01", "identity_checked_by": "x" });
        problem(t.post(&format!("/api/v1/persons/{}/authenticators", s.person_a), &dh2, &auth).await, StatusCode::NOT_FOUND).await;
        let termination = json!({ "kind": "termination", "person_id": s.person_a, "wanted_start": "2027-01-01" });
        let v = problem(t.post("/api/v1/requests", &dh2, &termination).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("unknown-reference"), Some("person_id")));
        assert_eq!(t.count("persons").await, before);
        assert!(t.app.store().evidence(s.person_a).await.unwrap().is_empty(), "nothing recorded");
        // The own department's head does.
        let res = t.post(&format!("/api/v1/persons/{}/evidence", s.person_a), &dh, &json!({ "kind": "identity_check", "note": "Pas set" })).await;
        assert_eq!(res.status(), StatusCode::OK);
    }

    async fn the_administrator_runs_the_installation_not_the_log(b: TestBackend) {
        // REQ: LOG-6, X-1, OPS-3
        let t = TestApp::spawn(b).await;
        for (method, path, body) in [
            ("POST", "/api/v1/audit/search", json!({ "subject": "010190-1234" })),
            ("POST", "/api/v1/audit/extracts", json!({ "subject": "010190-1234" })),
        ] {
            let res = t.req(method.parse().unwrap(), path, &t.admin).json(&body).send().await.unwrap();
            problem(res, StatusCode::FORBIDDEN).await;
        }
        // Four eyes by the person (F-11): a second token of the same security officer is
        // the same person, and may not approve their own extract's names.
        let officer = t.staff_person("Sif Sikker").await;
        let so1 = t.scoped_token(UserRole::SecurityOfficer, None, None, Some(officer)).await;
        let so2 = t.scoped_token(UserRole::SecurityOfficer, None, None, Some(officer)).await;
        let other_so = t.scoped_token(UserRole::SecurityOfficer, None, None, None).await;
        let created: Value = t.post("/api/v1/audit/extracts", &so1, &json!({ "subject": "010190-1234" })).await.json().await.unwrap();
        let id = created["id"].as_str().unwrap();
        problem(t.post(&format!("/api/v1/audit/extracts/{id}/approve-names"), &so2, &json!({})).await, StatusCode::FORBIDDEN).await;
        assert_eq!(t.post(&format!("/api/v1/audit/extracts/{id}/approve-names"), &other_so, &json!({})).await.status(), StatusCode::NO_CONTENT);
        // A token of a four-eyes role names its person.
        let res = t.post("/api/v1/tokens", &t.admin, &json!({ "name": "x", "role": "department_head", "department_id": uuid::Uuid::now_v7() })).await;
        let v = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["field"], "person_id");
    }

    async fn inbound_scim_is_the_hr_systems_and_cpr_numbers_stay_out_of_free_text(b: TestBackend) {
        // REQ: ORG-3, X-4, LOG-5
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        // F-05: an orderer's own token (a person behind it) is not the HR system.
        let person_token = t.scoped_token(UserRole::SupplierOrderer, Some(s.supplier_a), None, Some(s.person_a)).await;
        let res = t.get("/scim/v2/Users", &person_token).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let v: Value = res.json().await.unwrap();
        assert!(v["detail"].as_str().unwrap().contains("HR system"), "{v}");
        let hr = t.token(UserRole::SupplierOrderer, Some(s.supplier_a)).await;
        assert_eq!(t.get("/scim/v2/Users", &hr).await.status(), StatusCode::OK);
        // F-17: a CPR number in a name is refused naming the field.
        let v = problem(t.post("/api/v1/persons", &t.coordinator, &person_body("Ole 111111-1118", s.supplier_a, "020285-4321")).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("national-id-in-text"), Some("name")));
        // F-18: a look-up by CPR is recorded, the number as its blind index only.
        let res = t.post("/api/v1/persons/lookup", &hr, &json!({ "national_id": "080808-8888" })).await;
        assert_eq!(res.status(), StatusCode::OK);
        let lookups = denied_events(&t, "person.lookup").await;
        assert_eq!(lookups.len(), 1);
        assert!(!lookups[0].details.contains("080808") && lookups[0].details.contains("subject_key"), "{}", lookups[0].details);
    }

    async fn links_go_only_to_this_site_and_odd_paths_get_a_clear_answer(b: TestBackend) {
        // REQ: AUTH-1
        let t = TestApp::spawn(b).await;
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        // F-06: the login refuses a next that is not a path of this site before anything
        // happens, tabs and line breaks included; never a 500.
        let page = http.get(format!("{}/login", t.base)).send().await.unwrap();
        let cookies: Vec<String> = page.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string()).collect();
        let body = page.text().await.unwrap();
        let at = body.find(r#"name="csrf" value=""#).unwrap() + r#"name="csrf" value=""#.len();
        let csrf = body[at..].split('"').next().unwrap().to_string();
        for next in ["/\t/evil.example/", "//evil.example/", "/\\evil.example/", "/x\r\nSet-Cookie: a=b", "https://evil.example/"] {
            let res = http
                .post(format!("{}/login", t.base))
                .header("Cookie", cookies.join("; "))
                .form(&[("username", "nobody"), ("password", "x"), ("csrf", csrf.as_str()), ("next", next)])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{next:?}");
            assert!(res.headers().get("location").is_none());
            assert!(res.text().await.unwrap().contains("Linket peger ikke på en side i Portvagt"));
        }
        // F-22: an id that is no text answers with a problem document, not the router's text.
        let res = t.get("/api/v1/persons/%FF", &t.coordinator).await;
        let v = problem(res, StatusCode::BAD_REQUEST).await;
        assert_eq!(v["code"], "malformed-path");
        // F-22: the pages allow no inline style.
        let res = http.get(format!("{}/login", t.base)).send().await.unwrap();
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(!csp.contains("unsafe-inline") && csp.contains("style-src 'self'"), "{csp}");
    }

    async fn ending_access_ends_sessions_and_tokens_at_once(b: TestBackend) {
        // REQ: X-8, X-4
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let admin = domain::authz::Actor::system("test");
        let input = |username: &str, role, supplier, person| app::UserInput {
            username: username.into(),
            display_name: username.into(),
            role,
            supplier_id: supplier,
            department_id: None,
            person_id: person,
            oidc_subject: None,
        };
        // F-04 (a): an auditor with a page session and a login token; "End sessions" ends both.
        let (user, one_time) = t.app.create_user(&admin, input("revisor", UserRole::Auditor, None, None)).await.unwrap();
        let login = |body: Value| { let t = &t; async move { t.http.post(format!("{}/api/v1/auth/token", t.base)).json(&body).send().await.unwrap() } };
        let res = login(json!({ "username": "revisor", "password": one_time, "new_password": "Revision-Efterar-2026" })).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
        let page = t.app.start_session("revisor", "Revision-Efterar-2026").await.unwrap();
        assert_eq!(t.get("/api/v1/persons", &token).await.status(), StatusCode::OK);
        let ended = t.app.end_user_sessions(&admin, user.id).await.unwrap();
        assert_eq!(ended, 2, "the page session and the login token");
        assert_eq!(t.get("/api/v1/persons", &token).await.status(), StatusCode::UNAUTHORIZED);
        assert!(t.app.web_session(&page.secret).await.is_err());

        // F-04 (b): a supplier's user whom the HR system reports as a leaver loses the page
        // session at once, not at its idle timeout.
        let (_, pw) = t.app.create_user(&admin, input("leaver", UserRole::SupplierOrderer, Some(s.supplier_a), Some(s.person_a))).await.unwrap();
        let session = t.app.start_session("leaver", &pw).await.unwrap();
        assert!(t.app.web_session(&session.secret).await.is_ok());
        let hr = t.token(UserRole::SupplierOrderer, Some(s.supplier_a)).await;
        let hr_actor = t.app.authenticate(&hr).await.unwrap();
        t.app.report_leaver(&hr_actor, s.person_a).await.unwrap();
        assert!(t.app.web_session(&session.secret).await.is_err(), "the leaver's session ended with the report");
    }

    async fn two_tokens_of_one_person_are_one_person_and_cpr_numbers_stay_out_of_events(b: TestBackend) {
        // REQ: REQ-2, LOG-5
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        // F-11: a department head's two tokens cannot request and approve as two people.
        let lone = t.staff_person("Lone Leder").await;
        let first = t.scoped_token(UserRole::DepartmentHead, None, Some(s.department), Some(lone)).await;
        let second = t.scoped_token(UserRole::DepartmentHead, None, Some(s.department), Some(lone)).await;
        let clerk = t.staff_person("Kim Kontor").await;
        let wanted = (chrono::Utc::now() + chrono::Duration::days(40)).format("%Y-%m-%d").to_string();
        let order = json!({ "kind": "new_account", "person_id": clerk, "system_id": s.system, "job_profile_id": s.job_profile, "wanted_start": wanted, "needs_assessment_ref": "BV-1" });
        let res = t.post("/api/v1/requests", &first, &order).await;
        let status = res.status();
        let created: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().unwrap();
        let v = problem(t.post(&format!("/api/v1/requests/{id}/decision"), &second, &json!({ "decision": "approve" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "same-person");

        // F-17: a CPR number in an inbound event's free text is refused naming the field.
        let req = app::TokenRequest {
            name: domain::text::Name::parse("nexus log").unwrap(),
            role: UserRole::TargetSystem,
            supplier_id: None,
            department_id: None,
            person_id: None,
            system_id: Some(s.system),
            expires_at: None,
        };
        let ts = t.app.create_token(&domain::authz::Actor::system("test"), req).await.unwrap().token;
        let events = json!([
            { "occurred_at": "2026-11-01T08:00:00Z", "username": "040404-4444", "action": "journal.read" },
            { "occurred_at": "2026-11-01T08:00:00Z", "username": "omsmet1", "action": "journal.read.0505055555" },
            { "occurred_at": "2026-11-01T08:00:00Z", "username": "omsmet1", "action": "journal.read", "details": { "note": "030303-3333" } },
        ]);
        let before = t.audit_count().await;
        let res = t.req(reqwest::Method::POST, "/api/v1/audit/events", &ts).header("Idempotency-Key", "cpr-1").json(&events).send().await.unwrap();
        let v = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["username", "action", "details"], "{v}");
        assert!(v["errors"][0]["detail"].as_str().unwrap().contains("CPR number"), "{v}");
        assert_eq!(t.audit_count().await, before, "nothing stored");
    }
}
