//! A municipality with two departments, a supplier, an agreement and its staff, on a
//! clock the tests move: the world the use-case tests run in.
#![allow(dead_code)]

use domain::authz::{Actor, ActorKind, Organisation, UserRole};
use domain::policy::shipped_presets;
use domain::registry::*;
use domain::request::{RequestInput, RequestKind, Step};
use domain::text::{Code, Name};
use domain::time::{Date, ManualClock};
use portvagt_app::{App, AppError};
use std::sync::Arc;
use store::testing::{TestBackend, TestDb};
use uuid::Uuid;

pub struct World {
    pub _db: TestDb,
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub admin: Actor,
    pub care: Uuid,
    pub pension: Uuid,
    pub ad: Uuid,
    pub nexus: Uuid,
    pub ad_logon: Uuid,
    pub ad_standard: Uuid,
    pub omsorg: Uuid,
    pub udtraek: Uuid,
    pub ssh: Uuid,
    pub supplier: Uuid,
    pub agreement: Uuid,
    pub orderer: Actor,
    pub staff: Uuid,
    pub other_staff: Uuid,
}

pub fn actor(role: UserRole, org: Organisation, department: Option<Uuid>, person: Option<Uuid>) -> Actor {
    Actor {
        kind: ActorKind::User,
        id: Uuid::now_v7(),
        name: format!("{} {}", role.as_str(), &Uuid::now_v7().to_string()[..8]),
        role,
        organisation: org,
        department,
        person,
    }
}

pub fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}
pub fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}
pub fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

impl World {
    pub fn coordinator(&self) -> Actor {
        actor(UserRole::SecurityCoordinator, Organisation::Municipality, None, None)
    }
    pub fn head(&self, dept: Uuid) -> Actor {
        actor(UserRole::DepartmentHead, Organisation::Municipality, Some(dept), None)
    }
    pub fn operator(&self) -> Actor {
        actor(UserRole::ItOperator, Organisation::Municipality, None, None)
    }

    pub fn new_account(&self, person: Uuid, start: &str) -> RequestInput {
        RequestInput {
            kind: RequestKind::NewAccount,
            person_id: person,
            system_id: Some(self.nexus),
            account_id: None,
            agreement_id: Some(self.agreement),
            job_profile_id: Some(self.ssh),
            deviations: vec![],
            wanted_start: date(start),
            end_date: None,
            urgent_reason: None,
            needs_assessment_ref: Some(name("Behovsvurdering HJ-2026-17")),
            comment: None,
            draft: false,
        }
    }

    /// Department head, then coordinator.
    pub async fn approve(&self, id: Uuid) {
        self.app.decide_request(&self.head(self.care), id, Step::ApproveAsDepartment, None, None).await.unwrap();
        self.app.decide_request(&self.coordinator(), id, Step::ApproveAsCoordinator, None, None).await.unwrap();
    }

    /// The IT operator confirms every open task.
    pub async fn confirm_all(&self) -> usize {
        self.app.process_outbox().await.unwrap();
        let tasks = self.app.list_tasks(&self.operator(), Some("open")).await.unwrap();
        for t in &tasks {
            self.app.confirm_task(&self.operator(), t.id, None).await.unwrap();
        }
        tasks.len()
    }

    pub async fn accounts_of(&self, person: Uuid) -> Vec<store::AccountRow> {
        self.app.store().list_accounts(&store::AccountQuery { person_id: Some(person), limit: 100, ..Default::default() }).await.unwrap().0
    }

    pub async fn counts(&self) -> (u64, u64, u64) {
        let s = self.app.store();
        let requests = s.list_requests(&store::RequestQuery { limit: 1, ..Default::default() }).await.unwrap().1;
        (requests, s.count_accounts().await.unwrap(), s.count_audit().await.unwrap())
    }
}

