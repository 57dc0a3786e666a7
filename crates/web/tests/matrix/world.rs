//! The matrix's world: two departments; suppliers A and B under agreements of the first,
//! C under one of the second; a person, an orderer, an account and a request of each;
//! temp accounts of both departments, a support account, a manual task, a legal hold
//! and an extract; and a token for every caller.

use crate::common::{TestApp, agreement_body, person_body};
use app::{EmergencyInput, SupportInput, TokenRequest};
use domain::authz::{Actor, ActorKind, Organisation, UserRole};
use domain::request::{RequestInput, RequestKind};
use domain::text::{Name, Text};
use domain::time::Date;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The caller's own supplier and department.
    Own,
    /// Another supplier, in the caller's department.
    OtherSupplier,
    /// A supplier and objects of another department.
    OtherDepartment,
}

/// One object per target: (own, another supplier's, another department's).
type Three = [Uuid; 3];

pub struct World {
    tokens: HashMap<&'static str, String>,
    department: Three,
    system: Three,
    role: Three,
    profile: Three,
    job_profile: Three,
    supplier: Three,
    person: Three,
    orderer: Three,
    agreement: Three,
    account: Three,
    request: Three,
    emergency: Three,
    support: Uuid,
    task: Uuid,
    officer: Actor,
    orderers: [Actor; 3],
    counter: AtomicU32,
}

fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

fn pick(three: &Three, target: Target) -> Uuid {
    match target {
        Target::Own => three[0],
        Target::OtherSupplier => three[1],
        Target::OtherDepartment => three[2],
    }
}

/// Operations that change or end the objects the others are checked on run last, and
/// the token revocation at the very end.
pub fn order(id: &str) -> u8 {
    match id {
        "revoke_token" => 9,
        _ if id.starts_with("deactivate_") => 8,
        "revoke_account" | "revoke_person_accounts" | "delete_emergency_account" => 7,
        "lock_account" | "unlock_account" | "fail_task" | "release_hold" => 6,
        _ => 0,
    }
}

