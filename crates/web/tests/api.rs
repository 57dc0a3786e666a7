//! The JSON API, through HTTP, on SQLite and PostgreSQL (`name::sqlite`, `name::postgres`).

mod common;

use common::{TestApp, agreement_body, person_body, problem, seed};
use domain::authz::UserRole;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use store::backend_tests;
use store::testing::TestBackend;

backend_tests! {
    /// A supplier's orderer can neither read nor change another supplier's rows, for
    /// every registry resource: reads of the other supplier's ids are 404 (nothing
    /// leaked), lists hold only its own rows, writes are 404 or refused.
    async fn tenant_isolation_for_every_registry_resource(b: TestBackend) {
        // REQ: AUTH-4
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let a = t.token(UserRole::SupplierOrderer, Some(s.supplier_a)).await;

        // Own rows are visible, the other supplier's are not there at all.
        for (plural, own, other) in [
            ("suppliers", s.supplier_a, s.supplier_b),
            ("persons", s.person_a, s.person_b),
            ("orderers", s.orderer_a, s.orderer_b),
            ("agreements", s.agreement_a, s.agreement_b),
        ] {
            assert_eq!(t.get(&format!("/api/v1/{plural}/{own}"), &a).await.status(), StatusCode::OK, "{plural}");
            let v = problem(t.get(&format!("/api/v1/{plural}/{other}"), &a).await, StatusCode::NOT_FOUND).await;
            assert!(!v.to_string().contains(&other.to_string()), "{plural}: the problem leaks nothing");
            let list: Value = t.get(&format!("/api/v1/{plural}"), &a).await.json().await.unwrap();
            let ids: Vec<&str> = list["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
            assert_eq!(ids, vec![own.to_string()], "{plural}: only own rows");
            let list: Value = t.get(&format!("/api/v1/{plural}?supplier_id={}", s.supplier_b), &a).await.json().await.unwrap();
            assert_eq!(list["total"], 0, "{plural}: filtering on another supplier finds nothing");
            let res = t.post(&format!("/api/v1/{plural}/{other}/deactivate"), &a, &json!({})).await;
            assert!(matches!(res.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{plural}: {}", res.status());
        }
        // The catalogue is readable but not writable.
        for (plural, id) in [("departments", s.department), ("systems", s.system), ("roles", s.role), ("profiles", s.profile), ("job-profiles", s.job_profile)] {
            assert_eq!(t.get(&format!("/api/v1/{plural}/{id}"), &a).await.status(), StatusCode::OK, "{plural}");
            let res = t.post(&format!("/api/v1/{plural}/{id}/deactivate"), &a, &json!({})).await;
            problem(res, StatusCode::FORBIDDEN).await;
        }
        problem(t.post("/api/v1/suppliers", &a, &json!({ "name": "X", "org_number": "29189838" })).await, StatusCode::FORBIDDEN).await;
        problem(t.post("/api/v1/agreements", &a, &agreement_body(s.supplier_a, s.system, s.profile)).await, StatusCode::FORBIDDEN).await;

        // Writes to the other supplier's person: not found; a new person for the other
        // supplier: an unknown reference; handing one's own person to them: refused.
        let before = t.audit_count().await;
        problem(t.put(&format!("/api/v1/persons/{}", s.person_b), &a, &person_body("Bo Dahl", s.supplier_a, "020285-4321")).await, StatusCode::NOT_FOUND).await;
        let v = problem(t.post("/api/v1/persons", &a, &person_body("Ny", s.supplier_b, "030390-1111")).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("not-affiliated"), Some("affiliations")));
        let v = problem(t.put(&format!("/api/v1/persons/{}", s.person_a), &a, &person_body("Anna Berg", s.supplier_b, "010190-1234")).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "other-supplier");
        assert_eq!(t.audit_count().await, before + 1, "nothing written but the record of the refused attempt (F-08)");
        let denied = t.app.store().recent_audit(None, 1).await.unwrap().remove(0);
        assert_eq!((denied.action.as_str(), denied.outcome.as_str()), ("access.denied", "denied"));
        assert_eq!(denied.resource_id.as_deref(), Some(s.person_b.to_string().as_str()), "which id was tried");

        // Signing, and finding persons by CPR, stay within the own supplier.
        problem(t.post(&format!("/api/v1/agreements/{}/acceptances", s.agreement_b), &a, &json!({ "name": "Ole", "title": "Direktør" })).await, StatusCode::NOT_FOUND).await;
        let found: Value = t.post("/api/v1/persons/lookup", &a, &json!({ "national_id": { "kind": "cpr", "value": "020285-4321" } })).await.json().await.unwrap();
        assert_eq!(found["total"], 0);
        let found: Value = t.post("/api/v1/persons/lookup", &a, &json!({ "national_id": { "kind": "cpr", "value": "0101901234" } })).await.json().await.unwrap();
        assert_eq!(found["items"][0]["id"], s.person_a.to_string());

        // The orderer maintains its own staff.
        let created = t.post("/api/v1/persons", &a, &person_body("Carla Holm", s.supplier_a, "040495-2222")).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        // And tokens are for administrators only.
        problem(t.get("/api/v1/tokens", &a).await, StatusCode::FORBIDDEN).await;
    }

    /// Each kind of bad input gets a problem naming the field, and nothing is written.
    async fn bad_input_is_refused_naming_the_field_and_nothing_is_written(b: TestBackend) {
        // REQ: ORG-3, ORG-4, AGR-1, AGR-2
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let audit = t.audit_count().await;
        let c = t.coordinator.clone();
        let cases: Vec<(&str, Value, StatusCode, &str, &str)> = vec![
            ("suppliers", json!({ "name": "X", "org_number": "1234567" }), StatusCode::UNPROCESSABLE_ENTITY, "org-number-format", "org_number"),
            ("suppliers", json!({ "name": "X", "org_number": "29189839" }), StatusCode::UNPROCESSABLE_ENTITY, "cvr-checksum", "org_number"),
            ("suppliers", json!({ "name": "X", "org_number": "556036-0794" }), StatusCode::UNPROCESSABLE_ENTITY, "se-org-number-checksum", "org_number"),
            ("suppliers", json!({ "name": "Dublet", "org_number": "29189838" }), StatusCode::CONFLICT, "duplicate-key", "org_number"),
            ("suppliers", json!({ "name": "", "org_number": "29189838" }), StatusCode::UNPROCESSABLE_ENTITY, "empty", "name"),
            ("suppliers", json!({ "name": "X", "org_number": "29189838", "colour": "red" }), StatusCode::UNPROCESSABLE_ENTITY, "unknown-field", "colour"),
            ("suppliers", json!({ "name": 42, "org_number": "29189838" }), StatusCode::UNPROCESSABLE_ENTITY, "wrong-type", "name"),
            ("suppliers", json!({ "org_number": "29189838" }), StatusCode::UNPROCESSABLE_ENTITY, "missing-field", "name"),
            ("persons", person_body("P", s.supplier_a, "01019-1234"), StatusCode::UNPROCESSABLE_ENTITY, "cpr-format", "national_id"),
            ("persons", person_body("P", s.supplier_a, "310290-1234"), StatusCode::UNPROCESSABLE_ENTITY, "cpr-date", "national_id"),
            ("persons", json!({ "name": "P", "national_id": { "kind": "personnummer", "value": "121212-1213" } }), StatusCode::UNPROCESSABLE_ENTITY, "personnummer-checksum", "national_id"),
            // As people write it: a plain string, the kind from its format.
            ("persons", json!({ "name": "P", "national_id": "123" }), StatusCode::UNPROCESSABLE_ENTITY, "national-id-format", "national_id"),
            ("persons", json!({ "name": "P", "national_id": "310290-1234" }), StatusCode::UNPROCESSABLE_ENTITY, "cpr-date", "national_id"),
            ("persons", json!({ "name": "P", "national_id": "19121212-1213" }), StatusCode::UNPROCESSABLE_ENTITY, "personnummer-checksum", "national_id"),
            ("agreements", json!({ "valid_to": "2025-12-31" }), StatusCode::UNPROCESSABLE_ENTITY, "ends-before-start", "valid_to"),
            ("agreements", json!({ "scope": { "systems": [uuid::Uuid::now_v7()], "profiles": [], "user_cap": 4 } }), StatusCode::UNPROCESSABLE_ENTITY, "unknown-reference", "scope.systems[0]"),
            ("agreements", json!({ "scope": { "systems": [s.system], "profiles": [s.supplier_a], "user_cap": 4 } }), StatusCode::UNPROCESSABLE_ENTITY, "unknown-reference", "scope.profiles[0]"),
            ("agreements", json!({ "scope": { "systems": [s.system], "profiles": [], "user_cap": 0 } }), StatusCode::UNPROCESSABLE_ENTITY, "user-cap-zero", "scope.user_cap"),
            ("agreements", json!({ "valid_from": "2026-02-30" }), StatusCode::UNPROCESSABLE_ENTITY, "date-format", "valid_from"),
            ("agreements", json!({ "data_processing": { "dpa_in_place": false, "allows_export": true } }), StatusCode::UNPROCESSABLE_ENTITY, "export-without-dpa", "data_processing.allows_export"),
            ("profiles", json!({ "system_id": s.system, "code": "P2", "name": "P2", "roles": [] }), StatusCode::UNPROCESSABLE_ENTITY, "list-empty", "roles"),
        ]
        .into_iter()
        .map(|(plural, body, status, code, field)| {
            // An agreement case is the valid agreement with the given fields replaced.
            let body = if plural == "agreements" {
                let mut base = agreement_body(s.supplier_a, s.system, s.profile);
                for (k, v) in body.as_object().unwrap() {
                    base[k] = v.clone();
                }
                base
            } else {
                body
            };
            (plural, body, status, code, field)
        })
        .collect();
        for (plural, body, status, code, field) in cases {
            let before = t.count(plural).await;
            let v = problem(t.post(&format!("/api/v1/{plural}"), &c, &body).await, status).await;
            assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some(code), Some(field)), "{plural} {body}: {v}");
            assert!(v["detail"].as_str().unwrap().contains(field.split('.').next().unwrap()), "the message names the field: {v}");
            assert_eq!(t.count(plural).await, before, "{plural}: nothing written for {code}");
        }

        // Malformed JSON, a body over 1 MiB, a body that is not JSON.
        let res = t.req(Method::POST, "/api/v1/suppliers", &c).header("content-type", "application/json").body("{\"name\": ").send().await.unwrap();
        assert_eq!(problem(res, StatusCode::BAD_REQUEST).await["code"], "malformed-body");
        let huge = json!({ "name": "x".repeat(2 * 1024 * 1024), "org_number": "12345674" });
        let v = problem(t.post("/api/v1/suppliers", &c, &huge).await, StatusCode::PAYLOAD_TOO_LARGE).await;
        assert_eq!(v["code"], "body-too-large");
        let res = t.req(Method::POST, "/api/v1/suppliers", &c).header("content-type", "text/plain").body("name=x").send().await.unwrap();
        problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;

        // Paging past the end and unknown or malformed query parameters.
        let v = problem(t.get("/api/v1/suppliers?page=5&page_size=1", &c).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("page-past-end"), Some("page")));
        assert!(v["detail"].as_str().unwrap().contains("(2)"), "names the last page: {v}");
        let v = problem(t.get("/api/v1/suppliers?colour=red", &c).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("unknown-field"), Some("colour")));
        let v = problem(t.get("/api/v1/suppliers?page_size=abc", &c).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["field"], "page_size");
        let v = problem(t.get("/api/v1/suppliers?page_size=100000", &c).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "page-size");
        problem(t.get("/api/v1/suppliers/not-a-uuid", &c).await, StatusCode::NOT_FOUND).await;

        assert_eq!(t.audit_count().await, audit, "no audit event: nothing was written");
    }

    async fn problems_are_translated_by_accept_language(b: TestBackend) {
        // REQ: OPS-2
        let t = TestApp::spawn(b).await;
        let body = json!({ "name": "X", "org_number": "29189839" });
        let mut details = Vec::new();
        for lang in ["da", "sv", "en"] {
            let res = t.http.post(format!("{}/api/v1/suppliers", t.base)).bearer_auth(&t.coordinator).header("Accept-Language", lang).json(&body).send().await.unwrap();
            assert_eq!(res.headers()["content-language"], lang);
            let v = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(v["type"], "urn:portvagt:problem:cvr-checksum", "the type is the same in every language");
            details.push(v["detail"].as_str().unwrap().to_string());
        }
        assert!(details[0].contains("kontrolcifferet") && details[1].contains("kontrollsiffran") && details[2].contains("check digit"), "{details:?}");
        let res = t.http.get(format!("{}/api/v1/suppliers", t.base)).send().await.unwrap();
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        assert_eq!(problem(res, StatusCode::UNAUTHORIZED).await["title"], "Ikke logget ind", "Danish by default");
    }

    async fn api_tokens_are_hashed_shown_once_scoped_and_revocable(b: TestBackend) {
        // REQ: AUTH-4
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let res = t.post("/api/v1/tokens", &t.admin, &json!({ "name": "Omsorg A HR", "role": "supplier_orderer", "supplier_id": s.supplier_a })).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let issued: Value = res.json().await.unwrap();
        let token = issued["token"].as_str().unwrap().to_string();
        let id = issued["id"].as_str().unwrap().to_string();

        let pool = sqlx::AnyPool::connect(&t.db.url).await.unwrap();
        let stored: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM api_tokens").fetch_all(&pool).await.unwrap();
        assert!(stored.iter().all(|(h,)| h.len() == 64 && !h.contains(&token[4..])), "only hashes are stored");
        let list: Value = t.get("/api/v1/tokens", &t.admin).await.json().await.unwrap();
        assert!(!list.to_string().contains(&token), "the secret is not shown again");

        // Scoped: the token acts as that supplier's orderer.
        assert_eq!(t.get(&format!("/api/v1/suppliers/{}", s.supplier_a), &token).await.status(), StatusCode::OK);
        problem(t.get(&format!("/api/v1/suppliers/{}", s.supplier_b), &token).await, StatusCode::NOT_FOUND).await;

        // Role and organisation must fit; the supplier must exist.
        let v = problem(t.post("/api/v1/tokens", &t.admin, &json!({ "name": "x", "role": "supplier_orderer" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "role-needs-supplier");
        let v = problem(t.post("/api/v1/tokens", &t.admin, &json!({ "name": "x", "role": "auditor", "supplier_id": s.supplier_a })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "role-forbids-supplier");
        let v = problem(t.post("/api/v1/tokens", &t.admin, &json!({ "name": "x", "role": "supplier_orderer", "supplier_id": s.person_a })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "unknown-reference");
        let v = problem(t.post("/api/v1/tokens", &t.admin, &json!({ "name": "x", "role": "king" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["field"], "role");
        problem(t.post("/api/v1/tokens", &t.coordinator, &json!({ "name": "x", "role": "auditor" })).await, StatusCode::FORBIDDEN).await;

        // Revoked: refused at once.
        let res = t.post(&format!("/api/v1/tokens/{id}/revoke"), &t.admin, &json!({})).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.json::<Value>().await.unwrap()["revoked_at"].is_string());
        problem(t.get(&format!("/api/v1/suppliers/{}", s.supplier_a), &token).await, StatusCode::UNAUTHORIZED).await;
        problem(t.get("/api/v1/suppliers", "pvt_forged").await, StatusCode::UNAUTHORIZED).await;

        // An auditor reads everything and changes nothing.
        let auditor = t.token(UserRole::Auditor, None).await;
        assert_eq!(t.get(&format!("/api/v1/persons/{}", s.person_b), &auditor).await.status(), StatusCode::OK);
        problem(t.post("/api/v1/departments", &auditor, &json!({ "name": "X", "code": "X" })).await, StatusCode::FORBIDDEN).await;
    }

    /// The first-run administrator logs in with the one-time password, must replace it
    /// following the preset's rules, and repeated failures lock the account.
    async fn first_run_administrator_login_password_rules_and_lockout(b: TestBackend) {
        // REQ: AUTH-2, AUTH-3, X-7
        let t = TestApp::spawn(b).await;
        let (user, one_time) = t.app.bootstrap_admin().await.unwrap().unwrap();
        assert!(t.app.bootstrap_admin().await.unwrap().is_none(), "only on first run");
        let login = |body: Value| { let t = &t; async move { t.http.post(format!("{}/api/v1/auth/token", t.base)).header("Accept-Language", "en").json(&body).send().await.unwrap() } };

        let v = problem(login(json!({ "username": user, "password": one_time })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "password-change-required");
        let v = problem(login(json!({ "username": user, "password": one_time, "new_password": "kort" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("password-too-short"), Some("new_password")));
        let v = problem(login(json!({ "username": user, "password": one_time, "new_password": "Blåbærgrød2026" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "password-forbidden-character", "Tårnby: no æøå");
        let v = problem(login(json!({ "username": user, "password": one_time, "new_password": "Password123" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "password-breached", "a password from the breach list (X-6)");

        // F-01: the administrator must use a second factor, so a password alone gets no
        // token, and nothing is changed: the first login is done in the pages.
        let v = problem(login(json!({ "username": user, "password": one_time, "new_password": "Vinterferie2026" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("totp-not-enrolled"), Some("totp_code")));
        let started = t.app.start_session(&user, &one_time).await.expect("the one-time password still holds");
        let session = t.app.web_session(&started.secret).await.unwrap();
        let step = t.app.change_first_password(&session, "Vinterferie2026", "Vinterferie2026").await.unwrap();
        assert!(step.new_secret.is_none(), "not logged in yet: the second factor comes next");
        let session = t.app.web_session(&started.secret).await.unwrap();
        let secret = t.app.totp_enrolment(&session).await.unwrap().secret;
        let step = t.app.confirm_totp(&session, &app::App::totp_code(&secret, t.app.now()).unwrap()).await.unwrap();
        let fresh = step.new_secret.expect("F-14: a new session secret once the login completes");
        assert!(t.app.web_session(&started.secret).await.is_err(), "the secret of the unfinished login is worth nothing");
        assert!(t.app.web_session(&fresh).await.is_ok());

        let v = problem(login(json!({ "username": user, "password": "Vinterferie2026" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("totp-required"), Some("totp_code")));
        assert!(v["detail"].as_str().unwrap().contains("authenticator app"), "{v}");
        let next = domain::time::Timestamp(t.app.now().0 + chrono::Duration::seconds(30));
        let code = app::App::totp_code(&secret, next).unwrap();
        let res = login(json!({ "username": user, "password": "Vinterferie2026", "totp_code": code })).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
        assert_eq!(t.get("/api/v1/tokens", &token).await.status(), StatusCode::OK, "an administrator's token");
        let v = problem(login(json!({ "username": user, "password": "Vinterferie2026", "totp_code": code })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "totp-invalid", "a code counts once");
        problem(login(json!({ "username": user, "password": one_time })).await, StatusCode::UNAUTHORIZED).await;

        // Unknown users and wrong passwords look the same; both are audited.
        problem(login(json!({ "username": "mallory", "password": "x" })).await, StatusCode::UNAUTHORIZED).await;
        let events = t.app.store().recent_audit(None, 50).await.unwrap();
        assert!(events.iter().any(|e| e.action == "login.failed" && e.details.contains("unknown_user")));

        // Lockout after the preset's attempts (5 in Tårnby's), for 30 minutes. A locked
        // user gets the answer of a wrong password, so a lock does not tell that the name
        // exists (F-13); the lock is audited.
        for _ in 0..5 {
            problem(login(json!({ "username": user, "password": "wrong" })).await, StatusCode::UNAUTHORIZED).await;
        }
        let locked = problem(login(json!({ "username": user, "password": "Vinterferie2026" })).await, StatusCode::UNAUTHORIZED).await;
        let unknown = problem(login(json!({ "username": "mallory", "password": "Vinterferie2026" })).await, StatusCode::UNAUTHORIZED).await;
        assert_eq!(locked, unknown, "one answer for a locked and an unknown user");
        let events = t.app.store().recent_audit(None, 50).await.unwrap();
        assert!(events.iter().any(|e| e.action == "login.locked"));
    }

    async fn updates_need_the_current_version_and_are_audited(b: TestBackend) {
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let path = format!("/api/v1/departments/{}", s.department);
        let res = t.get(&path, &t.coordinator).await;
        assert_eq!(res.headers()["etag"], "\"1\"");
        let body = json!({ "name": "Hjemmeplejen Nord", "code": "HJ", "head": { "name": "Lone Kristensen", "email": "lone@kommune.dk" } });
        let res = t.req(Method::PUT, &path, &t.coordinator).header("If-Match", "\"1\"").json(&body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.json::<Value>().await.unwrap()["version"], 2);
        let res = t.req(Method::PUT, &path, &t.coordinator).header("If-Match", "\"1\"").json(&body).send().await.unwrap();
        let v = problem(res, StatusCode::CONFLICT).await;
        assert_eq!(v["code"], "stale-version");
        let history = t.app.store().recent_audit(Some(s.department), 10).await.unwrap();
        assert_eq!(history[0].action, "registry.update");
        assert!(history[0].details.contains("\"name\""), "{}", history[0].details);
        let res = t.post(&format!("{path}/deactivate"), &t.coordinator, &json!({})).await;
        assert_eq!(res.json::<Value>().await.unwrap()["active"], false);
        let v = problem(t.post("/api/v1/systems", &t.coordinator, &json!({ "name": "AD", "code": "AD", "owner_department_id": s.department, "connector": "ldap", "logs_transactions": false })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("inactive-reference"), Some("owner_department_id")));
        let inactive: Value = t.get("/api/v1/departments?active=false", &t.coordinator).await.json().await.unwrap();
        assert_eq!(inactive["total"], 1);
    }

    async fn profile_flags_follow_their_roles(b: TestBackend) {
        // REQ: SYS-2, SYS-4
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let p: Value = t.get(&format!("/api/v1/profiles/{}", s.profile), &t.coordinator).await.json().await.unwrap();
        assert_eq!(p["flags"], json!({ "read_only": true, "allows_export": false, "privileged": false, "sensitive": true }));
        let role = json!({ "system_id": s.system, "code": "NEX-LÆS", "name": "Læs og udtræk", "flags": { "read_only": true, "allows_export": true, "privileged": false, "sensitive": true }, "transaction_types": ["VIS-BORGER", "UDTRÆK"] });
        assert_eq!(t.put(&format!("/api/v1/roles/{}", s.role), &t.coordinator, &role).await.status(), StatusCode::OK);
        let p: Value = t.get(&format!("/api/v1/profiles/{}", s.profile), &t.coordinator).await.json().await.unwrap();
        assert_eq!(p["flags"]["allows_export"], true, "re-derived when the role changed");
        let roles: Value = t.get(&format!("/api/v1/roles?refers_to={}", s.system), &t.coordinator).await.json().await.unwrap();
        assert_eq!(roles["items"][0]["transaction_types"], json!(["VIS-BORGER", "UDTRÆK"]));
        // A role of another system cannot join the profile.
        let other = t.create("systems", json!({ "name": "AD", "code": "AD", "owner_department_id": s.department, "connector": "ldap", "logs_transactions": false })).await;
        let ad_role = t.create("roles", json!({ "system_id": other, "code": "AD-LOGON", "name": "Logon", "flags": { "read_only": false, "allows_export": false, "privileged": false, "sensitive": false } })).await;
        let v = problem(t.put(&format!("/api/v1/profiles/{}", s.profile), &t.coordinator, &json!({ "system_id": s.system, "code": "OMSORGSJOURNAL", "name": "Omsorgsjournal", "roles": [s.role, ad_role] })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("wrong-system"), Some("roles[1]")));
        // An agreement cannot list a profile of a system outside its scope.
        let ad_profile = t.create("profiles", json!({ "system_id": other, "code": "AD-LOGON", "name": "Logon", "roles": [ad_role] })).await;
        let mut a = agreement_body(s.supplier_a, s.system, s.profile);
        a["scope"]["profiles"] = json!([s.profile, ad_profile]);
        let v = problem(t.post("/api/v1/agreements", &t.coordinator, &a).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("profile-outside-scope"), Some("scope.profiles[1]")));
    }

    async fn both_parties_accept_and_the_supplier_attests(b: TestBackend) {
        // REQ: AGR-4, AGR-5
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let a = t.token(UserRole::SupplierOrderer, Some(s.supplier_a)).await;
        let path = format!("/api/v1/agreements/{}", s.agreement_a);
        let res = t.post(&format!("{path}/attestations"), &a, &json!({ "kind": "no_remote_control_software", "attested_by": "Ole Sørensen" })).await;
        assert_eq!(res.status(), StatusCode::OK);
        t.post(&format!("{path}/acceptances"), &a, &json!({ "name": "Ole Sørensen", "title": "Direktør" })).await;
        let v = problem(t.post(&format!("{path}/acceptances"), &a, &json!({ "name": "Ole Sørensen", "title": "Direktør" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "already-accepted");
        let res = t.post(&format!("{path}/acceptances"), &t.coordinator, &json!({ "name": "Brian Hunwartsen", "title": "IT-sikkerhedskoordinator" })).await;
        let agreement: Value = res.json().await.unwrap();
        let parties: Vec<&str> = agreement["acceptances"].as_array().unwrap().iter().map(|x| x["party"].as_str().unwrap()).collect();
        assert_eq!(parties, vec!["supplier", "municipality"]);
        assert_eq!(agreement["attestations"][0]["attested_by"], "Ole Sørensen");
        // Sending acceptances in an update does nothing; changing the terms clears them.
        let mut body = agreement_body(s.supplier_a, s.system, s.profile);
        body["acceptances"] = json!([]);
        let kept: Value = t.put(&path, &t.coordinator, &body).await.json().await.unwrap();
        assert_eq!(kept["acceptances"].as_array().unwrap().len(), 2);
        body["scope"]["user_cap"] = json!(10);
        let changed: Value = t.put(&path, &t.coordinator, &body).await.json().await.unwrap();
        assert_eq!(changed["acceptances"], json!([]));
        assert_eq!(changed["attestations"].as_array().unwrap().len(), 1);
        let dpo = t.token(UserRole::Dpo, None).await;
        problem(t.post(&format!("{path}/acceptances"), &dpo, &json!({ "name": "X", "title": "Y" })).await, StatusCode::FORBIDDEN).await;
    }

    async fn municipality_profile_selects_the_policy_preset(b: TestBackend) {
        // REQ: ORG-1, OPS-3, X-6
        let t = TestApp::spawn_with_preset(b, "viborg").await;
        problem(t.get("/api/v1/municipality", &t.coordinator).await, StatusCode::NOT_FOUND).await;
        let policy: Value = t.get("/api/v1/policy", &t.coordinator).await.json().await.unwrap();
        assert_eq!(policy["preset"], "viborg");
        assert_eq!(policy["deviations_from_guidance"], json!([]));
        let mut m = json!({ "name": "Tårnby Kommune", "org_number": "29189838", "dpo": { "name": "DPO", "email": "dpo@taarnby.dk" }, "policy_preset": "atlantis" });
        let v = problem(t.put("/api/v1/municipality", &t.coordinator, &m).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("unknown-preset"), Some("policy_preset")));
        // F-03: the coordinator keeps the profile but does not change the preset; the
        // administrator does, and the change is audited from what to what.
        m["policy_preset"] = json!("taarnby");
        let v = problem(t.put("/api/v1/municipality", &t.coordinator, &m).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("policy-by-administrator"), Some("policy_preset")));
        assert_eq!(t.get("/api/v1/policy", &t.coordinator).await.json::<Value>().await.unwrap()["preset"], "viborg", "unchanged");
        m["policy_preset"] = json!("viborg");
        assert_eq!(t.put("/api/v1/municipality", &t.coordinator, &m).await.status(), StatusCode::OK, "the profile as it is");
        m["policy_preset"] = json!("taarnby");
        let res = t.req(Method::PUT, "/api/v1/municipality", &t.admin).header("If-Match", "\"1\"").json(&m).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let events = t.app.store().recent_audit(None, 5).await.unwrap();
        let change = events.iter().find(|e| e.action == "registry.update" && e.resource_kind == "municipality").unwrap();
        let details: Value = serde_json::from_str(&change.details).unwrap();
        assert_eq!(details["policy_preset"], json!({ "from": "VIBORG", "to": "TAARNBY" }), "{details}");
        let policy: Value = t.get("/api/v1/policy", &t.coordinator).await.json().await.unwrap();
        assert_eq!(policy["preset"], "taarnby");
        assert_eq!(policy["policy"]["accounts"]["username_quarantine_months"]["value"], 24);
        assert!(policy["policy"]["accounts"]["username_quarantine_months"]["source"]["reference"].as_str().unwrap().contains("s. 62"));
        assert!(policy["deviations_from_guidance"].as_array().unwrap().iter().any(|d| d["code"] == "deviation-forced-rotation"));
        let supplier = t.create("suppliers", json!({ "name": "Omsorg A ApS", "org_number": "29189838" })).await;
        let orderer = t.token(UserRole::SupplierOrderer, Some(supplier)).await;
        problem(t.put("/api/v1/municipality", &orderer, &m).await, StatusCode::FORBIDDEN).await;
    }

    async fn national_ids_are_write_only(b: TestBackend) {
        // REQ: ORG-4, LOG-5
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let p: Value = t.get(&format!("/api/v1/persons/{}", s.person_a), &t.coordinator).await.json().await.unwrap();
        assert!(p.get("national_id").is_none());
        assert_eq!(p["national_id_on_file"], true);
        assert!(!p.to_string().contains("010190"));
        // An update without a national id keeps the stored one.
        let body = json!({ "name": "Anna Berg-Holm", "affiliations": [{ "supplier_id": s.supplier_a, "from": "2026-01-01" }] });
        let p: Value = t.put(&format!("/api/v1/persons/{}", s.person_a), &t.coordinator, &body).await.json().await.unwrap();
        assert_eq!(p["national_id_on_file"], true);
        let found: Value = t.post("/api/v1/persons/lookup", &t.coordinator, &json!({ "national_id": { "kind": "cpr", "value": "010190-1234" } })).await.json().await.unwrap();
        assert_eq!(found["items"][0]["name"], "Anna Berg-Holm");
        let v = problem(t.post("/api/v1/persons/lookup", &t.coordinator, &json!({ "national_id": { "kind": "cpr", "value": "999999-9999" } })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["field"], "national_id");
        // Typed as people write it: with or without the dash, the kind from the format.
        let found: Value = t.post("/api/v1/persons/lookup", &t.coordinator, &json!({ "national_id": "0101901234" })).await.json().await.unwrap();
        assert_eq!(found["items"][0]["name"], "Anna Berg-Holm");
        let body = json!({ "name": "Sven Svensson", "national_id": "19121212-1212", "affiliations": [{ "supplier_id": s.supplier_a, "from": "2026-01-01" }] });
        let created: Value = t.post("/api/v1/persons", &t.coordinator, &body).await.json().await.unwrap();
        assert_eq!(created["national_id_on_file"], true);
        let found: Value = t.post("/api/v1/persons/lookup", &t.coordinator, &json!({ "national_id": "191212121212" })).await.json().await.unwrap();
        assert_eq!(found["items"][0]["name"], "Sven Svensson", "a personnummer with or without the dash");
        let v = problem(t.post("/api/v1/persons/lookup", &t.coordinator, &json!({ "national_id": "12 34" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("national-id-format"), Some("national_id")));
        assert!(v["detail"].as_str().unwrap().contains("DDMMYY-XXXX"), "the expected form: {v}");
        assert!(!v["detail"].as_str().unwrap().contains("expected"), "no parser text: {v}");
    }
}

#[tokio::test]
async fn docs_and_openapi_are_served_with_security_headers() {
    let t = TestApp::spawn(TestBackend::Sqlite).await;
    let res = t.http.get(format!("{}/api/docs", t.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert!(res.text().await.unwrap().contains("/api/docs/swagger-ui-bundle.js"), "the viewer is served locally, no CDN");
    let js = t.http.get(format!("{}/api/docs/swagger-ui-bundle.js", t.base)).send().await.unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(js.text().await.unwrap().len() > 1_000_000);
    let doc: Value = t.http.get(format!("{}/api/v1/openapi.json", t.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/suppliers"]["post"].is_object());
    let health: Value = t.http.get(format!("{}/healthz", t.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
}

/// The committed `openapi.json` must be what the code generates. Run with
/// `UPDATE_OPENAPI=1` to rewrite it after changing the API.
#[test]
fn committed_openapi_json_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json");
    let generated = portvagt_web::openapi_json();
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi.json differs from the API in the code: run `UPDATE_OPENAPI=1 cargo test -p portvagt-web --test api committed_openapi` and commit the file"
    );
}

/// schemathesis (PyPI, installed by the test command) generates requests from the served
/// OpenAPI document: no answer may be a server error, an undocumented status, or a body
/// that contradicts its schema. A fixed seed keeps the run repeatable.
#[tokio::test]
async fn generated_requests_find_no_server_error_and_no_undocumented_answer() {
    let bin = std::env::var("PORTVAGT_TEST_SCHEMATHESIS").unwrap_or_else(|_| {
        panic!("PORTVAGT_TEST_SCHEMATHESIS is not set: run the test command `./scripts/test`, which installs schemathesis")
    });
    let t = TestApp::spawn(TestBackend::Sqlite).await;
    common::seed(&t).await;
    let args = vec![
        "run".to_string(),
        format!("{}/api/v1/openapi.json", t.base),
        "--url".into(),
        t.base.clone(),
        "-H".into(),
        format!("Authorization: Bearer {}", t.coordinator),
        "-c".into(),
        "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance".into(),
        "-n".into(),
        "5".into(),
        "--phases".into(),
        "examples,coverage,fuzzing".into(),
        "--seed".into(),
        "20261123".into(),
    ];
    // Blocking, off the runtime that serves the API.
    let out =
        tokio::task::spawn_blocking(move || std::process::Command::new(bin).args(args).output()).await.unwrap().expect("run schemathesis");
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "schemathesis found failures:\n{text}");
}
