//! Starts the real HTTP application on a random loopback port with a fresh database.

#![allow(dead_code)]

use app::{App, TokenRequest};
use domain::authz::{Actor, UserRole};
use domain::policy::shipped_presets;
use domain::text::Name;
use domain::time::SystemClock;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use store::testing::{TestBackend, TestDb};
use uuid::Uuid;

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub app: App,
    pub db: TestDb,
    /// A security coordinator's token: may manage the whole registry.
    pub coordinator: String,
    pub admin: String,
}

impl TestApp {
    pub async fn spawn(b: TestBackend) -> TestApp {
        Self::spawn_with_preset(b, "taarnby").await
    }

    pub async fn spawn_with_preset(b: TestBackend, preset: &str) -> TestApp {
        Self::spawn_with_clock(b, preset, Arc::new(SystemClock)).await
    }

    /// With the pages' settings (HTTPS cookies, rate limits) as an instance has them.
    pub async fn spawn_with_ui(b: TestBackend, ui: portvagt_web::ui::UiConfig) -> TestApp {
        Self::spawn_full(b, "taarnby", Arc::new(SystemClock), ui).await
    }

    pub async fn spawn_with_clock(b: TestBackend, preset: &str, clock: Arc<dyn domain::time::Clock>) -> TestApp {
        Self::spawn_full(b, preset, clock, portvagt_web::ui::UiConfig::default()).await
    }

    async fn spawn_full(b: TestBackend, preset: &str, clock: Arc<dyn domain::time::Clock>, ui: portvagt_web::ui::UiConfig) -> TestApp {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        store.migrate().await.unwrap();
        let app = App::new(store, shipped_presets().unwrap(), preset, clock).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = portvagt_web::router_with(app.clone(), ui);
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let mut t = TestApp { base, http: reqwest::Client::new(), app, db, coordinator: String::new(), admin: String::new() };
        t.admin = t.token(UserRole::Administrator, None).await;
        t.coordinator = t.token(UserRole::SecurityCoordinator, None).await;
        t
    }

    pub async fn token(&self, role: UserRole, supplier: Option<Uuid>) -> String {
        self.scoped_token(role, supplier, None, None).await
    }

    pub async fn scoped_token(&self, role: UserRole, supplier: Option<Uuid>, department: Option<Uuid>, person: Option<Uuid>) -> String {
        // A token of a four-eyes role names its person: each test token is a person of its own.
        let person = match person {
            None if role.needs_a_person() => Some(self.staff_person(&format!("Test {}", role.as_str())).await),
            p => p,
        };
        let req = TokenRequest {
            name: Name::parse(&format!("test {}", role.as_str())).unwrap(),
            role,
            supplier_id: supplier,
            department_id: department,
            person_id: person,
            system_id: None,
            expires_at: None,
        };
        self.app.create_token(&Actor::system("test"), req).await.unwrap().token
    }

    /// A person of the municipality's own staff (no supplier).
    pub async fn staff_person(&self, name: &str) -> Uuid {
        let p = domain::registry::Person {
            name: Name::parse(name).unwrap(),
            email: None,
            affiliations: Vec::new(),
            national_id: None,
            national_id_on_file: false,
        };
        self.app.create(&Actor::system("test"), p).await.unwrap().id
    }

    pub fn req(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base)).bearer_auth(token).header("Accept-Language", "en")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.req(Method::GET, path, token).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.req(Method::POST, path, token).json(body).send().await.unwrap()
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.req(Method::PUT, path, token).json(body).send().await.unwrap()
    }

    /// Creates a record as the coordinator and returns its id; panics with the problem.
    pub async fn create(&self, plural: &str, body: Value) -> Uuid {
        let res = self.post(&format!("/api/v1/{plural}"), &self.coordinator, &body).await;
        let status = res.status();
        let v: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "create {plural}: {v}");
        v["id"].as_str().unwrap().parse().unwrap()
    }

    pub async fn count(&self, plural: &str) -> u64 {
        let v: Value = self.get(&format!("/api/v1/{plural}"), &self.coordinator).await.json().await.unwrap();
        v["total"].as_u64().unwrap()
    }

    pub async fn audit_count(&self) -> u64 {
        self.app.store().count_audit().await.unwrap()
    }
}