impl World {
    pub async fn build(t: &TestApp) -> World {
        let app = &t.app;
        let sys = Actor::system("matrix");
        let today = app.now().date();
        let day = |n: i64| Date(today.0 + chrono::Duration::days(n)).to_string();
        let muni = json!({ "name": "Tårnby Kommune", "org_number": "20310413", "dpo": { "name": "DPO" }, "policy_preset": "taarnby" });
        assert_eq!(t.put("/api/v1/municipality", &t.admin, &muni).await.status(), StatusCode::OK);
        let d1 = t
            .create(
                "departments",
                json!({ "name": "Hjemmeplejen", "code": "HJ", "head": { "name": "Lone Leder", "email": "lone@kommune.dk" } }),
            )
            .await;
        let d2 = t
            .create(
                "departments",
                json!({ "name": "Borgerservice", "code": "BS", "head": { "name": "Bo Borg", "email": "bo@kommune.dk" } }),
            )
            .await;
        let s1 = t
            .create(
                "systems",
                json!({ "name": "AD", "code": "AD", "owner_department_id": d1, "connector": "manual", "logs_transactions": true }),
            )
            .await;
        let s2 = t.create("systems", json!({ "name": "KMD Nexus", "code": "NEXUS", "owner_department_id": d2, "connector": "manual", "logs_transactions": true })).await;
        let flags = json!({ "read_only": false, "allows_export": false, "privileged": false, "sensitive": false });
        let r1 = t.create("roles", json!({ "system_id": s1, "code": "AD-LOGON", "name": "Logon", "flags": flags })).await;
        let r2 = t.create("roles", json!({ "system_id": s2, "code": "NEX-JOURNAL", "name": "Journal", "flags": flags })).await;
        // The emergency scope of the Tårnby preset names these two profiles.
        let p1 = t.create("profiles", json!({ "system_id": s1, "code": "AD-LOGON", "name": "Logon", "roles": [r1] })).await;
        let p2 = t.create("profiles", json!({ "system_id": s2, "code": "OMSORGSJOURNAL", "name": "Journal", "roles": [r2] })).await;
        let j1 = t.create("job-profiles", json!({ "name": "Hjælper", "code": "SSH", "profiles": [p1] })).await;
        let j2 = t.create("job-profiles", json!({ "name": "Sagsbehandler", "code": "SB", "profiles": [p2] })).await;
        let a = t.create("suppliers", json!({ "name": "Omsorg A ApS", "org_number": "29189838" })).await;
        let b = t.create("suppliers", json!({ "name": "Pleje B A/S", "org_number": "556036-0793" })).await;
        let c = t.create("suppliers", json!({ "name": "Konsulent C ApS", "org_number": "10150817" })).await;
        let mut persons = Vec::new();
        let mut orderer_persons = Vec::new();
        let mut orderers = Vec::new();
        let mut agreements = Vec::new();
        let cprs = [("010190-1234", "020190-1111"), ("020285-4321", "030385-2222"), ("040477-1234", "050577-3333")];
        for (i, (supplier, dept, system, profile)) in [(a, d1, s1, p1), (b, d1, s1, p1), (c, d2, s2, p2)].into_iter().enumerate() {
            persons.push(t.create("persons", person_body(&format!("Medarbejder {i}"), supplier, cprs[i].0)).await);
            let boss = t.create("persons", person_body(&format!("Bestiller {i}"), supplier, cprs[i].1)).await;
            orderer_persons.push(boss);
            orderers.push(t.create("orderers", json!({ "supplier_id": supplier, "person_id": boss, "valid_from": "2025-01-01" })).await);
            let mut body = agreement_body(supplier, system, profile);
            body["department_id"] = json!(dept);
            let agreement = t.create("agreements", body).await;
            let actor = Actor {
                kind: ActorKind::User,
                id: Uuid::now_v7(),
                name: format!("bestiller {i}"),
                role: UserRole::SupplierOrderer,
                organisation: Organisation::Supplier(supplier),
                department: None,
                person: Some(boss),
            };
            for kind in app.active_preset().await.unwrap().policy.accounts.required_attestations.value {
                app.attest_agreement(&actor, agreement, kind, name("Ole Orderer")).await.unwrap();
            }
            agreements.push(agreement);
        }
        let orderer_actors: Vec<Actor> = (0..3)
            .map(|i| Actor {
                kind: ActorKind::User,
                id: Uuid::now_v7(),
                name: format!("bestiller {i}"),
                role: UserRole::SupplierOrderer,
                organisation: Organisation::Supplier([a, b, c][i]),
                department: None,
                person: Some(orderer_persons[i]),
            })
            .collect();
        // An active account of each supplier's person.
        let mut accounts = Vec::new();
        for i in 0..3 {
            let id = Uuid::now_v7();
            let (system, role, profile) = [(s1, r1, p1), (s1, r1, p1), (s2, r2, p2)][i];
            let acc = store::NewAccount {
                id,
                person_id: persons[i],
                system_id: system,
                agreement_id: Some(agreements[i]),
                username: format!("user{i}"),
                status: "active",
                valid_from: Date::parse("2026-01-01").unwrap(),
                valid_to: None,
                roles: vec![(role, Some(profile))],
            };
            app.import_accounts(&sys, &[acc]).await.unwrap();
            accounts.push(id);
        }
        // A look-up of a citizen by each account five days ago, for log control (SEC-3).
        let seen = domain::time::Timestamp(app.now().0 - chrono::Duration::days(5));
        for (i, system) in [s1, s1, s2].into_iter().enumerate() {
            let event = store::log::InboundEvent {
                occurred_at: seen,
                username: format!("user{i}"),
                action: "journal.read".into(),
                outcome: "success".into(),
                subject: Some(domain::ident::NationalId::parse("010190-1234").unwrap().canonical()),
                criterion: None,
                client_ip: None,
                details: json!({}),
            };
            let key = format!("matrix-{i}");
            app.ingest_audit(system, &key, &app::digest(key.as_bytes()), &[event]).await.unwrap();
        }
        let mut world = World {
            tokens: HashMap::new(),
            department: [d1, d1, d2],
            system: [s1, s1, s2],
            role: [r1, r1, r2],
            profile: [p1, p1, p2],
            job_profile: [j1, j1, j2],
            supplier: [a, b, c],
            person: [persons[0], persons[1], persons[2]],
            orderer: [orderers[0], orderers[1], orderers[2]],
            agreement: [agreements[0], agreements[1], agreements[2]],
            account: [accounts[0], accounts[1], accounts[2]],
            request: [Uuid::nil(); 3],
            emergency: [Uuid::nil(); 3],
            support: Uuid::nil(),
            task: Uuid::nil(),
            officer: Actor::system("matrix"),
            orderers: [orderer_actors[0].clone(), orderer_actors[1].clone(), orderer_actors[2].clone()],
            counter: AtomicU32::new(0),
        };
        for i in 0..3 {
            world.request[i] = world.new_request(t, i).await;
        }
        // Temp accounts of both departments, by their local administrators.
        let mut temps = Vec::new();
        for (i, (dept, profile)) in [(d1, p1), (d2, p2)].into_iter().enumerate() {
            let la = app.create(&sys, person_record(&format!("Nattevagt {i}"))).await.unwrap().id;
            let local = Actor {
                kind: ActorKind::User,
                id: Uuid::now_v7(),
                name: format!("nat {i}"),
                role: UserRole::LocalAdministrator,
                organisation: Organisation::Municipality,
                department: Some(dept),
                person: Some(la),
            };
            let input = EmergencyInput {
                name: name(&format!("Vikar {i}")),
                supplier_id: None,
                reason: Some(Text::parse("Sygdom i nattevagten").unwrap()),
                profiles: vec![profile],
                valid_to: Date::parse(&day(3)).unwrap(),
                same_name_confirmed: false,
            };
            temps.push(app.create_emergency_account(&local, input).await.unwrap().accounts[0].id);
        }
        world.emergency = [temps[0], temps[0], temps[1]];
        let support = SupportInput {
            person_id: persons[0],
            agreement_id: agreements[0],
            profiles: vec![p1],
            valid_from: Date::parse(&day(1)).unwrap(),
            valid_to: Date::parse(&day(5)).unwrap(),
            purpose: Text::parse("Fejlretning af integration").unwrap(),
        };
        world.support = app.request_support_account(&world.orderers[0], support).await.unwrap().id;
        app.process_outbox().await.unwrap();
        world.task = app.store().list_tasks(Some("open"), None).await.unwrap().first().expect("a manual task").id;
        let officer = app.create(&sys, person_record("Første Sikkerhedsansvarlig")).await.unwrap().id;
        world.officer = Actor {
            kind: ActorKind::User,
            id: Uuid::now_v7(),
            name: "so".into(),
            role: UserRole::SecurityOfficer,
            organisation: Organisation::Municipality,
            department: None,
            person: Some(officer),
        };

        // A token for every caller.
        let tokens = [
            ("ADM", t.admin.clone()),
            ("SO", t.scoped_token(UserRole::SecurityOfficer, None, None, None).await),
            ("SC", t.coordinator.clone()),
            ("DH", t.scoped_token(UserRole::DepartmentHead, None, Some(d1), None).await),
            ("ORD", t.scoped_token(UserRole::SupplierOrderer, Some(a), None, Some(orderer_persons[0])).await),
            ("HR", t.token(UserRole::SupplierOrderer, Some(a)).await),
            ("LA", t.scoped_token(UserRole::LocalAdministrator, None, Some(d1), None).await),
            ("OPS", t.token(UserRole::ItOperator, None).await),
            ("DPO", t.scoped_token(UserRole::Dpo, None, None, None).await),
            ("AUD", t.token(UserRole::Auditor, None).await),
        ];
        world.tokens = tokens.into_iter().collect();
        let ts = TokenRequest {
            name: name("nexus log"),
            role: UserRole::TargetSystem,
            supplier_id: None,
            department_id: None,
            person_id: None,
            system_id: Some(s1),
            expires_at: None,
        };
        world.tokens.insert("TS", app.create_token(&sys, ts).await.unwrap().token);
        world
    }

