//! The authorisation matrix (AUTH-4): for every operation of the OpenAPI document, every
//! role, and an object of the caller's own supplier and department, of another supplier
//! (in the same department), and of another department, whether the call is let through
//! — written as data here, checked through HTTP on both engines. An operation added to
//! the document without a row fails the test.
//!
//! "Let through" means the use-case ran: a success, or a refusal of the input or the
//! state (409, 422). "Refused" means 403, or 404 / an unknown reference for an object
//! the caller may not see.

mod common;

#[path = "matrix/world.rs"]
mod world;

use common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use store::backend_tests;
use world::{Target, World};

/// The callers: administrator, security officer, coordinator, department head (of the
/// own department), supplier orderer (a person on the own supplier's list), the own
/// supplier's HR system (a machine token), local administrator (own department), IT
/// operator, DPO, auditor, target system.
pub const ROLES: [&str; 11] = ["ADM", "SO", "SC", "DH", "ORD", "HR", "LA", "OPS", "DPO", "AUD", "TS"];

const READERS: &str = "ADM SO SC DH ORD HR OPS DPO AUD";
const CATALOGUE: &str = "ADM SO SC DH ORD HR LA OPS DPO AUD";
const LOG_READERS: &str = "SO SC DPO AUD";

/// operation id → (let through for: own, another supplier, another department). `=`
/// repeats the own column; `-` is nobody; `*` is every caller.
const MATRIX: &[(&str, &str, &str, &str)] = &[
    ("health", "*", "=", "="),
    ("login", "*", "=", "="),
    ("get_policy", "*", "=", "="),
    ("list_presets", "*", "=", "="),
    // The catalogue: read by every person's role, kept by the coordinator and the administrator.
    ("get_municipality", CATALOGUE, "=", "="),
    ("put_municipality", "ADM SC", "=", "="),
    ("list_departments", CATALOGUE, "=", "="),
    ("get_departments", CATALOGUE, "=", "="),
    ("create_departments", "ADM SC", "=", "="),
    ("update_departments", "ADM SC", "=", "="),
    ("deactivate_departments", "ADM SC", "=", "="),
    ("list_systems", CATALOGUE, "=", "="),
    ("get_systems", CATALOGUE, "=", "="),
    ("create_systems", "ADM SC", "=", "="),
    ("update_systems", "ADM SC", "=", "="),
    ("deactivate_systems", "ADM SC", "=", "="),
    ("list_roles", CATALOGUE, "=", "="),
    ("get_roles", CATALOGUE, "=", "="),
    ("create_roles", "ADM SC", "=", "="),
    ("update_roles", "ADM SC", "=", "="),
    ("deactivate_roles", "ADM SC", "=", "="),
    ("list_profiles", CATALOGUE, "=", "="),
    ("get_profiles", CATALOGUE, "=", "="),
    ("create_profiles", "ADM SC", "=", "="),
    ("update_profiles", "ADM SC", "=", "="),
    ("deactivate_profiles", "ADM SC", "=", "="),
    ("list_job-profiles", CATALOGUE, "=", "="),
    ("get_job-profiles", CATALOGUE, "=", "="),
    ("create_job-profiles", "ADM SC", "=", "="),
    ("update_job-profiles", "ADM SC", "=", "="),
    ("deactivate_job-profiles", "ADM SC", "=", "="),
    // Suppliers' records: a supplier sees its own; a department head its area's.
    ("list_suppliers", CATALOGUE, "=", "="),
    ("get_suppliers", CATALOGUE, "ADM SO SC DH LA OPS DPO AUD", "ADM SO SC LA OPS DPO AUD"),
    ("create_suppliers", "ADM SC", "=", "="),
    ("update_suppliers", "ADM SC", "=", "="),
    ("deactivate_suppliers", "ADM SC", "=", "="),
    ("list_orderers", READERS, "=", "="),
    ("get_orderers", READERS, "ADM SO SC DH OPS DPO AUD", "ADM SO SC OPS DPO AUD"),
    ("create_orderers", "ADM SC", "=", "="),
    ("update_orderers", "ADM SC", "=", "="),
    ("deactivate_orderers", "ADM SC", "=", "="),
    ("list_agreements", READERS, "=", "="),
    ("overdue_deletions", READERS, "=", "="),
    ("get_agreements", READERS, "ADM SO SC DH OPS DPO AUD", "ADM SO SC OPS DPO AUD"),
    ("create_agreements", "ADM SC", "=", "="),
    ("update_agreements", "ADM SC", "=", "="),
    ("deactivate_agreements", "ADM SC", "=", "="),
    ("accept_agreement", "SO SC ORD HR", "SO SC", "SO SC"),
    ("attest_agreement", "SO SC ORD HR", "SO SC", "SO SC"),
    ("confirm_deletion", "SC ORD HR", "SC", "SC"),
    ("list_persons", READERS, "=", "="),
    ("lookup_persons", READERS, "=", "="),
    ("get_persons", READERS, "ADM SO SC DH OPS DPO AUD", "ADM SO SC OPS DPO AUD"),
    ("activation_status", READERS, "ADM SO SC DH OPS DPO AUD", "ADM SO SC OPS DPO AUD"),
    ("list_evidence", READERS, "ADM SO SC DH OPS DPO AUD", "ADM SO SC OPS DPO AUD"),
    ("list_authenticators", READERS, "ADM SO SC DH OPS DPO AUD", "ADM SO SC OPS DPO AUD"),
    ("create_persons", "ADM SC ORD HR", "ADM SC", "ADM SC"),
    ("update_persons", "ADM SC ORD HR", "ADM SC", "ADM SC"),
    ("deactivate_persons", "ADM SC ORD HR", "ADM SC", "ADM SC"),
    ("record_evidence", "SC DH ORD HR", "SC DH", "SC"),
    ("add_authenticator", "SC DH ORD HR", "SC DH", "SC"),
    ("revoke_person_accounts", "SO", "=", "="),
    // Requests: orderers and department heads ask; the department head approves first,
    // then the coordinator.
    ("list_requests", READERS, "=", "="),
    ("get_request", READERS, "ADM SO SC DH OPS DPO AUD", "ADM SO SC OPS DPO AUD"),
    ("submit_request", "SC DH ORD", "SC DH", "SC"),
    ("decide_request", "SC DH", "SC DH", "SC"),
    ("annotate_request", "-", "=", "="),
    // Accounts.
    ("list_accounts", "ADM SO SC DH ORD HR LA OPS DPO AUD", "=", "="),
    ("get_account", READERS, "ADM SO SC DH OPS DPO AUD", "ADM SO SC OPS DPO AUD"),
    ("lock_account", "SC", "=", "="),
    ("unlock_account", "SC", "=", "="),
    ("revoke_account", "SO", "=", "="),
    ("termination_reports", "SO SC DPO AUD", "=", "="),
    ("run_lifecycle", "ADM SC OPS", "=", "="),
    ("record_sign_ons", "ADM SC OPS", "=", "="),
    // Temp and support accounts.
    ("create_emergency_account", "LA", "=", "="),
    ("emergency_reconciliation", "SO SC DH LA AUD", "=", "="),
    ("delete_emergency_account", "LA", "=", "-"),
    ("sign_off_emergency_account", "DH", "=", "-"),
    ("order_emergency_account_deletion", "DH", "=", "-"),
    ("remind_emergency_signoff", "SC", "=", "="),
    ("request_support_account", "SC ORD HR", "SC", "SC"),
    ("approve_support_account", "SO", "=", "="),
    // Provisioning.
    ("list_tasks", "SC OPS", "=", "="),
    ("confirm_task", "SC OPS", "=", "="),
    ("fail_task", "SC OPS", "=", "="),
    ("failing_actions", "SC OPS", "=", "="),
    ("reconcile_system", "SC OPS", "=", "="),
    // The audit log: read by the security officer, the DPO, the coordinator and
    // auditors; holds and extracts by the security officer and the DPO.
    ("ingest_audit_events", "TS", "=", "="),
    ("search_audit_log", LOG_READERS, "=", "="),
    ("export_audit_log", LOG_READERS, "=", "="),
    ("list_checkpoints", LOG_READERS, "=", "="),
    ("prove_audit_event", LOG_READERS, "=", "="),
    ("list_holds", LOG_READERS, "=", "="),
    ("create_hold", "SO DPO", "=", "="),
    ("release_hold", "SO DPO", "=", "="),
    ("create_extract", "SO DPO", "=", "="),
    ("get_extract", "SO DPO", "=", "="),
    ("approve_extract_names", "SO DPO", "=", "="),
    // Client lists: sent by the care system or the coordinator; read by the
    // overseers, and by a supplier (its orderers, its HR system) for its own.
    ("import_client_list", "SC TS", "=", "="),
    ("get_client_list", "SO SC ORD HR DPO AUD", "SO SC DPO AUD", "SO SC DPO AUD"),
    // Security reports (SEC-1, SEC-2): made by the coordinator and the security officer,
    // read by them and auditors (a department head: those handed to the department),
    // investigated by the coordinator.
    // Log control (SEC-3): drawn by the coordinator and the security officer, followed by
    // them, the DPO and auditors; a supplier's orderer follows, judges and signs its own.
    ("draw_log_control", "SO SC", "=", "="),
    ("list_log_control", "SO SC ORD DPO AUD", "=", "="),
    ("get_log_control", "SO SC ORD DPO AUD", "SO SC DPO AUD", "SO SC DPO AUD"),
    ("verify_log_control", "SO SC ORD DPO AUD", "SO SC DPO AUD", "SO SC DPO AUD"),
    ("judge_log_control_entry", "ORD", "-", "-"),
    ("reveal_log_control_subject", "ORD", "-", "-"),
    ("sign_off_log_control", "ORD", "-", "-"),
    ("make_security_report", "SO SC", "=", "="),
    ("list_security_reports", "SO SC DH AUD", "=", "="),
    ("get_security_report", "SO SC AUD", "=", "="),
    ("step_security_report", "SC", "=", "="),
    // Installation.
    ("list_tokens", "ADM", "=", "="),
    ("create_token", "ADM", "=", "="),
    ("revoke_token", "ADM", "=", "="),
];