pub async fn world(b: TestBackend, preset: &str, now: &str, agreement_end: &str) -> World {
    let db = TestDb::new(b).await;
    let store = db.store().await;
    store.migrate().await.unwrap();
    let clock = Arc::new(ManualClock::at(now));
    let app = App::new(store, shipped_presets().unwrap(), preset, clock.clone()).unwrap();
    let admin = Actor::system("test");
    let care = app
        .create(
            &admin,
            Department {
                name: name("Hjemmeplejen"),
                code: code("HJ"),
                head: Some(Contact { name: name("Lone Kristensen"), email: None, phone: None }),
                substitute: None,
            },
        )
        .await
        .unwrap()
        .id;
    let pension = app
        .create(&admin, Department { name: name("Borgerservice og Pension"), code: code("BP"), head: None, substitute: None })
        .await
        .unwrap()
        .id;
    let sys = |n: &str, c: &str, owner| System {
        name: name(n),
        code: code(c),
        owner_department_id: owner,
        connector: ConnectorKind::Manual,
        logs_transactions: true,
        username_pattern: Some(name("{supplier:3}{initials:3}{n}")),
        description: None,
    };
    let ad = app.create(&admin, sys("AD", "AD", care)).await.unwrap().id;
    let nexus = app.create(&admin, sys("KMD Nexus", "NEXUS", care)).await.unwrap().id;
    let role = |system, c: &str, flags: Flags| Role { system_id: system, code: code(c), name: name(c), flags, transaction_types: vec![] };
    let plain = Flags::default();
    let sensitive = Flags { sensitive: true, ..Flags::default() };
    let export = Flags { allows_export: true, sensitive: true, read_only: true, privileged: false };
    let logon = app.create(&admin, role(ad, "AD-LOGON", plain)).await.unwrap().id;
    let drev = app.create(&admin, role(ad, "AD-DREV", plain)).await.unwrap().id;
    let journal = app.create(&admin, role(nexus, "NEX-JOURNAL", sensitive)).await.unwrap().id;
    let eksport = app.create(&admin, role(nexus, "NEX-EKSPORT", export)).await.unwrap().id;
    let profile = |system, c: &str, roles| Profile { system_id: system, code: code(c), name: name(c), roles, flags: Flags::default() };
    let ad_logon = app.create(&admin, profile(ad, "AD-LOGON", vec![logon])).await.unwrap().id;
    let ad_standard = app.create(&admin, profile(ad, "AD-STANDARD", vec![logon, drev])).await.unwrap().id;
    let omsorg = app.create(&admin, profile(nexus, "OMSORGSJOURNAL", vec![journal])).await.unwrap().id;
    let udtraek = app.create(&admin, profile(nexus, "NEX-UDTRÆK", vec![eksport])).await.unwrap().id;
    let ssh = app
        .create(
            &admin,
            JobProfile {
                name: name("Social- og sundhedshjælper"), code: code("SSH"), description: None, profiles: vec![ad_logon, omsorg]
            },
        )
        .await
        .unwrap()
        .id;
    let supplier = app
        .create(
            &admin,
            Supplier {
                name: name("Omsorg Nord ApS"),
                org_number: domain::ident::OrgNumber::parse("29189838").unwrap(),
                address: None,
                contact: None,
            },
        )
        .await
        .unwrap()
        .id;
    let other_supplier = app
        .create(
            &admin,
            Supplier {
                name: name("Anden Pleje A/S"),
                org_number: domain::ident::OrgNumber::parse("556036-0793").unwrap(),
                address: None,
                contact: None,
            },
        )
        .await
        .unwrap()
        .id;
    let person = |n: &str, s| Person {
        name: name(n),
        email: None,
        affiliations: vec![Affiliation { supplier_id: s, from: date("2025-01-01"), to: None, employee_ref: None }],
        national_id: None,
        national_id_on_file: false,
    };
    let boss = app.create(&admin, person("Ole Orderer", supplier)).await.unwrap().id;
    let staff = app.create(&admin, person("Mette Hansen", supplier)).await.unwrap().id;
    let other_staff = app.create(&admin, person("Bo Dahl", other_supplier)).await.unwrap().id;
    app.create(
        &admin,
        Orderer { supplier_id: supplier, person_id: boss, valid_from: date("2025-01-01"), valid_to: None, person_name: String::new() },
    )
    .await
    .unwrap();
    let agreement = app
        .create(
            &admin,
            Agreement {
                supplier_id: supplier,
                department_id: Some(care),
                title: name("Personlig pleje"),
                service_type: ServiceType::PersonalCare,
                consultant_engagement: false,
                valid_from: date("2025-01-01"),
                valid_to: date(agreement_end),
                scope: AgreementScope { systems: vec![ad, nexus], profiles: vec![ad_logon, ad_standard, omsorg, udtraek], user_cap: 3 },
                data_processing: DataProcessing { dpa_in_place: false, dpa_reference: None, allows_export: false, sub_processors: vec![] },
                attestations: vec![],
                acceptances: vec![],
            },
        )
        .await
        .unwrap()
        .id;
    let orderer = actor(UserRole::SupplierOrderer, Organisation::Supplier(supplier), None, Some(boss));
    let policy = app.active_preset().await.unwrap().policy;
    for kind in policy.accounts.required_attestations.value {
        app.attest_agreement(&orderer, agreement, kind, name("Ole Orderer")).await.unwrap();
    }
    World {
        _db: db,
        app,
        clock,
        admin,
        care,
        pension,
        ad,
        nexus,
        ad_logon,
        ad_standard,
        omsorg,
        udtraek,
        ssh,
        supplier,
        agreement,
        orderer,
        staff,
        other_staff,
    }
}

pub fn invalid(e: AppError) -> (String, &'static str) {
    match e {
        AppError::Invalid(f) => (f.field, f.code),
        other => panic!("expected a rule error, got {other:?}"),
    }
}