    /// A fresh extension request for supplier `i`'s account, by its orderer.
    async fn new_request(&self, t: &TestApp, i: usize) -> Uuid {
        let today = t.app.now().date();
        let input = RequestInput {
            kind: RequestKind::Extension,
            person_id: self.person[i],
            system_id: None,
            account_id: Some(self.account[i]),
            agreement_id: None,
            job_profile_id: None,
            deviations: Vec::new(),
            wanted_start: Date(today.0 + chrono::Duration::days(30)),
            end_date: Some(Date(today.0 + chrono::Duration::days(200))),
            urgent_reason: None,
            needs_assessment_ref: None,
            comment: None,
            draft: false,
        };
        t.app.submit_request(&self.orderers[i], input).await.unwrap().id
    }

    /// A fresh extract, made by a security officer other than the callers.
    async fn new_extract(&self, t: &TestApp) -> Uuid {
        t.app.create_extract(&self.officer, "010190-1234").await.unwrap()
    }

    /// A fresh security report of yesterday, made by the security officer.
    async fn new_report(&self, t: &TestApp) -> Uuid {
        let now = t.app.now();
        let from = domain::time::Timestamp(now.0 - chrono::Duration::days(1));
        t.app.make_security_report(&self.officer, from, now).await.unwrap()
    }