fn allowed(spec: &str, own: &str) -> Vec<&'static str> {
    let spec = if spec == "=" { own } else { spec };
    ROLES.iter().copied().filter(|r| spec == "*" || spec.split_whitespace().any(|s| s == *r)).collect()
}

/// Whether an answer means the use-case ran for the caller.
fn let_through(status: StatusCode, body: &Value) -> bool {
    let hidden = ["unknown-reference", "not-your-area", "not-an-orderer", "not-affiliated", "other-supplier"];
    match status.as_u16() {
        401 => panic!("a caller's token was refused: {body}"),
        403 | 404 => false,
        422 => !hidden.contains(&body["code"].as_str().unwrap_or("")),
        s => s < 500,
    }
}

backend_tests! {
    async fn every_role_reaches_exactly_what_the_matrix_says(b: TestBackend) {
        // REQ: AUTH-4
        let t = TestApp::spawn(b).await;
        let w = World::build(&t).await;
        let doc: Value = serde_json::from_str(&portvagt_web::openapi_json()).unwrap();
        let mut operations = Vec::new();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                operations.push((method.to_uppercase(), path.clone(), op["operationId"].as_str().unwrap().to_string()));
            }
        }
        let missing: Vec<&String> = operations.iter().map(|(_, _, id)| id).filter(|id| !MATRIX.iter().any(|(m, ..)| m == id)).collect();
        assert!(missing.is_empty(), "operations without a row in the matrix: {missing:?}");
        assert_eq!(MATRIX.len(), operations.len(), "a row for an operation that is gone");
        // Operations that change or end the objects others are checked on go last.
        operations.sort_by_key(|(_, _, id)| world::order(id));
        let mut wrong = Vec::new();
        let mut calls = 0;
        for (method, path, id) in &operations {
            let (_, own, other_supplier, other_department) = MATRIX.iter().find(|(m, ..)| m == id).unwrap();
            for (target, spec) in [(Target::Own, *own), (Target::OtherSupplier, *other_supplier), (Target::OtherDepartment, *other_department)] {
                let expected = allowed(spec, own);
                for role in ROLES {
                    let (status, body) = w.call(&t, role, method.parse::<Method>().unwrap(), path, id, target).await;
                    calls += 1;
                    let through = let_through(status, &body);
                    if through != expected.contains(&role) {
                        wrong.push(format!("{id} {target:?} {role}: {status} {}", body.to_string().chars().take(160).collect::<String>()));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{} of {calls} calls differ from the matrix:\n{}", wrong.len(), wrong.join("\n"));
        assert!(calls >= 3 * 11 * 100, "{calls}");
    }
}
