//! Requests, approvals, provisioning tasks and account actions through HTTP, on SQLite
//! and PostgreSQL.

mod common;

use chrono::Duration;
use common::{TestApp, person_body, problem, seed};
use domain::authz::UserRole;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use store::backend_tests;

fn day(offset: i64) -> String {
    (chrono::Utc::now() + Duration::days(offset)).format("%Y-%m-%d").to_string()
}

backend_tests! {
    /// From the orderer's request through both approvals, the IT operator's tasks and the
    /// activation evidence to an active account; then lock and revocation.
    async fn a_request_from_order_to_active_account(b: TestBackend) {
        // REQ: REQ-2, REQ-3, REQ-4, AGR-4, X-10, ACC-1, ACC-4, ACC-7, ACC-9, REQ-7, PRV-1, X-3
        let t = TestApp::spawn(b).await;
        let s = seed(&t).await;
        let orderer = t.scoped_token(UserRole::SupplierOrderer, Some(s.supplier_a), None, Some(s.person_a)).await;
        let head = t.scoped_token(UserRole::DepartmentHead, None, Some(s.department), None).await;
        let operator = t.token(UserRole::ItOperator, None).await;
        let staff: Value = t.post("/api/v1/persons", &orderer, &person_body("Carla Holm", s.supplier_a, "040495-2222")).await.json().await.unwrap();
        let staff = staff["id"].as_str().unwrap().to_string();
        let order = |start: String| json!({
            "kind": "new_account", "person_id": staff, "system_id": s.system, "agreement_id": s.agreement_a,
            "job_profile_id": s.job_profile, "wanted_start": start, "needs_assessment_ref": "Behovsvurdering 2026-04"
        });

        // AGR-4: the agreement lacks the preset's attestations.
        let v = problem(t.post("/api/v1/requests", &orderer, &order(day(20))).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "attestations-missing");
        assert!(v["detail"].as_str().unwrap().contains("no_remote_control_software"), "{v}");
        for kind in ["no_remote_control_software", "backup_routines"] {
            let res = t.post(&format!("/api/v1/agreements/{}/attestations", s.agreement_a), &orderer, &json!({ "kind": kind, "attested_by": "Ole Sørensen" })).await;
            assert_eq!(res.status(), StatusCode::OK);
        }
        // REQ-3: three days ahead is too late without a reason; the message names both numbers.
        let v = problem(t.post("/api/v1/requests", &orderer, &order(day(3))).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("lead-time"), Some("wanted_start")));
        assert!(v["detail"].as_str().unwrap().contains("3 days ahead") && v["detail"].as_str().unwrap().contains("requires 14"), "{v}");
        // a sensitive role needs the needs assessment.
        let mut no_ref = order(day(20));
        no_ref.as_object_mut().unwrap().remove("needs_assessment_ref");
        assert_eq!(problem(t.post("/api/v1/requests", &orderer, &no_ref).await, StatusCode::UNPROCESSABLE_ENTITY).await["code"], "needs-assessment-missing");

        let res = t.post("/api/v1/requests", &orderer, &order(day(20))).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let r: Value = res.json().await.unwrap();
        let id = r["id"].as_str().unwrap().to_string();
        assert_eq!(r["state"], "submitted");
        assert_eq!(r["checks"], json!([]), "the checks pass as they stand");

        // Another supplier sees nothing of it.
        let other = t.scoped_token(UserRole::SupplierOrderer, Some(s.supplier_b), None, Some(s.person_b)).await;
        problem(t.get(&format!("/api/v1/requests/{id}"), &other).await, StatusCode::NOT_FOUND).await;
        assert_eq!(t.get("/api/v1/requests", &other).await.json::<Value>().await.unwrap()["total"], 0);

        // The head's inbox, then the coordinator's; If-Match guards against a race.
        let inbox: Value = t.get("/api/v1/requests?inbox=true", &head).await.json().await.unwrap();
        assert_eq!(inbox["total"], 1);
        let v = problem(t.post(&format!("/api/v1/requests/{id}/decision"), &orderer, &json!({ "decision": "approve" })).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "not-your-area");
        let r: Value = t.post(&format!("/api/v1/requests/{id}/decision"), &head, &json!({ "decision": "approve", "comment": "OK" })).await.json().await.unwrap();
        assert_eq!(r["state"], "department_approved");
        let stale = t.req(Method::POST, &format!("/api/v1/requests/{id}/decision"), &t.coordinator).header("If-Match", "\"1\"").json(&json!({ "decision": "approve" })).send().await.unwrap();
        assert_eq!(problem(stale, StatusCode::CONFLICT).await["code"], "stale-version");
        let res = t.req(Method::POST, &format!("/api/v1/requests/{id}/decision"), &t.coordinator).header("If-Match", format!("\"{}\"", r["version"])).json(&json!({ "decision": "approve" })).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.json::<Value>().await.unwrap()["state"], "approved");

        // The IT operator's task list: create the account, with an initial password.
        t.app.process_outbox().await.unwrap();
        let tasks: Value = t.get("/api/v1/tasks?state=open", &operator).await.json().await.unwrap();
        assert_eq!(tasks.as_array().unwrap().len(), 1);
        assert_eq!(tasks[0]["action"], "create");
        assert!(tasks[0]["details"]["initial_password"].as_str().unwrap().len() >= 12);
        problem(t.get("/api/v1/tasks", &orderer).await, StatusCode::FORBIDDEN).await;
        let v = problem(t.post(&format!("/api/v1/tasks/{}/fail", tasks[0]["id"].as_str().unwrap()), &operator, &json!({})).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(v["code"], "reason-required");
        let done: Value = t.post(&format!("/api/v1/tasks/{}/confirm", tasks[0]["id"].as_str().unwrap()), &operator, &json!({ "note": "Oprettet i Nexus" })).await.json().await.unwrap();
        assert_eq!((done["state"].as_str(), done["details"].clone()), (Some("confirmed"), json!({})), "the password is gone once done");

        // ACC-4: active only after the §152 declaration and the identity check (Tårnby).
        let accounts: Value = t.get(&format!("/api/v1/accounts?person_id={staff}"), &orderer).await.json().await.unwrap();
        let account = accounts["items"][0]["id"].as_str().unwrap().to_string();
        assert_eq!(accounts["items"][0]["status"], "awaiting_activation");
        let missing: Value = t.get(&format!("/api/v1/persons/{staff}/activation"), &orderer).await.json().await.unwrap();
        assert_eq!(missing["missing"], json!(["confidentiality_declaration", "identity_check"]));
        for kind in ["confidentiality_declaration", "identity_check"] {
            assert_eq!(t.post(&format!("/api/v1/persons/{staff}/evidence"), &orderer, &json!({ "kind": kind })).await.status(), StatusCode::OK);
        }
        let acc: Value = t.get(&format!("/api/v1/accounts/{account}"), &orderer).await.json().await.unwrap();
        assert_eq!(acc["status"], "active");
        assert_eq!(acc["last_activity_at"], Value::Null, "no sign-on reported yet");
        // the target system reports a sign-on; the account shows when it was last used.
        let seen = (chrono::Utc::now() - Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let body = json!({ "sign_ons": [{ "username": acc["username"], "at": seen }] });
        problem(t.post(&format!("/api/v1/systems/{}/sign-ons", s.system), &orderer, &body).await, StatusCode::FORBIDDEN).await;
        let n: Value = t.post(&format!("/api/v1/systems/{}/sign-ons", s.system), &operator, &body).await.json().await.unwrap();
        assert_eq!(n["matched"], 1);
        let acc: Value = t.get(&format!("/api/v1/accounts/{account}"), &orderer).await.json().await.unwrap();
        assert!(acc["last_activity_at"].as_str().is_some_and(|v| v.starts_with(&seen[..16])), "{acc}");
        // ACC-1: one account per person per system; a second order is refused, nothing written.
        let v = problem(t.post("/api/v1/requests", &orderer, &order(day(20))).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("account-exists"), Some("system_id")));
        let mine: Value = t.get(&format!("/api/v1/requests?person_id={staff}"), &orderer).await.json().await.unwrap();
        assert_eq!(mine["total"], 1);
        problem(t.get(&format!("/api/v1/accounts/{account}"), &other).await, StatusCode::NOT_FOUND).await;
        problem(t.post(&format!("/api/v1/persons/{staff}/evidence"), &other, &json!({ "kind": "training" })).await, StatusCode::NOT_FOUND).await;

        // ACC-7: an e-ID card; the serial is unique.
        let card = json!({ "kind": "eid_card", "serial": "DK-4711", "issued_on": day(0), "identity_checked_by": "Ole Sørensen", "billed_supplier_id": s.supplier_a });
        assert_eq!(t.post(&format!("/api/v1/persons/{staff}/authenticators"), &orderer, &card).await.status(), StatusCode::OK);
        assert_eq!(problem(t.post(&format!("/api/v1/persons/{staff}/authenticators"), &orderer, &card).await, StatusCode::CONFLICT).await["code"], "duplicate-key");

        // ACC-9 and REQ-7.
        problem(t.post(&format!("/api/v1/accounts/{account}/lock"), &orderer, &json!({ "reason": "x" })).await, StatusCode::FORBIDDEN).await;
        let locked: Value = t.post(&format!("/api/v1/accounts/{account}/lock"), &t.coordinator, &json!({ "reason": "Mistanke om kompromitteret password" })).await.json().await.unwrap();
        assert_eq!(locked["status"], "locked");
        let officer = t.token(UserRole::SecurityOfficer, None).await;
        assert_eq!(problem(t.post(&format!("/api/v1/accounts/{account}/revoke"), &officer, &json!({ "reason": "" })).await, StatusCode::UNPROCESSABLE_ENTITY).await["field"], "reason");
        let revoked: Value = t.post(&format!("/api/v1/accounts/{account}/revoke"), &officer, &json!({ "reason": "Misbrug konstateret" })).await.json().await.unwrap();
        assert_eq!(revoked["status"], "terminated");
        let history: Value = t.get(&format!("/api/v1/requests/{id}"), &t.coordinator).await.json().await.unwrap();
        let steps: Vec<&str> = history["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
        assert_eq!(steps, ["created", "submitted", "approved_by_department", "approved_by_coordinator", "fulfilled"], "REQ-6");
    }
}