    /// A fresh log-control package of supplier `i`, for a period of its own (one package
    /// per supplier and period).
    async fn new_package(&self, t: &TestApp, i: usize) -> Uuid {
        let now = t.app.now();
        let from = domain::time::Timestamp(now.0 - chrono::Duration::days(10) + chrono::Duration::seconds(i64::from(self.n())));
        let to = domain::time::Timestamp(now.0 - chrono::Duration::days(1));
        t.app.draw_log_control(&self.officer, self.supplier[i], from, to, i18n::DEFAULT_TIME_ZONE).await.unwrap()
    }

    /// A fresh legal hold.
    async fn new_hold(&self, t: &TestApp) -> Uuid {
        let hold = app::HoldInput {
            case_ref: name(&format!("SAG-H{}", self.n())),
            reason: name("Mistanke om misbrug"),
            subject: None,
            account_id: Some(self.account[0]),
            from: Date::parse("2026-01-01").unwrap(),
            to: Date::parse("2026-12-31").unwrap(),
        };
        t.app.create_hold(&self.officer, hold).await.unwrap()
    }

    fn n(&self) -> u32 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// The body of an update: the record as it is stored.
    async fn stored(&self, t: &TestApp, id: Uuid) -> Value {
        t.app.store().get_entry(id).await.unwrap().expect("a stored record").body
    }

