//! Rules that could be bypassed, each pinned by the way it was bypassed (ACC-4, EMG-1,
//! ORG-4), on SQLite and PostgreSQL.

mod world;

use chrono::Duration;
use domain::account::{AccountStatus, EvidenceKind};
use domain::authz::{Organisation, UserRole};
use domain::registry::{Affiliation, Person};
use domain::text::Text;
use portvagt_app::{EmergencyInput, OutstandingBy, UserInput};
use world::*;

store::backend_tests! {
    /// A list names people from names kept between pages: a renamed person is named
    /// anew at once, and a renamed supplier too.
    async fn a_renamed_person_is_named_anew_on_the_next_page(b: TestBackend) {
        let w = world(b, "viborg", "2026-05-04T08:00:00Z", "2027-06-30").await;
        let before = w.app.names(&[w.staff, w.supplier]).await.unwrap();
        assert_eq!(before.get(&w.staff).map(String::as_str), Some("Mette Hansen"));
        let mut person = w.app.get::<Person>(&w.admin, w.staff).await.unwrap().data;
        person.name = name("Mette Hansen Holm");
        w.app.update(&w.admin, w.staff, person, None).await.unwrap();
        let after = w.app.names(&[w.staff, w.supplier]).await.unwrap();
        assert_eq!(after.get(&w.staff).map(String::as_str), Some("Mette Hansen Holm"));
        assert_eq!(after.get(&w.supplier), before.get(&w.supplier));
    }

    /// An account locked while it still waited for its evidence went active when
    /// unlocked; it now returns to waiting, and activates only once the evidence is in.
    async fn unlocking_returns_an_account_to_the_state_it_was_locked_from(b: TestBackend) {
        // REQ: ACC-4, ACC-9
        let w = world(b, "viborg", "2026-05-04T08:00:00Z", "2027-06-30").await;
        let r = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-05-20")).await.unwrap();
        w.approve(r.id).await;
        w.confirm_all().await;
        let acc = w.accounts_of(w.staff).await.remove(0);
        assert_eq!(acc.status, AccountStatus::AwaitingActivation, "no evidence recorded");
        let coordinator = w.coordinator();
        w.app.lock_account(&coordinator, acc.id, Text::parse("Mistanke om delt adgangskode").unwrap()).await.unwrap();
        let unlocked = w.app.unlock_account(&coordinator, acc.id).await.unwrap();
        assert_eq!(unlocked.status, AccountStatus::AwaitingActivation, "back to waiting, not active");
        w.app.process_outbox().await.unwrap();
        let tasks = w.app.list_tasks(&w.operator(), Some("open")).await.unwrap();
        assert!(!tasks.iter().any(|t| t.account_id == acc.id && t.action == "enable"), "nothing enabled in the target system");

        for kind in [EvidenceKind::ConfidentialityDeclaration, EvidenceKind::Training, EvidenceKind::IdentityCheck] {
            w.app.record_evidence(&w.orderer, w.staff, kind, None).await.unwrap();
        }
        assert_eq!(w.accounts_of(w.staff).await[0].status, AccountStatus::Active, "active once the evidence is complete");
        // An active account locked and unlocked is active again, and enabled.
        w.app.lock_account(&coordinator, acc.id, Text::parse("Kontrol").unwrap()).await.unwrap();
        assert_eq!(w.app.unlock_account(&coordinator, acc.id).await.unwrap().status, AccountStatus::Active);
    }

    /// Tårnby allows five local administrators; a sixth page user was accepted. The cap
    /// counts users and tokens alike, and a second user for one of the five is no sixth.
    async fn the_cap_of_local_administrators_holds_for_page_users(b: TestBackend) {
        // REQ: EMG-1
        let w = world(b, "taarnby", "2026-11-21T10:00:00Z", "2028-12-31").await;
        let administrator = actor(UserRole::Administrator, Organisation::Municipality, None, None);
        let mut persons = Vec::new();
        for i in 0..6 {
            let p = Person { name: name(&format!("Lokal Admin {i}")), email: None, affiliations: vec![], national_id: None, national_id_on_file: false };
            persons.push(w.app.create(&w.admin, p).await.unwrap().id);
        }
        let user = |i: usize, person| UserInput {
            username: format!("lokal{i}"),
            display_name: format!("Lokal Admin {i}"),
            role: UserRole::LocalAdministrator,
            supplier_id: None,
            department_id: Some(w.care),
            person_id: Some(person),
            oidc_subject: None,
        };
        for (i, p) in persons.iter().take(5).enumerate() {
            w.app.create_user(&administrator, user(i, *p)).await.unwrap();
        }
        let before = w.counts().await;
        let e = w.app.create_user(&administrator, user(5, persons[5])).await.unwrap_err();
        assert_eq!(invalid(e), ("role".into(), "too-many-local-administrators"));
        assert_eq!(w.counts().await, before, "nothing written");
        w.app.create_user(&administrator, user(6, persons[0])).await.expect("a second login for one of the five");
    }

    /// A person whose affiliation with the supplier ended kept live accounts until the
    /// agreement ended; the daily run now disables them the day after, like a leaver.
    async fn an_ended_affiliation_disables_the_persons_accounts(b: TestBackend) {
        // REQ: ORG-4, ACC-6
        let w = world(b, "viborg", "2026-05-04T08:00:00Z", "2027-06-30").await;
        let r = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-05-20")).await.unwrap();
        w.approve(r.id).await;
        w.confirm_all().await;
        for kind in [EvidenceKind::ConfidentialityDeclaration, EvidenceKind::Training, EvidenceKind::IdentityCheck] {
            w.app.record_evidence(&w.orderer, w.staff, kind, None).await.unwrap();
        }
        assert_eq!(w.accounts_of(w.staff).await[0].status, AccountStatus::Active);
        let entry = w.app.get::<Person>(&w.admin, w.staff).await.unwrap();
        let mut person = entry.data;
        person.affiliations = vec![Affiliation { supplier_id: w.supplier, from: date("2025-01-01"), to: Some(date("2026-05-31")), employee_ref: None }];
        w.app.update(&w.admin, w.staff, person, None).await.unwrap();

        w.clock.set("2026-05-31T22:00:00Z");
        assert_eq!(w.app.run_lifecycle().await.unwrap().disabled_affiliation_ended, 0, "the last day is still a working day");
        w.clock.advance(Duration::hours(4));
        let report = w.app.run_lifecycle().await.unwrap();
        assert_eq!(report.disabled_affiliation_ended, 1);
        let acc = &w.accounts_of(w.staff).await[0];
        assert_eq!((acc.status, acc.status_reason.as_deref()), (AccountStatus::Disabled, Some("affiliation_ended")));
        w.app.process_outbox().await.unwrap();
        let tasks = w.app.list_tasks(&w.operator(), Some("open")).await.unwrap();
        assert!(tasks.iter().any(|t| t.account_id == acc.id && t.action == "disable"), "the target system is told");
        assert_eq!(w.app.run_lifecycle().await.unwrap().disabled_affiliation_ended, 0, "idempotent");
    }

    /// A lock is lifted again, so it calls off nothing: a temp account locked before IT
    /// operations created it is still created afterwards. Ending it for good calls the
    /// creation off.
    async fn a_lock_calls_off_nothing_and_an_ending_calls_off_the_creation(b: TestBackend) {
        // REQ: ACC-6, ACC-9, EMG-1
        let w = world(b, "taarnby", "2026-11-21T22:00:00Z", "2028-12-31").await;
        let local_admin = actor(UserRole::LocalAdministrator, Organisation::Municipality, Some(w.care), Some(w.staff));
        let input = |n: &str| EmergencyInput {
            name: name(n),
            supplier_id: None,
            reason: Some(Text::parse("Akut sygdom").unwrap()),
            profiles: vec![w.omsorg],
            valid_to: date("2026-11-22"),
            same_name_confirmed: false,
        };
        let locked = w.app.create_emergency_account(&local_admin, input("Vikar Lund")).await.unwrap().accounts.remove(0);
        let coordinator = w.coordinator();
        w.app.lock_account(&coordinator, locked.id, Text::parse("Kontrol").unwrap()).await.unwrap();
        w.app.unlock_account(&coordinator, locked.id).await.unwrap();
        w.app.process_outbox().await.unwrap();
        let tasks = w.app.list_tasks(&w.operator(), Some("open")).await.unwrap();
        assert!(tasks.iter().any(|t| t.account_id == locked.id && t.action == "create"), "still to be created after the lock");

        let ended = w.app.create_emergency_account(&local_admin, input("Vikar Mø")).await.unwrap().accounts.remove(0);
        let officer = actor(UserRole::SecurityOfficer, Organisation::Municipality, None, None);
        w.app.revoke_account(&officer, ended.id, "Forkert person").await.unwrap();
        w.app.process_outbox().await.unwrap();
        let tasks = w.app.list_tasks(&w.operator(), Some("open")).await.unwrap();
        assert!(!tasks.iter().any(|t| t.account_id == ended.id), "a creation nobody was handed is called off, nothing to disable");
    }

    /// A filter's choices are kept per reach: a supplier's people are never offered
    /// another supplier's, even right after the first's list was kept, and a change of
    /// the registry shows at once.
    async fn kept_choices_never_cross_from_one_supplier_to_another(b: TestBackend) {
        // REQ: AUTH-4
        let w = world(b, "viborg", "2026-05-04T08:00:00Z", "2027-06-30").await;
        let other_supplier = w.app.get::<Person>(&w.admin, w.other_staff).await.unwrap().data.affiliations[0].supplier_id;
        let other = actor(UserRole::SupplierOrderer, Organisation::Supplier(other_supplier), None, None);
        let names = |list: &[(uuid::Uuid, String)]| list.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>();
        let own = w.app.choices::<Person>(&w.orderer).await.unwrap();
        assert!(names(&own).contains(&"Mette Hansen".to_string()) && !names(&own).contains(&"Bo Dahl".to_string()), "{own:?}");
        let theirs = w.app.choices::<Person>(&other).await.unwrap();
        assert_eq!(names(&theirs), vec!["Bo Dahl".to_string()], "the other supplier sees its own only");
        // Kept: the same list again, and still each its own.
        assert!(std::sync::Arc::ptr_eq(&own, &w.app.choices::<Person>(&w.orderer).await.unwrap()), "kept while nothing changed");
        assert_eq!(names(&w.app.choices::<Person>(&other).await.unwrap()), vec!["Bo Dahl".to_string()]);
        // A new person of the supplier is offered at once.
        let new = Person {
            name: name("Ida Iversen"),
            email: None,
            affiliations: vec![Affiliation { supplier_id: w.supplier, from: date("2025-01-01"), to: None, employee_ref: None }],
            national_id: None,
            national_id_on_file: false,
        };
        w.app.create(&w.admin, new).await.unwrap();
        assert!(names(&w.app.choices::<Person>(&w.orderer).await.unwrap()).contains(&"Ida Iversen".to_string()));
        assert!(!names(&w.app.choices::<Person>(&other).await.unwrap()).contains(&"Ida Iversen".to_string()));
    }

    /// What is still to be done for an account is read with its open tasks and the
    /// unfinished messages together: queued for the IT operator, then on their list
    /// since a time, then nothing once confirmed — never "done" while a step waits.
    async fn outstanding_work_follows_an_account_from_queued_to_done(b: TestBackend) {
        // REQ: ACC-6, PRV-2
        let w = world(b, "viborg", "2026-05-04T08:00:00Z", "2027-06-30").await;
        let r = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-05-20")).await.unwrap();
        w.approve(r.id).await;
        let accounts = w.accounts_of(w.staff).await;
        assert!(!accounts.is_empty());
        let queued = w.app.outstanding(&accounts).await.unwrap();
        for a in &accounts {
            let waiting = queued.get(&a.id).unwrap_or_else(|| panic!("{a:?} {queued:?}"));
            assert!(waiting.iter().all(|o| o.by == OutstandingBy::ItOperator { task: None }), "{waiting:?}");
        }
        w.app.process_outbox().await.unwrap();
        let listed = w.app.outstanding(&accounts).await.unwrap();
        for a in &accounts {
            assert!(
                listed[&a.id].iter().any(|o| matches!(o.by, OutstandingBy::ItOperator { task: Some(_) })),
                "on the IT operator's list: {:?}",
                listed[&a.id]
            );
        }
        // Another person's accounts are not mixed in.
        assert!(w.app.outstanding(&w.accounts_of(w.other_staff).await).await.unwrap().is_empty());
        w.confirm_all().await;
        let done = w.app.outstanding(&accounts).await.unwrap();
        assert!(done.values().all(Vec::is_empty), "{done:?}");
    }
}