/// Reads a problem response and checks its form.
pub async fn problem(res: Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status, "status");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let v: Value = res.json().await.unwrap();
    let code = v["code"].as_str().unwrap().to_string();
    assert_eq!(v["type"], format!("urn:portvagt:problem:{code}"));
    assert_eq!(v["status"], status.as_u16());
    v
}

/// A small registry with two suppliers, A and B, each with a person, an orderer and an
/// agreement, over one department, system, role, profile and job profile.
pub struct Seed {
    pub department: Uuid,
    pub system: Uuid,
    pub role: Uuid,
    pub profile: Uuid,
    pub job_profile: Uuid,
    pub supplier_a: Uuid,
    pub supplier_b: Uuid,
    pub person_a: Uuid,
    pub person_b: Uuid,
    pub orderer_a: Uuid,
    pub orderer_b: Uuid,
    pub agreement_a: Uuid,
    pub agreement_b: Uuid,
}

pub fn agreement_body(supplier: Uuid, system: Uuid, profile: Uuid) -> Value {
    json!({
        "supplier_id": supplier,
        "title": "Personlig pleje",
        "service_type": "personal_care",
        "valid_from": "2026-01-01",
        "valid_to": "2027-12-31",
        "scope": { "systems": [system], "profiles": [profile], "user_cap": 4 },
        "data_processing": { "dpa_in_place": false, "allows_export": false }
    })
}

pub fn person_body(name: &str, supplier: Uuid, cpr: &str) -> Value {
    json!({
        "name": name,
        "affiliations": [{ "supplier_id": supplier, "from": "2026-01-01" }],
        "national_id": { "kind": "cpr", "value": cpr }
    })
}

pub async fn seed(t: &TestApp) -> Seed {
    let department = t
        .create(
            "departments",
            json!({ "name": "Hjemmeplejen", "code": "HJ", "head": { "name": "Lone Kristensen", "email": "lone@kommune.dk" } }),
        )
        .await;
    let system = t.create("systems", json!({ "name": "KMD Nexus", "code": "NEXUS", "owner_department_id": department, "connector": "scim", "logs_transactions": true })).await;
    let role = t
        .create("roles", json!({ "system_id": system, "code": "NEX-LÆS", "name": "Læs journal", "flags": { "read_only": true, "allows_export": false, "privileged": false, "sensitive": true }, "transaction_types": ["VIS-BORGER"] }))
        .await;
    let profile =
        t.create("profiles", json!({ "system_id": system, "code": "OMSORGSJOURNAL", "name": "Omsorgsjournal", "roles": [role] })).await;
    let job_profile = t.create("job-profiles", json!({ "name": "Social- og sundhedshjælper", "code": "SSH", "profiles": [profile] })).await;
    let supplier_a = t.create("suppliers", json!({ "name": "Omsorg A ApS", "org_number": "29189838" })).await;
    let supplier_b = t.create("suppliers", json!({ "name": "Omsorg B AB", "org_number": "556036-0793" })).await;
    let person_a = t.create("persons", person_body("Anna Berg", supplier_a, "010190-1234")).await;
    let person_b = t.create("persons", person_body("Bo Dahl", supplier_b, "020285-4321")).await;
    let orderer_a = t.create("orderers", json!({ "supplier_id": supplier_a, "person_id": person_a, "valid_from": "2026-01-01" })).await;
    let orderer_b = t.create("orderers", json!({ "supplier_id": supplier_b, "person_id": person_b, "valid_from": "2026-01-01" })).await;
    let agreement_a = t.create("agreements", agreement_body(supplier_a, system, profile)).await;
    let agreement_b = t.create("agreements", agreement_body(supplier_b, system, profile)).await;
    Seed {
        department,
        system,
        role,
        profile,
        job_profile,
        supplier_a,
        supplier_b,
        person_a,
        person_b,
        orderer_a,
        orderer_b,
        agreement_a,
        agreement_b,
    }
}
