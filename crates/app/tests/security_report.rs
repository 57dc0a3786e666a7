//! The security report (SEC-1, SEC-2, SYS-4, X-11) on SQLite and PostgreSQL: a day of a
//! care-record system's log seeded with one scenario per class of finding beside clean
//! events; each class appears exactly once and the clean events not at all. Then the
//! report as a case: investigated, and misuse found — its events under a legal hold.

mod world;

use domain::authz::{Organisation, UserRole};
use domain::codes;
use domain::registry::{Flags, Role};
use domain::security_report::{CaseState, FindingKind};
use domain::text::Text;
use domain::time::Timestamp;
use portvagt_app::{AppError, CaseInput, ClientListMode};
use store::NewAccount;
use store::log::InboundEvent;
use store::testing::TestBackend;
use uuid::Uuid;
use world::*;

const CLIENT: &str = "010190-1234";
const STRANGER: &str = "020290-2345";

fn event(at: &str, username: &str, action: &str, outcome: &str, subject: Option<&str>) -> InboundEvent {
    InboundEvent {
        occurred_at: Timestamp::parse(at).unwrap(),
        username: username.into(),
        action: action.into(),
        outcome: outcome.into(),
        subject: subject.map(|s| domain::ident::NationalId::parse(s).unwrap().canonical()),
        criterion: None,
        client_ip: None,
        details: serde_json::json!({}),
    }
}

/// The world with a care-record role whose transaction set is logon, read and search, an
/// active account (`omsmet1`) and an expired one (`omsold1`), and a client list with one
/// citizen; then a day of events, all reported on 2026-05-04.
async fn seeded(b: TestBackend) -> (World, Uuid) {
    let w = world(b, "viborg", "2026-05-05T06:00:00Z", "2027-06-30").await;
    let role = Role {
        system_id: w.nexus,
        code: code("NEX-LÆS"),
        name: name("Journal, læse"),
        flags: Flags::default(),
        transaction_types: vec![code("logon"), code("journal.read"), code("journal.search")],
    };
    let role = w.app.create(&w.admin, role).await.unwrap().id;
    let account = |person, username: &str, to: &str| NewAccount {
        id: Uuid::now_v7(),
        person_id: person,
        system_id: w.nexus,
        agreement_id: Some(w.agreement),
        username: username.into(),
        status: "active",
        valid_from: date("2026-01-01"),
        valid_to: Some(date(to)),
        roles: vec![(role, None)],
    };
    let accounts = [account(w.staff, "omsmet1", "2026-12-31"), account(w.other_staff, "omsold1", "2026-04-30")];
    w.app.import_accounts(&w.admin, &accounts).await.unwrap();
    let list = format!("national_id;from;to\n{CLIENT};2026-01-01;\n");
    w.app.import_client_list(&w.coordinator(), w.supplier, list.as_bytes(), true, ClientListMode::Replace).await.unwrap();
    let mut events = vec![
        // Clean: a sign-on, a look-up of the supplier's own client, a search.
        event("2026-05-04T08:00:00Z", "omsmet1", "logon", "success", None),
        event("2026-05-04T08:01:00Z", "omsmet1", "journal.read", "success", Some(CLIENT)),
        event("2026-05-04T08:02:00Z", "omsmet1", "journal.search", "success", None),
        // A refused export is the system doing its job.
        event("2026-05-04T08:03:00Z", "omsmet1", "journal.export", "denied", None),
        // One of each class.
        event("2026-05-04T09:00:00Z", "ghost", "logon", "failed", None),
        event("2026-05-04T09:30:00Z", "omsmet1", "lockout", "success", None),
        event("2026-05-04T10:00:00Z", "anonymous", "journal.read", "success", None),
        event("2026-05-04T11:00:00Z", "omsmet1", "journal.export", "success", None),
        event("2026-05-04T12:00:00Z", "omsold1", "journal.search", "success", None),
        event("2026-05-04T13:00:00Z", "omsmet1", "journal.read", "success", Some(STRANGER)),
        // Outside the period: the day before.
        event("2026-05-03T13:00:00Z", "omsmet1", "journal.read", "success", Some(STRANGER)),
    ];
    // As many failed sign-ons as Viborg's lockout allows.
    let lockout = w.app.active_preset().await.unwrap().policy.login.lockout_attempts.value;
    for i in 0..lockout {
        events.push(event(&format!("2026-05-04T14:0{i}:00Z"), "omsmet1", "logon", "failed", None));
    }
    w.clock.set("2026-05-04T18:00:00Z");
    w.app.ingest_audit(w.nexus, "day", &portvagt_app::digest(b"day"), &events).await.unwrap();
    // A refusal inside Portvagt: the orderer asks for another supplier's client list.
    let other = Uuid::now_v7();
    assert!(w.app.client_list(&w.orderer, other).await.is_err());
    w.clock.set("2026-05-05T06:00:00Z");
    let from = Timestamp::parse("2026-05-04T00:00:00Z").unwrap();
    let to = Timestamp::parse("2026-05-05T00:00:00Z").unwrap();
    let id = w.app.make_security_report(&w.coordinator(), from, to).await.unwrap();
    (w, id)
}

