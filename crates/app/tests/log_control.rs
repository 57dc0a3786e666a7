//! Log control signed by the supplier (SEC-3) on SQLite and PostgreSQL: a month of a
//! care-record system's log with one access in each targeted stratum beside ordinary
//! ones; the package picks each targeted access with its reason, its draw verifies
//! against the seed's hash written before it, the supplier's orderer judges and signs
//! off, and the unjustified entry's events go under a legal hold with a case for the
//! security officer. Another supplier sees nothing of it.

mod world;

use domain::authz::{Organisation, UserRole};
use domain::codes;
use domain::ident::NationalId;
use domain::log_control::{Judgement, ReasonCode, Stratum};
use domain::registry::{Affiliation, Person};
use domain::security_report::{CaseState, FindingKind};
use domain::text::Text;
use domain::time::Timestamp;
use portvagt_app::{AppError, ClientListMode};
use store::NewAccount;
use store::log::{InboundEvent, LogQuery};
use store::testing::TestBackend;
use uuid::Uuid;
use world::*;

const CLIENT: &str = "010190-1234";
const STRANGER: &str = "020290-2345";
const OWN: &str = "030390-3456";
const COLLEAGUE: &str = "040490-4567";
const TZ: chrono_tz::Tz = chrono_tz::Europe::Copenhagen;

