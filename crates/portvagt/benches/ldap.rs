//! Provisioning and reconciliation against a local OpenLDAP (Debian's slapd):
//! 1,000 approved new-account requests carried out by the outbox worker through the LDAP
//! connector (target: under 30 s), then a reconciliation of 20,000 directory entries
//! (target: under 10 s).
//!
//! `cargo bench -p portvagt --bench ldap`

use app::App;
use connectors::ldap::LdapConnector;
use connectors::testing::Slapd;
use domain::authz::{Actor, ActorKind, Organisation, UserRole};
use domain::policy::shipped_presets;
use domain::registry::*;
use domain::request::{RequestInput, RequestKind, Step};
use domain::text::{Code, Name};
use domain::time::{Date, ManualClock};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;
use store::testing::{TestBackend, TestDb};
use uuid::Uuid;

fn actor(role: UserRole, department: Option<Uuid>) -> Actor {
    Actor {
        kind: ActorKind::User,
        id: Uuid::now_v7(),
        name: role.as_str().into(),
        role,
        organisation: Organisation::Municipality,
        department,
        person: None,
    }
}

#[tokio::main]
async fn main() {
    println!("LDAP benchmark on {} cores", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let slapd = Slapd::start(&["AD-LOGON", "AD-DREV"]).await;
    let db = TestDb::new(TestBackend::Sqlite).await;
    let store = db.store().await;
    store.migrate().await.expect("migrate");
    let clock = Arc::new(ManualClock::at("2026-03-02T08:00:00Z"));
    let app = App::new(store, shipped_presets().expect("presets"), "viborg", clock)
        .expect("app")
        .with_connectors([("AD".to_string(), connectors::Connector::Ldap(LdapConnector::new(slapd.config())))].into());
    let admin = Actor::system("bench");
    let n = |s: &str| Name::parse(s).expect("name");
    let c = |s: &str| Code::parse(s).expect("code");
    let it = app.create(&admin, Department { name: n("IT"), code: c("IT"), head: None, substitute: None }).await.expect("department").id;
    let ad = app
        .create(
            &admin,
            System {
                name: n("AD"),
                code: c("AD"),
                owner_department_id: it,
                connector: ConnectorKind::Ldap,
                logs_transactions: false,
                username_pattern: Some(n("{initials:3}{n}")),
                description: None,
            },
        )
        .await
        .expect("system")
        .id;
    let logon = app
        .create(&admin, Role { system_id: ad, code: c("AD-LOGON"), name: n("Logon"), flags: Flags::default(), transaction_types: vec![] })
        .await
        .expect("role")
        .id;
    let drev = app
        .create(&admin, Role { system_id: ad, code: c("AD-DREV"), name: n("Drev"), flags: Flags::default(), transaction_types: vec![] })
        .await
        .expect("role")
        .id;
    let profile = app
        .create(
            &admin,
            Profile { system_id: ad, code: c("AD-STANDARD"), name: n("Standard"), roles: vec![logon, drev], flags: Flags::default() },
        )
        .await
        .expect("profile")
        .id;
    let job = app
        .create(&admin, JobProfile { name: n("Medarbejder"), code: c("MED"), description: None, profiles: vec![profile] })
        .await
        .expect("job profile")
        .id;
    let (requester, approver, coordinator) =
        (actor(UserRole::DepartmentHead, Some(it)), actor(UserRole::DepartmentHead, Some(it)), actor(UserRole::SecurityCoordinator, None));

    let t = Instant::now();
    for i in 0..1000 {
        let person = app
            .create(
                &admin,
                Person {
                    name: n(&format!("Medarbejder Nummer {i:04}")),
                    email: None,
                    affiliations: vec![],
                    national_id: None,
                    national_id_on_file: false,
                },
            )
            .await
            .expect("person")
            .id;
        let input = RequestInput {
            kind: RequestKind::NewAccount,
            person_id: person,
            system_id: Some(ad),
            account_id: None,
            agreement_id: None,
            job_profile_id: Some(job),
            deviations: vec![],
            wanted_start: Date::parse("2026-04-01").expect("date"),
            end_date: None,
            urgent_reason: None,
            needs_assessment_ref: None,
            comment: None,
            draft: false,
        };
        let r = app.submit_request(&requester, input).await.expect("submit");
        app.decide_request(&approver, r.id, Step::ApproveAsDepartment, None, None).await.expect("approve");
        app.decide_request(&coordinator, r.id, Step::ApproveAsCoordinator, None, None).await.expect("approve");
    }
    println!("1,000 requests submitted and approved in {:.1} s (set-up, not measured)", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let mut done = 0;
    loop {
        let n = app.process_outbox().await.expect("outbox");
        if n == 0 {
            break;
        }
        done += n;
    }
    let provision = t.elapsed().as_secs_f64();
    let listed = connectors::ReadBack::list(&LdapConnector::new(slapd.config())).await.expect("list");
    assert_eq!(listed.len(), 1000, "every account created once");
    assert!(listed.iter().all(|a| a.groups == ["AD-DREV", "AD-LOGON"]));
    println!(
        "provisioning 1,000 accounts into OpenLDAP through the outbox: {provision:.1} s ({done} actions) — target < 30 s: {}",
        if provision < 30.0 { "met" } else { "NOT met" }
    );

    // 19,000 more entries made directly in the directory, then read them all back.
    let t = Instant::now();
    {
        let config = slapd.config();
        let (conn, mut ldap) = ldap3::LdapConnAsync::new(&config.url).await.expect("connect");
        ldap3::drive!(conn);
        ldap.simple_bind(&config.bind_dn, &config.bind_password).await.expect("bind").success().expect("bind ok");
        let s = |v: String| HashSet::from([v]);
        for i in 0..19_000 {
            let uid = format!("ext{i:05}");
            let attrs = vec![
                ("objectClass".to_string(), HashSet::from(["inetOrgPerson".to_string()])),
                ("uid".to_string(), s(uid.clone())),
                ("cn".to_string(), s(uid.clone())),
                ("sn".to_string(), s(uid.clone())),
            ];
            ldap.add(&format!("uid={uid},{}", config.users_dn), attrs).await.expect("add").success().expect("added");
        }
        let _ = ldap.unbind().await;
    }
    println!("19,000 more entries added in {:.1} s (set-up, not measured)", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let drift = app.reconcile(&coordinator, ad).await.expect("reconcile");
    let reconcile = t.elapsed().as_secs_f64();
    assert_eq!(drift.len(), 19_000, "the entries Portvagt does not know are orphans");
    println!(
        "reconciliation of 20,000 LDAP entries: {reconcile:.2} s — target < 10 s: {}",
        if reconcile < 10.0 { "met" } else { "NOT met" }
    );
}