    /// Calls `id` (at `path`) as `role` on the `target` object.
    pub async fn call(&self, t: &TestApp, role: &str, method: Method, path: &str, id: &str, target: Target) -> (StatusCode, Value) {
        let idx = match target {
            Target::Own => 0,
            Target::OtherSupplier => 1,
            Target::OtherDepartment => 2,
        };
        let family = path.trim_start_matches("/api/v1/").split('/').next().unwrap_or("");
        let object = match family {
            "accounts" => pick(&self.account, target),
            "agreements" => pick(&self.agreement, target),
            "departments" => pick(&self.department, target),
            "emergency-accounts" => pick(&self.emergency, target),
            "job-profiles" => pick(&self.job_profile, target),
            "orderers" => pick(&self.orderer, target),
            "persons" => pick(&self.person, target),
            "profiles" => pick(&self.profile, target),
            "requests" if id == "decide_request" => self.new_request(t, idx).await,
            "requests" => pick(&self.request, target),
            "roles" => pick(&self.role, target),
            "suppliers" => pick(&self.supplier, target),
            "systems" => pick(&self.system, target),
            "support-accounts" => self.support,
            "tasks" => self.task,
            "tokens" => t.app.create_token(&Actor::system("matrix"), victim()).await.unwrap().id,
            "audit" if path.contains("/extracts/") => self.new_extract(t).await,
            "audit" => self.new_hold(t).await,
            "security-reports" => self.new_report(t).await,
            "log-control" => self.new_package(t, idx).await,
            _ => Uuid::nil(),
        };
        let url = path.replace("{id}", &object.to_string()).replace("{seq}", "1").replace("{n}", "1");
        let today = t.app.now().date();
        let day = |n: i64| Date(today.0 + chrono::Duration::days(n)).to_string();
        let n = self.n();
        let (person, supplier, agreement, system, profile, role_id, department) = (
            pick(&self.person, target),
            pick(&self.supplier, target),
            pick(&self.agreement, target),
            pick(&self.system, target),
            pick(&self.profile, target),
            pick(&self.role, target),
            pick(&self.department, target),
        );
        let flags = json!({ "read_only": false, "allows_export": false, "privileged": false, "sensitive": false });
        let body = match id {
            "put_municipality" => {
                json!({ "name": "Tårnby Kommune", "org_number": "20310413", "dpo": { "name": "DPO" }, "policy_preset": "taarnby" })
            }
            _ if id.starts_with("update_") => self.stored(t, object).await,
            "create_departments" => json!({ "name": format!("Afdeling {n}"), "code": format!("A{n}") }),
            "create_systems" => {
                json!({ "name": format!("System {n}"), "code": format!("S{n}"), "owner_department_id": department, "connector": "manual", "logs_transactions": true })
            }
            "create_roles" => json!({ "system_id": system, "code": format!("R{n}"), "name": "Rolle", "flags": flags }),
            "create_profiles" => json!({ "system_id": system, "code": format!("P{n}"), "name": "Profil", "roles": [role_id] }),
            "create_job-profiles" => json!({ "name": "Job", "code": format!("J{n}"), "profiles": [profile] }),
            "create_suppliers" => json!({ "name": format!("Leverandør {n}"), "org_number": "29189838" }),
            "create_orderers" => json!({ "supplier_id": supplier, "person_id": person, "valid_from": "2026-01-01" }),
            "create_agreements" => agreement_body(supplier, system, profile),
            "accept_agreement" => json!({ "name": "Ole Direktør", "title": "Direktør" }),
            "attest_agreement" => json!({ "kind": "mdm_enrolled", "attested_by": "Ole Direktør" }),
            "create_persons" => person_body(&format!("Ny Person {n}"), supplier, "060606-6666"),
            "lookup_persons" => json!({ "national_id": "010190-1234" }),
            "record_evidence" => json!({ "kind": "identity_check", "note": "Pas set" }),
            "add_authenticator" => {
                json!({ "kind": "token", "serial": format!("T-{n}"), "issued_on": "2026-11-01", "identity_checked_by": "Lone" })
            }
            "submit_request" => {
                json!({ "kind": "extension", "person_id": person, "account_id": pick(&self.account, target), "wanted_start": day(30), "end_date": day(200) })
            }
            "decide_request" => json!({ "decision": "reject", "comment": "Ikke nødvendigt" }),
            "annotate_request" => json!({ "objection": false, "comment": "OK" }),
            "create_emergency_account" => {
                json!({ "name": format!("Vikar M{n}"), "reason": "Sygdom", "profiles": [self.profile[0]], "valid_to": day(2) })
            }
            "request_support_account" => {
                json!({ "person_id": person, "agreement_id": agreement, "profiles": [profile], "valid_from": day(1), "valid_to": day(4), "purpose": "Fejlretning" })
            }
            "record_sign_ons" => json!({ "sign_ons": [{ "username": "user0", "at": "2026-11-01T08:00:00Z" }] }),
            "ingest_audit_events" => json!([{ "occurred_at": "2026-11-01T08:00:00Z", "username": "user0", "action": "journal.read" }]),
            "make_security_report" => json!({ "from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z" }),
            "step_security_report" => json!({ "step": "investigate", "version": 1 }),
            "draw_log_control" => {
                let now = t.app.now().0;
                let from = (now - chrono::Duration::days(20) + chrono::Duration::seconds(i64::from(n))).to_rfc3339();
                json!({ "supplier_id": supplier, "from": from, "to": (now - chrono::Duration::days(1)).to_rfc3339() })
            }
            "judge_log_control_entry" => json!({ "version": 1, "judgement": "justified", "reason_code": "care_task" }),
            "sign_off_log_control" => json!({ "version": 1 }),
            "create_hold" => json!({ "case_ref": format!("SAG-{n}"), "reason": "Misbrug", "from": "2026-01-01", "to": "2026-01-31" }),
            "create_extract" => json!({ "subject": "010190-1234" }),
            "create_token" => json!({ "name": "t", "role": "auditor" }),
            "login" => json!({ "username": "nobody", "password": "x" }),
            "confirm_task" | "fail_task" => json!({ "note": "Matrix" }),
            "lock_account" | "revoke_account" | "revoke_person_accounts" | "order_emergency_account_deletion" => {
                json!({ "reason": "Matrix" })
            }
            _ => json!({}),
        };
        let mut req = t.req(method.clone(), &url, &self.tokens[role]).header("Idempotency-Key", format!("k{n}"));
        if method != Method::GET {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        // A login answers 401 to a wrong password: the operation itself is open to all.
        let status = if id == "login" && status == StatusCode::UNAUTHORIZED { StatusCode::OK } else { status };
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

fn person_record(n: &str) -> domain::registry::Person {
    domain::registry::Person { name: name(n), email: None, affiliations: Vec::new(), national_id: None, national_id_on_file: false }
}

fn victim() -> TokenRequest {
    TokenRequest {
        name: name("to be revoked"),
        role: UserRole::Auditor,
        supplier_id: None,
        department_id: None,
        person_id: None,
        system_id: None,
        expires_at: None,
    }
}