fn read(at: &str, subject: &str) -> InboundEvent {
    InboundEvent {
        occurred_at: Timestamp::parse(at).unwrap(),
        username: "omsmet1".into(),
        action: "journal.read".into(),
        outcome: "success".into(),
        subject: Some(NationalId::parse(subject).unwrap().canonical()),
        criterion: None,
        client_ip: None,
        details: serde_json::json!({}),
    }
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

/// May 2026 in Copenhagen.
fn may() -> (Timestamp, Timestamp) {
    (ts("2026-04-30T22:00:00Z"), ts("2026-05-31T22:00:00Z"))
}

/// The world with `omsmet1` (a person whose CPR Portvagt knows), a colleague known by
/// CPR, a client list of one citizen, and May's accesses: 30 ordinary look-ups of the
/// client on weekdays, and one each of a stranger, the user's own record, the
/// colleague's, a Saturday and the month's last week.
async fn seeded(b: TestBackend) -> World {
    let w = world(b, "viborg", "2026-05-02T06:00:00Z", "2027-06-30").await;
    let person = |n: &str, cpr: &str| Person {
        name: name(n),
        email: None,
        affiliations: vec![Affiliation { supplier_id: w.supplier, from: date("2025-01-01"), to: None, employee_ref: None }],
        national_id: Some(NationalId::parse(cpr).unwrap()),
        national_id_on_file: true,
    };
    let me = w.app.create(&w.admin, person("Maja Holm", OWN)).await.unwrap().id;
    w.app.create(&w.admin, person("Karen Lund", COLLEAGUE)).await.unwrap();
    let account = NewAccount {
        id: Uuid::now_v7(),
        person_id: me,
        system_id: w.nexus,
        agreement_id: Some(w.agreement),
        username: "omsmet1".into(),
        status: "active",
        valid_from: date("2026-01-01"),
        valid_to: Some(date("2026-12-31")),
        roles: vec![],
    };
    w.app.import_accounts(&w.admin, &[account]).await.unwrap();
    let list = format!("national_id;from;to\n{CLIENT};2026-01-01;\n");
    w.app.import_client_list(&w.coordinator(), w.supplier, list.as_bytes(), true, ClientListMode::Replace).await.unwrap();
    let mut events: Vec<InboundEvent> = (4..=15)
        .filter(|d| ![9, 10].contains(d))
        .flat_map(|d| (0..3).map(move |h| read(&format!("2026-05-{d:02}T0{}:00:00Z", 7 + h), CLIENT)))
        .collect();
    events.truncate(30);
    events.extend([
        read("2026-05-06T10:00:00Z", STRANGER),
        read("2026-05-07T10:00:00Z", OWN),
        read("2026-05-08T10:00:00Z", COLLEAGUE),
        // A Saturday.
        read("2026-05-09T10:00:00Z", CLIENT),
        // The month's last week.
        read("2026-05-28T09:00:00Z", CLIENT),
        // Outside May: the day after.
        read("2026-06-01T09:00:00Z", STRANGER),
    ]);
    w.clock.set("2026-06-01T12:00:00Z");
    w.app.ingest_audit(w.nexus, "may", &portvagt_app::digest(b"may"), &events).await.unwrap();
    w.clock.set("2026-06-02T06:00:00Z");
    w
}

fn orderer_of(supplier: Uuid) -> domain::authz::Actor {
    actor(UserRole::SupplierOrderer, Organisation::Supplier(supplier), None, Some(Uuid::now_v7()))
}

store::backend_tests! {
    /// The draw picks every targeted access with its reason and a random floor, and
    /// verifies against the seed's hash written to the log before it.
    async fn a_package_picks_each_targeted_access_with_its_reason_and_its_draw_verifies(b: TestBackend) {
        // REQ: SEC-3, X-11
        let w = seeded(b).await;
        let (from, to) = may();
        let id = w.app.draw_log_control(&w.coordinator(), w.supplier, from, to, TZ).await.unwrap();
        let p = w.app.log_control_package(&w.coordinator(), id).await.unwrap();
        assert_eq!(p.package.candidates, 35, "May's 35 look-ups, not June's");
        assert_eq!(p.package.state, "open");
        let with = |s: Stratum| p.entries.iter().filter(|e| e.reasons.contains(&s)).map(|e| e.at.clone()).collect::<Vec<_>>();
        let at = |list: &[&str]| list.iter().map(|t| ts(t).to_string()).collect::<Vec<_>>();
        assert_eq!(with(Stratum::NoCareRelation), at(&["2026-05-06T10:00:00Z", "2026-05-07T10:00:00Z", "2026-05-08T10:00:00Z"]));
        assert_eq!(with(Stratum::OwnRecord), at(&["2026-05-07T10:00:00Z"]));
        assert_eq!(with(Stratum::Colleague), at(&["2026-05-08T10:00:00Z"]));
        assert_eq!(with(Stratum::OutOfHours), at(&["2026-05-09T10:00:00Z"]), "a Saturday; 07:00Z is 09:00 in Copenhagen");
        assert_eq!(with(Stratum::Recent), at(&["2026-05-28T09:00:00Z"]));
        // Viborg: 2 a account and 2 % of 35 (rounded up) at random.
        assert!(with(Stratum::Random).len() >= 2 && with(Stratum::Random).len() <= 3, "{:?}", p.entries);
        // Data subjects are numbers: the same citizen the same number.
        let client_numbers: std::collections::HashSet<u32> =
            p.entries.iter().filter(|e| e.reasons == vec![Stratum::OutOfHours] || e.reasons == vec![Stratum::Recent]).map(|e| e.subject).collect();
        assert_eq!(client_numbers.len(), 1);
        let body = serde_json::to_string(&p).unwrap();
        for cpr in ["0101901234", "0202902345", CLIENT, STRANGER] {
            assert!(!body.contains(cpr), "no CPR in the package");
        }
        // The seed's hash was written before the draw, the seed after; recomputed, the
        // sample is the same.
        let check = w.app.verify_log_control(&w.coordinator(), id, TZ).await.unwrap();
        assert!(check.commitment_matches && check.committed_before_draw && check.same_sample, "{check:?}");
        assert_eq!(check.entries, p.entries.len() as u64);
        let events = w.app.store().query_log(&LogQuery { key: Some(format!("r:{id}")), limit: 10, ..Default::default() }).await.unwrap();
        let actions: Vec<&str> = events.entries.iter().rev().map(|e| e.body.action.as_str()).collect();
        assert_eq!(actions, vec!["log_control.commit", "log_control.draw"]);
        // One package per supplier and period: no drawing again until the sample suits.
        let again = w.app.draw_log_control(&w.coordinator(), w.supplier, from, to, TZ).await;
        assert!(matches!(again, Err(AppError::Conflict(ref e)) if e.code == codes::LOG_CONTROL_PERIOD_TAKEN), "{again:?}");
    }

    /// Bad input: a period not ended, reversed or too long, an unknown supplier, a
    /// supplier without accesses, someone who may not draw.
    async fn a_draw_names_what_is_wrong_and_writes_nothing(b: TestBackend) {
        // REQ: SEC-3
        let w = seeded(b).await;
        let (from, to) = may();
        let c = w.coordinator();
        let code = |r: portvagt_app::Result<Uuid>| match r {
            Err(AppError::Invalid(e)) => e.code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code(w.app.draw_log_control(&c, w.supplier, from, ts("2026-07-01T00:00:00Z"), TZ).await), codes::LOG_CONTROL_PERIOD_NOT_ENDED);
        assert_eq!(code(w.app.draw_log_control(&c, w.supplier, to, from, TZ).await), codes::ENDS_BEFORE_START);
        assert_eq!(code(w.app.draw_log_control(&c, w.supplier, ts("2026-01-01T00:00:00Z"), to, TZ).await), codes::PERIOD_TOO_LONG);
        assert_eq!(code(w.app.draw_log_control(&c, Uuid::now_v7(), from, to, TZ).await), codes::UNKNOWN_REFERENCE);
        let other = w.app.list::<domain::registry::Supplier>(&c, &Default::default(), domain::paging::PageRequest { page: 1, page_size: 10 }).await.unwrap();
        let other = other.items.iter().find(|s| s.id != w.supplier).unwrap().id;
        assert_eq!(code(w.app.draw_log_control(&c, other, from, to, TZ).await), codes::LOG_CONTROL_NO_ACCESSES);
        assert!(matches!(w.app.draw_log_control(&w.orderer, w.supplier, from, to, TZ).await, Err(AppError::Forbidden)));
        assert!(w.app.log_control_packages(&c).await.unwrap().is_empty(), "nothing stored");
    }

    /// The supplier's orderer judges every entry, reveals one data subject (recorded),
    /// and signs off; the unjustified entry's events go under a legal hold and a case
    /// opens for the security officer. Another supplier's orderer sees none of it.
    async fn the_supplier_judges_and_signs_off_and_an_unjustified_access_becomes_a_case(b: TestBackend) {
        // REQ: SEC-3, SEC-2, LOG-4
        let w = seeded(b).await;
        let (from, to) = may();
        let id = w.app.draw_log_control(&w.coordinator(), w.supplier, from, to, TZ).await.unwrap();
        // Tenant isolation.
        let stranger = orderer_of(Uuid::now_v7());
        assert!(matches!(w.app.log_control_package(&stranger, id).await, Err(AppError::NotFound)));
        assert!(w.app.log_control_packages(&stranger).await.unwrap().is_empty());
        assert!(matches!(w.app.reveal_log_control_subject(&stranger, id, 1).await, Err(AppError::NotFound)));
        assert_eq!(w.app.log_control_packages(&w.orderer).await.unwrap().len(), 1);
        // The supplier's HR system's token stands for no person: it does not judge.
        let hr = actor(UserRole::SupplierOrderer, Organisation::Supplier(w.supplier), None, None);
        assert!(matches!(w.app.log_control_package(&hr, id).await, Err(AppError::Forbidden)));
        // The municipality follows it but does not judge it.
        let p = w.app.log_control_package(&w.orderer, id).await.unwrap();
        let v = p.package.version;
        let judge = |by, v, n, j, r| {
            let app = &w.app;
            async move { app.judge_log_control(by, id, v, n, j, r, None).await }
        };
        let coordinator = w.coordinator();
        assert!(matches!(judge(&coordinator, v, 1, Judgement::Justified, ReasonCode::CareTask).await, Err(AppError::Forbidden)));
        // A reason of another judgement.
        let wrong = judge(&w.orderer, v, 1, Judgement::Justified, ReasonCode::NoTask).await;
        assert!(matches!(wrong, Err(AppError::Invalid(ref e)) if e.code == codes::LOG_CONTROL_REASON), "{wrong:?}");
        let stranger_entry = p.entries.iter().find(|e| e.at == ts("2026-05-06T10:00:00Z").to_string()).unwrap().n;
        // Revealing the data subject is recorded.
        let shown = w.app.reveal_log_control_subject(&w.orderer, id, stranger_entry).await.unwrap();
        assert_eq!(shown, STRANGER);
        let reveals = w.app.store().query_log(&LogQuery { key: Some("o:log_control.reveal".into()), limit: 10, ..Default::default() }).await.unwrap();
        assert_eq!(reveals.entries.len(), 1);
        // Not all judged: no sign-off.
        let early = w.app.sign_off_log_control(&w.orderer, id, v, None).await;
        assert!(matches!(early, Err(AppError::Invalid(ref e)) if e.code == codes::LOG_CONTROL_UNJUDGED), "{early:?}");
        let mut v = v;
        for e in &p.entries {
            let (j, r) = if e.n == stranger_entry {
                (Judgement::Unjustified, ReasonCode::NoTask)
            } else if e.n == 1 && e.n != stranger_entry {
                (Judgement::NeedsInformation, ReasonCode::AskEmployee)
            } else {
                (Judgement::Justified, ReasonCode::CareTask)
            };
            judge(&w.orderer, v, e.n, j, r).await.unwrap();
            v += 1;
        }
        // A stale version is refused.
        assert!(matches!(judge(&w.orderer, v - 1, 1, Judgement::Justified, ReasonCode::CareTask).await, Err(AppError::Conflict(_))));
        if stranger_entry != 1 {
            let waiting = w.app.sign_off_log_control(&w.orderer, id, v, None).await;
            assert!(matches!(waiting, Err(AppError::Invalid(ref e)) if e.code == codes::LOG_CONTROL_WAITING), "{waiting:?}");
            judge(&w.orderer, v, 1, Judgement::Justified, ReasonCode::Substitute).await.unwrap();
            v += 1;
        }
        let statement = Text::parse("Medarbejderen er talt med.").unwrap();
        let case = w.app.sign_off_log_control(&w.orderer, id, v, Some(statement)).await.unwrap().expect("a case");
        let p = w.app.log_control_package(&w.coordinator(), id).await.unwrap();
        assert_eq!((p.package.state.as_str(), p.package.unjustified, p.package.case_id), ("signed", 1, Some(case)));
        assert!(matches!(w.app.sign_off_log_control(&w.orderer, id, p.package.version, None).await, Err(AppError::Conflict(_))));
        // The case: misuse, for the security officer, its events on hold.
        let officer = actor(UserRole::SecurityOfficer, Organisation::Municipality, None, None);
        let report = w.app.security_report(&officer, case).await.unwrap();
        assert_eq!(report.report.state, CaseState::Misuse.code());
        assert_eq!(report.findings.len(), 1);
        assert_eq!((report.findings[0].kind, report.findings[0].username.as_str(), report.findings[0].count), (FindingKind::UnjustifiedAccess, "omsmet1", 1));
        let holds = w.app.store().holds().await.unwrap();
        let hold = holds.iter().find(|h| Some(h.id.as_str()) == report.report.hold_id.map(|h| h.to_string()).as_deref()).expect("the hold");
        assert!(hold.case_ref.starts_with("LK-"), "{hold:?}");
    }

    /// The periodic run draws each supplier's package of the last month once, reminds
    /// the supplier before the due date and escalates to the coordinator after it.
    async fn the_monthly_run_draws_once_reminds_and_escalates(b: TestBackend) {
        // REQ: SEC-3
        let w = seeded(b).await;
        assert_eq!(w.app.periodic_log_control(TZ).await.unwrap(), 1, "May's package of the one supplier with accesses");
        assert_eq!(w.app.periodic_log_control(TZ).await.unwrap(), 0, "once");
        let p = &w.app.log_control_packages(&w.coordinator()).await.unwrap()[0];
        assert!(p.automatic);
        let (from, to) = may();
        assert_eq!((p.period_from.clone(), p.period_to.clone()), (from.to_string(), to.to_string()));
        let count = |action: &'static str| {
            let app = &w.app;
            async move { app.store().query_log(&LogQuery { key: Some(format!("o:{action}")), limit: 10, ..Default::default() }).await.unwrap().entries.len() }
        };
        assert_eq!(count("log_control.remind").await, 0, "not due yet");
        // Viborg gives 14 days: reminded 3 days before, escalated after.
        w.clock.set("2026-06-14T06:00:00Z");
        w.app.periodic_log_control(TZ).await.unwrap();
        w.app.periodic_log_control(TZ).await.unwrap();
        assert_eq!(count("log_control.remind").await, 1, "reminded once");
        w.clock.set("2026-06-17T06:00:00Z");
        w.app.periodic_log_control(TZ).await.unwrap();
        w.app.periodic_log_control(TZ).await.unwrap();
        assert_eq!(count("log_control.remind").await, 2, "escalated once");
        assert!(w.app.log_control_packages(&w.coordinator()).await.unwrap()[0].overdue);
    }
}
