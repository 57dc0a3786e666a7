//! The audit log through HTTP, on SQLite and PostgreSQL: ingestion from target-system
//! tokens, bad input, search and export, legal holds, citizen extracts.

mod common;

use app::TokenRequest;
use common::{TestApp, problem, seed};
use domain::audit_action::AuditAction;
use domain::authz::{Actor, UserRole};
use domain::text::Name;
use domain::time::{Date, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use store::NewAccount;
use store::backend_tests;
use uuid::Uuid;

async fn system_token(t: &TestApp, system: Uuid) -> (Uuid, String) {
    let req = TokenRequest {
        name: Name::parse("nexus log").unwrap(),
        role: UserRole::TargetSystem,
        supplier_id: None,
        department_id: None,
        person_id: None,
        system_id: Some(system),
        expires_at: None,
    };
    let issued = t.app.create_token(&Actor::system("test"), req).await.unwrap();
    (issued.id, issued.token)
}

fn line(user: &str, subject: Option<&str>, action: &str) -> Value {
    let mut v =
        json!({ "occurred_at": Timestamp(chrono::Utc::now()).to_string(), "username": user, "action": action, "client_ip": "10.0.0.7" });
    if let Some(s) = subject {
        v["subject"] = json!(s);
        v["criterion"] = json!(format!("cpr={s}"));
    }
    v
}

fn ndjson(lines: &[Value]) -> String {
    lines.iter().map(|l| l.to_string()).collect::<Vec<_>>().join("\n")
}

async fn send(t: &TestApp, token: &str, key: Option<&str>, content_type: &str, body: String, system: Option<Uuid>) -> reqwest::Response {
    let path = match system {
        Some(s) => format!("/api/v1/audit/events?system_id={s}"),
        None => "/api/v1/audit/events".to_string(),
    };
    let mut r = t.req(Method::POST, &path, token).header("Content-Type", content_type).body(body);
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    r.send().await.unwrap()
}

/// An active account `username` for the seed's supplier A person on the seed system.
async fn account(t: &TestApp, s: &common::Seed, username: &str) -> Uuid {
    let id = Uuid::now_v7();
    let mut tx = t.app.store().begin().await.unwrap();
    let acc = NewAccount {
        id,
        person_id: s.person_a,
        system_id: s.system,
        agreement_id: Some(s.agreement_a),
        username: username.into(),
        status: "active",
        valid_from: Date::parse("2026-01-01").unwrap(),
        valid_to: None,
        roles: vec![(s.role, None)],
    };
    tx.insert_accounts(&[acc], t.app.now()).await.unwrap();
    tx.commit(store::AuditRecord::new(&Actor::system("test"), AuditAction::AccountCreate, "account", Some(id), t.app.now())).await.unwrap();
    id
}

backend_tests! {
    /// A target system's batch is stored once, found by data subject and by account,
    /// shown masked, exported defused, and reading it is itself logged.
    async fn a_target_system_reports_events_that_are_found_and_exported(b: TestBackend) {
        // REQ: LOG-2
        // REQ: LOG-6
        // REQ: X-2
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let acc = account(&t, &s, "omsmet1").await;
        let (_, token) = system_token(&t, s.system).await;
        let batch = ndjson(&[
            line("omsmet1", Some("010190-1234"), "journal.read"),
            line("OMSMET1", Some("0101901234"), "journal.search"),
            line("=HYPERLINK(\"x\")", Some("020202-2222"), "journal.read"),
            line("omsmet1", None, "logon"),
        ]);
        let res = send(&t, &token, Some("batch-1"), "application/x-ndjson", batch.clone(), Some(s.system)).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["count"], 4);
        let before = t.audit_count().await;
        let again = send(&t, &token, Some("batch-1"), "application/x-ndjson", batch, None).await;
        assert_eq!(again.status(), StatusCode::OK, "a retried batch is acknowledged, not stored again");
        assert_eq!(again.json::<Value>().await.unwrap()["replayed"], true);
        assert_eq!(t.audit_count().await, before);
        let officer = t.token(UserRole::SecurityOfficer, None).await;
        let found: Value = t.post("/api/v1/audit/search", &officer, &json!({ "subject": "010190-1234" })).await.json().await.unwrap();
        let items = found["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "both spellings of the CPR number: {found}");
        assert_eq!(items[0]["subject"], "010190-xxxx");
        assert_eq!(items[0]["actor"], acc.to_string(), "the username is resolved to Portvagt's account");
        assert_eq!(items[0]["supplier_id"], s.supplier_a.to_string());
        // REQ: LOG-1
        let criterion = items[0]["criterion"].as_str().unwrap_or_default();
        assert!(criterion.starts_with("cpr=010190"), "the security officer reads the search criterion: {found}");
        let coordinator = t.token(UserRole::SecurityCoordinator, None).await;
        let found: Value = t.post("/api/v1/audit/search", &coordinator, &json!({ "subject": "010190-1234" })).await.json().await.unwrap();
        assert!(found["items"][0].get("criterion").is_none(), "not every reader of the log reads the criterion: {found}");
        let by_account: Value = t.post("/api/v1/audit/search", &officer, &json!({ "account_id": acc, "action": "logon" })).await.json().await.unwrap();
        assert_eq!(by_account["items"].as_array().unwrap().len(), 1);
        let shown = t.app.store().account(acc).await.unwrap().unwrap();
        assert!(shown.last_activity_at.is_some(), "a reported logon counts as activity (X-3)");
        // The search itself is an event.
        let reads: Value = t.post("/api/v1/audit/search", &officer, &json!({ "action": "audit.read" })).await.json().await.unwrap();
        assert!(!reads["items"].as_array().unwrap().is_empty());
        // Export: formula cells defused.
        let csv = t.req(Method::POST, "/api/v1/audit/export", &officer).json(&json!({ "system_id": s.system })).send().await.unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let text = csv.text().await.unwrap();
        assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
        assert!(!text.contains("010190-1234") && !text.contains("0101901234"), "no full CPR number in an export");
        // An orderer may not read the log.
        let orderer = t.token(UserRole::SupplierOrderer, Some(s.supplier_a)).await;
        problem(t.post("/api/v1/audit/search", &orderer, &json!({})).await, StatusCode::FORBIDDEN).await;
    }

    /// Every kind of bad input is refused with a clear problem, and nothing is stored.
    async fn bad_batches_are_refused_and_nothing_is_stored(b: TestBackend) {
        // REQ: LOG-2
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let (token_id, token) = system_token(&t, s.system).await;
        let other_system = t.create("systems", json!({ "code": "SD", "name": "SD Løn", "owner_department_id": s.department, "connector": "manual", "logs_transactions": true })).await;
        let before = t.audit_count().await;
        let good = ndjson(&[line("a", None, "logon")]);

        let v = problem(send(&t, &token, Some("k1"), "application/json", "[{\"occurred_at\": ".into(), None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["errors"][0]["code"], "line-json");
        let mut missing = line("a", None, "logon");
        missing.as_object_mut().unwrap().remove("username");
        let mut future = line("b", None, "logon");
        future["occurred_at"] = json!("2099-01-01T00:00:00Z");
        let v = problem(send(&t, &token, Some("k2"), "application/x-ndjson", ndjson(&[line("ok", None, "logon"), missing, future]), None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "batch-invalid");
        let lines: Vec<(u64, &str, &str)> = v["errors"].as_array().unwrap().iter().map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
        assert_eq!(lines, vec![(2, "username", "line-required"), (3, "occurred_at", "line-future")]);
        assert!(v["errors"][1]["detail"].as_str().unwrap().contains("future"));
        // Too many events, too many bytes.
        let many = ndjson(&vec![line("a", None, "logon"); 10_001]);
        problem(send(&t, &token, Some("k3"), "application/x-ndjson", many, None).await, StatusCode::PAYLOAD_TOO_LARGE).await;
        let huge = "x".repeat(17 * 1024 * 1024);
        problem(send(&t, &token, Some("k4"), "application/x-ndjson", huge, None).await, StatusCode::PAYLOAD_TOO_LARGE).await;
        // Headers and media type.
        let v = problem(send(&t, &token, None, "application/x-ndjson", good.clone(), None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "idempotency-key");
        problem(send(&t, &token, Some("k5"), "text/plain", good.clone(), None).await, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
        // Tokens: unknown, another role, another system, revoked.
        problem(send(&t, "pv_unknown", Some("k6"), "application/x-ndjson", good.clone(), None).await, StatusCode::UNAUTHORIZED).await;
        problem(send(&t, &t.coordinator, Some("k7"), "application/x-ndjson", good.clone(), None).await, StatusCode::FORBIDDEN).await;
        let v = problem(send(&t, &token, Some("k8"), "application/x-ndjson", good.clone(), Some(other_system)).await, StatusCode::FORBIDDEN).await;
        assert_eq!(v["code"], "token-wrong-system");
        assert_eq!(t.audit_count().await, before, "nothing was stored");
        t.app.revoke_token(&Actor::system("test"), token_id).await.unwrap();
        problem(send(&t, &token, Some("k9"), "application/x-ndjson", good, None).await, StatusCode::UNAUTHORIZED).await;
        assert_eq!(t.audit_count().await, before + 1, "only the revocation was recorded");
        // A token for the role needs its system.
        let res = t.post("/api/v1/tokens", &t.admin, &json!({ "name": "x", "role": "target_system" })).await;
        assert_eq!(problem(res, StatusCode::UNPROCESSABLE_ENTITY).await["field"], "system_id");
    }

    /// The citizen extract names the accessing organisation; names only after a second
    /// person approved; each step is logged.
    async fn a_citizen_extract_names_organisations_and_persons_only_after_review(b: TestBackend) {
        // REQ: X-1
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        account(&t, &s, "omsmet1").await;
        let (_, token) = system_token(&t, s.system).await;
        let res = send(&t, &token, Some("b"), "application/x-ndjson", ndjson(&[line("omsmet1", Some("010190-1234"), "journal.read"), line("stranger", Some("010190-1234"), "journal.read"), line("omsmet1", Some("020202-2222"), "journal.read")]), None).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let dpo = t.token(UserRole::Dpo, None).await;
        let officer = t.token(UserRole::SecurityOfficer, None).await;
        let v = problem(t.post("/api/v1/audit/extracts", &dpo, &json!({ "subject": "12345" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["field"], "subject");
        let created: Value = t.post("/api/v1/audit/extracts", &dpo, &json!({ "subject": "010190-1234" })).await.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_string();
        let e: Value = t.get(&format!("/api/v1/audit/extracts/{id}"), &dpo).await.json().await.unwrap();
        let entries = e["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "{e}");
        assert_eq!(e["subject"], "010190-xxxx");
        assert!(entries.iter().any(|x| x["organisation"] == "Omsorg A ApS"), "{e}");
        assert!(entries.iter().all(|x| x["person"].is_null()), "no names before review");
        // The one who started it may not approve names.
        let v = problem(t.req(Method::POST, &format!("/api/v1/audit/extracts/{id}/approve-names"), &dpo).send().await.unwrap(), StatusCode::FORBIDDEN).await;
        assert_eq!(v["code"], "names-need-reviewer");
        let res = t.req(Method::POST, &format!("/api/v1/audit/extracts/{id}/approve-names"), &officer).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let e: Value = t.get(&format!("/api/v1/audit/extracts/{id}"), &dpo).await.json().await.unwrap();
        let names: Vec<&str> = e["entries"].as_array().unwrap().iter().filter_map(|x| x["person"].as_str()).collect();
        assert_eq!(names.len(), 2);
        assert!(names.contains(&"stranger"), "{e}");
        let produced: Value = t.post("/api/v1/audit/search", &officer, &json!({ "action": "audit.extract.read" })).await.json().await.unwrap();
        assert_eq!(produced["items"].as_array().unwrap().len(), 2, "producing the extract is logged each time");
    }

    /// Legal holds through the API; proofs verify against the current root.
    async fn holds_and_proofs_through_the_api(b: TestBackend) {
        // REQ: LOG-4
        // REQ: LOG-3
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let (_, token) = system_token(&t, s.system).await;
        send(&t, &token, Some("b"), "application/x-ndjson", ndjson(&[line("u", Some("010190-1234"), "journal.read")]), None).await;
        let officer = t.token(UserRole::SecurityOfficer, None).await;
        let v = problem(t.post("/api/v1/audit/holds", &officer, &json!({ "case_ref": "SAG-1", "reason": "misbrug", "from": "2026-01-02", "to": "2026-01-01" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["field"], "subject");
        let v = problem(t.post("/api/v1/audit/holds", &officer, &json!({ "case_ref": "SAG-1", "reason": "misbrug", "subject": "010190-1234", "from": "2026-01-02", "to": "2026-01-01" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["field"], "to");
        let res = t.post("/api/v1/audit/holds", &officer, &json!({ "case_ref": "SAG-1", "reason": "misbrug", "subject": "010190-1234", "from": "2026-01-01", "to": "2026-12-31" })).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let holds: Value = t.get("/api/v1/audit/holds", &officer).await.json().await.unwrap();
        assert_eq!(holds[0]["case_ref"], "SAG-1");
        let auditor = t.token(UserRole::Auditor, None).await;
        problem(t.req(Method::POST, &format!("/api/v1/audit/holds/{id}/release"), &auditor).send().await.unwrap(), StatusCode::FORBIDDEN).await;
        assert_eq!(t.req(Method::POST, &format!("/api/v1/audit/holds/{id}/release"), &officer).send().await.unwrap().status(), StatusCode::NO_CONTENT);
        problem(t.req(Method::POST, &format!("/api/v1/audit/holds/{id}/release"), &officer).send().await.unwrap(), StatusCode::NOT_FOUND).await;
        let size = t.audit_count().await;
        let p: Value = t.get(&format!("/api/v1/audit/events/0/proof?size={size}"), &auditor).await.json().await.unwrap();
        let hash = |v: &Value| audit::merkle::from_hex(v.as_str().unwrap()).unwrap();
        let path: Vec<audit::Hash> = p["path"].as_array().unwrap().iter().map(hash).collect();
        let (_, root) = t.app.store().log_head().await.unwrap();
        assert!(audit::merkle::verify_inclusion(&hash(&p["leaf_hash"]), 0, size, &path, &root));
        problem(t.get(&format!("/api/v1/audit/events/{size}/proof?size={size}"), &auditor).await, StatusCode::NOT_FOUND).await;
    }
}