store::backend_tests! {
    /// Each class of finding appears exactly once, the clean events not at all.
    async fn each_class_of_finding_appears_once_and_a_clean_event_not_at_all(b: TestBackend) {
        // REQ: SEC-1, SYS-4, X-11
        let (w, id) = seeded(b).await;
        let report = w.app.security_report(&w.coordinator(), id).await.unwrap();
        let mut kinds: Vec<FindingKind> = report.findings.iter().map(|f| f.kind).collect();
        kinds.sort();
        // Every class the log shows; an unjustified access is the supplier's judgement (SEC-3).
        let expected: Vec<FindingKind> = FindingKind::ALL.iter().copied().filter(|k| *k != FindingKind::UnjustifiedAccess).collect();
        assert_eq!(kinds, expected, "{:#?}", report.findings);
        let of = |k: FindingKind| report.findings.iter().find(|f| f.kind == k).unwrap();
        assert_eq!(of(FindingKind::UnknownUsername).username, "ghost");
        assert_eq!(of(FindingKind::NoAuthenticatedUser).username, "anonymous");
        assert_eq!(of(FindingKind::OutsideTransactionSet).actions, vec!["journal.export"], "the refused export is no finding");
        assert_eq!(of(FindingKind::InactiveAccount).username, "omsold1", "expired on 30 April");
        let stranger = of(FindingKind::NotAClient);
        assert_eq!((stranger.username.as_str(), stranger.count, stranger.with_subject), ("omsmet1", 1, 1), "the day before is outside the period");
        assert_eq!(stranger.supplier_id, Some(w.supplier));
        assert_eq!(of(FindingKind::RepeatedFailures).count, u64::from(w.app.active_preset().await.unwrap().policy.login.lockout_attempts.value));
        assert_eq!(of(FindingKind::RefusedInPortvagt).source, "portvagt");
        assert_eq!(report.report.events, 16, "the events of the period, Portvagt's own included");
        assert_eq!(report.report.state, "open");
        // Reading it is recorded.
        let reads = w.app.store().query_log(&store::log::LogQuery { key: Some("o:security_report.read".into()), limit: 10, ..Default::default() }).await.unwrap();
        assert_eq!(reads.entries.len(), 1);
    }

    /// The case: handed to a department, investigated by its head, misuse found — the
    /// events go under a legal hold at once; a concluded case takes no further step.
    async fn a_report_with_misuse_puts_its_events_under_a_legal_hold(b: TestBackend) {
        // REQ: SEC-2, LOG-4
        let (w, id) = seeded(b).await;
        let sc = w.coordinator();
        let head = actor(UserRole::DepartmentHead, Organisation::Municipality, Some(w.care), None);
        let other_head = actor(UserRole::DepartmentHead, Organisation::Municipality, Some(w.pension), None);
        assert!(matches!(w.app.security_report(&head, id).await, Err(AppError::NotFound)), "not handed to the department yet");
        let v = w.app.security_report(&sc, id).await.unwrap().report.version;
        let closing = CaseInput::Close(Text::parse("Intet fundet").unwrap());
        let refused = w.app.security_report_step(&sc, id, v, closing).await;
        assert!(matches!(refused, Err(AppError::Conflict(ref e)) if e.code == codes::REPORT_CASE_STEP), "looked into first: {refused:?}");
        w.app.security_report_step(&sc, id, v, CaseInput::Assign(w.care)).await.unwrap();
        assert_eq!(w.app.security_reports(&head).await.unwrap().len(), 1, "the head sees what was handed to the department");
        assert!(w.app.security_reports(&other_head).await.unwrap().is_empty());
        assert!(matches!(w.app.security_report(&other_head, id).await, Err(AppError::NotFound)));
        let v = w.app.security_report(&head, id).await.unwrap().report.version;
        let stale = w.app.security_report_step(&head, id, v - 1, CaseInput::Investigate).await;
        assert!(matches!(stale, Err(AppError::Conflict(_))), "a stale version is refused");
        w.app.security_report_step(&head, id, v, CaseInput::Investigate).await.unwrap();
        let v = w.app.security_report(&head, id).await.unwrap().report.version;
        w.app.security_report_step(&head, id, v, CaseInput::Misuse(Text::parse("Opslag uden arbejdsmæssig grund").unwrap())).await.unwrap();
        let done = w.app.security_report(&sc, id).await.unwrap().report;
        assert_eq!(done.state, CaseState::Misuse.code());
        let hold = w.app.store().holds().await.unwrap().into_iter().find(|h| Some(h.id.parse().unwrap()) == done.hold_id).expect("a legal hold");
        assert!(hold.keys.iter().any(|k| k.starts_with("a:")), "the accounts' events are held");
        assert!(hold.keys.iter().all(|k| !k.contains("0101901234")), "no identifier in a key");
        let again = w.app.security_report_step(&sc, id, done.version, CaseInput::Investigate).await;
        assert!(matches!(again, Err(AppError::Conflict(_))), "a conclusion is final");
    }

    /// A report closed without misuse is deleted after the policy's days, and the
    /// deletion recorded; an empty report is made closed.
    async fn a_report_closed_without_misuse_is_deleted_after_the_policys_days(b: TestBackend) {
        // REQ: SEC-2
        let (w, id) = seeded(b).await;
        let sc = w.coordinator();
        let v = w.app.security_report(&sc, id).await.unwrap().report.version;
        w.app.security_report_step(&sc, id, v, CaseInput::Investigate).await.unwrap();
        w.app.security_report_step(&sc, id, v + 1, CaseInput::Close(Text::parse("Forklaret af leverandøren").unwrap())).await.unwrap();
        let keep = w.app.active_preset().await.unwrap().policy.audit.closed_report_keep_days.value;
        // The daily run the next night: yesterday's report, which has no findings.
        w.clock.set("2026-05-06T02:00:00Z");
        let daily = w.app.daily_security_report(chrono_tz::Europe::Copenhagen).await.unwrap().expect("yesterday's report");
        let empty = w.app.security_report(&sc, daily).await.unwrap().report;
        assert_eq!((empty.state.as_str(), empty.findings), ("closed", 0), "nothing to look into");
        assert_eq!(empty.period_from, "2026-05-04T22:00:00.000000Z", "the day in the municipality's time");
        assert!(w.app.daily_security_report(chrono_tz::Europe::Copenhagen).await.unwrap().is_none(), "once per day");
        // Closed at 06:00 on 5 May: gone a day after its days are up.
        w.clock.advance(chrono::Duration::days(i64::from(keep) + 1));
        w.app.daily_security_report(chrono_tz::Europe::Copenhagen).await.unwrap();
        assert!(matches!(w.app.security_report(&sc, id).await, Err(AppError::NotFound)), "deleted after {keep} days");
        let deletions = w.app.store().query_log(&store::log::LogQuery { key: Some("o:security_report.delete".into()), limit: 10, ..Default::default() }).await.unwrap();
        assert!(!deletions.entries.is_empty(), "the deletion is recorded");
    }

    /// A system that reports late: events of a day recorded days after it are in that
    /// day's report, not lost to it.
    async fn events_reported_late_are_in_their_days_report(b: TestBackend) {
        // REQ: SEC-1
        let w = world(b, "viborg", "2026-05-20T10:00:00Z", "2027-06-30").await;
        let late = [event("2026-05-10T09:00:00Z", "ghost", "logon", "failed", None)];
        w.app.ingest_audit(w.nexus, "late", &portvagt_app::digest(b"late"), &late).await.unwrap();
        let from = Timestamp::parse("2026-05-10T00:00:00Z").unwrap();
        let to = Timestamp::parse("2026-05-11T00:00:00Z").unwrap();
        let id = w.app.make_security_report(&w.coordinator(), from, to).await.unwrap();
        let report = w.app.security_report(&w.coordinator(), id).await.unwrap();
        assert_eq!((report.report.events, report.findings.len()), (1, 1), "recorded ten days later, read all the same");
        assert_eq!(report.findings[0].kind, FindingKind::UnknownUsername);
    }
}
