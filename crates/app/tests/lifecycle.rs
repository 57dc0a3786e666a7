//! The access-request capability end to end, per preset, with a clock the tests move:
//! on SQLite and PostgreSQL (`name::sqlite`, `name::postgres`).

mod world;

use chrono::Duration;
use domain::account::{AccountStatus, EvidenceKind};
use domain::authz::{Organisation, UserRole};
use domain::paging::PageRequest;
use domain::registry::*;
use domain::request::{Deviation, RequestInput, RequestKind, RequestState, Step};
use domain::text::Text;
use portvagt_app::{AppError, EmergencyInput, RequestFilter, SupportInput, TokenRequest};
use store::backend_tests;
use uuid::Uuid;

use world::*;

backend_tests! {
    /// Östra Göinge: an order 9 days ahead is refused, accepted as urgent with a reason
    /// and flagged; the account is provisioned through the manual task list and activated
    /// once training and the identity check are recorded; a termination is immediate.
    async fn ostra_goinge_lead_times_urgent_orders_and_immediate_termination(b: TestBackend) {
        // REQ: REQ-1, REQ-2, REQ-3, REQ-6, ACC-4, ACC-6, X-4, PRV-1, PRV-2
        let w = world(b, "ostra-goinge", "2026-03-02T08:00:00Z", "2027-12-31").await;
        let before = w.counts().await;
        let e = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-03-11")).await.unwrap_err();
        match e {
            AppError::Invalid(f) => assert_eq!((f.code, f.arg.as_deref(), f.arg2.as_deref()), ("lead-time", Some("9"), Some("14"))),
            other => panic!("{other:?}"),
        }
        assert_eq!(w.counts().await, before, "a refused order writes nothing");

        let mut urgent = w.new_account(w.staff, "2026-03-11");
        urgent.urgent_reason = Some(Text::parse("Ny medarbejder starter akut efter sygdom").unwrap());
        let r = w.app.submit_request(&w.orderer, urgent).await.unwrap();
        assert!(r.request.late, "an urgent late order is flagged");
        assert_eq!(r.request.state, RequestState::Submitted);
        let flagged = w.app.list_requests(&w.coordinator(), &RequestFilter { late: Some(true), ..Default::default() }, PageRequest::new(None, None).unwrap()).await.unwrap();
        assert_eq!(flagged.total, 1);
        // Profiles come from the job profile, limited to the target system.
        assert_eq!(r.request.profiles, vec![w.omsorg]);

        // Requester ≠ approver; the area's head first, then the coordinator.
        let e = w.app.decide_request(&w.coordinator(), r.id, Step::ApproveAsCoordinator, None, None).await.unwrap_err();
        assert_eq!(invalid(e).1, "illegal-transition");
        let inbox = w.app.list_requests(&w.head(w.care), &RequestFilter { inbox: true, ..Default::default() }, PageRequest::new(None, None).unwrap()).await.unwrap();
        assert_eq!(inbox.total, 1);
        assert_eq!(w.app.list_requests(&w.head(w.pension), &RequestFilter { inbox: true, ..Default::default() }, PageRequest::new(None, None).unwrap()).await.unwrap().total, 0);
        w.approve(r.id).await;
        let accounts = w.accounts_of(w.staff).await;
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].status, AccountStatus::Provisioning);
        assert_eq!(accounts[0].username, "omsmh1", "pattern {{supplier:3}}{{initials:3}}{{n}}");
        assert_eq!(accounts[0].valid_to, Some(date("2027-12-31")), "ends with the agreement (ACC-5)");

        // The manual connector: a task with an initial password to the policy.
        w.app.process_outbox().await.unwrap();
        assert_eq!(w.app.process_outbox().await.unwrap(), 0, "each action becomes one task");
        let tasks = w.app.list_tasks(&w.operator(), Some("open")).await.unwrap();
        assert_eq!(tasks.len(), 1);
        let pw = tasks[0].details["initial_password"].as_str().unwrap();
        let policy = w.app.active_preset().await.unwrap().policy;
        assert!(policy.target_password.check_password(pw).is_ok() && tasks[0].details["must_change_password"] == true, "ACC-8");
        w.app.confirm_task(&w.operator(), tasks[0].id, None).await.unwrap();
        assert_eq!(w.accounts_of(w.staff).await[0].status, AccountStatus::AwaitingActivation, "training and identity check are missing");
        w.app.record_evidence(&w.orderer, w.staff, EvidenceKind::Training, None).await.unwrap();
        assert_eq!(w.accounts_of(w.staff).await[0].status, AccountStatus::AwaitingActivation);
        w.app.record_evidence(&w.orderer, w.staff, EvidenceKind::IdentityCheck, Some(Text::parse("Pas kontrolleret ved udlevering af e-ID").unwrap())).await.unwrap();
        assert_eq!(w.accounts_of(w.staff).await[0].status, AccountStatus::Active);
        assert_eq!(w.confirm_all().await, 1, "the enabling is a task too");
        let done = w.app.get_request(&w.coordinator(), r.id).await.unwrap();
        assert_eq!(done.request.state, RequestState::Fulfilled);
        let actions: Vec<&str> = done.request.history.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(actions, ["created", "submitted", "approved_by_department", "approved_by_coordinator", "fulfilled"], "REQ-6");

        // Termination: at once, without approval, in every system; sessions end.
        w.clock.advance(Duration::days(40));
        // The orderer names only the person: every account of theirs ends.
        let t = RequestInput {
            kind: RequestKind::Termination,
            system_id: None,
            agreement_id: None,
            job_profile_id: None,
            needs_assessment_ref: None,
            ..w.new_account(w.staff, "2026-04-11")
        };
        let term = w.app.submit_request(&w.orderer, t).await.unwrap();
        assert_eq!(term.request.state, RequestState::Approved);
        assert_eq!(w.accounts_of(w.staff).await[0].status, AccountStatus::Terminated, "disabled at once");
        let reports = w.app.termination_reports(&w.coordinator()).await.unwrap();
        assert_eq!((reports.len(), reports[0].accounts), (1, 1));
        assert_eq!(reports[0].disabled_at, reports[0].reported_at, "report-to-disable time is recorded (X-4)");
        w.confirm_all().await;
        assert_eq!(w.app.get_request(&w.coordinator(), term.id).await.unwrap().request.state, RequestState::Fulfilled);
    }

    /// Viborg: activation waits for the §152 declaration; the agreement's end disables
    /// every account under it that day, without a request.
    async fn viborg_confidentiality_before_activation_and_agreement_end(b: TestBackend) {
        // REQ: ACC-4, ACC-5, AGR-1, AGR-4
        let w = world(b, "viborg", "2026-05-04T08:00:00Z", "2026-06-30").await;
        let r = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-05-20")).await.unwrap();
        w.approve(r.id).await;
        w.confirm_all().await;
        for kind in [EvidenceKind::Training, EvidenceKind::IdentityCheck] {
            w.app.record_evidence(&w.orderer, w.staff, kind, None).await.unwrap();
        }
        assert_eq!(w.accounts_of(w.staff).await[0].status, AccountStatus::AwaitingActivation);
        let missing = w.app.activation_status(&w.orderer, w.staff, Some(w.agreement)).await.unwrap();
        assert_eq!(missing, vec!["confidentiality_declaration"]);
        w.app.record_evidence(&w.orderer, w.staff, EvidenceKind::ConfidentialityDeclaration, Some(Text::parse("Orienteret om tavshedspligt, straffelovens §152").unwrap())).await.unwrap();
        assert_eq!(w.accounts_of(w.staff).await[0].status, AccountStatus::Active);

        // The last day of the agreement: still active.
        w.clock.set("2026-06-30T23:00:00Z");
        let report = w.app.run_lifecycle().await.unwrap();
        assert_eq!(report.disabled_agreement_ended, 0);
        // The next day the daily run disables it, nobody acting.
        w.clock.set("2026-07-01T01:00:00Z");
        let report = w.app.run_lifecycle().await.unwrap();
        assert_eq!(report.disabled_agreement_ended, 1);
        let acc = &w.accounts_of(w.staff).await[0];
        assert_eq!(report.disabled_inactive, 0, "never reported signing on is not inactivity");
        assert_eq!((acc.status, acc.status_reason.as_deref()), (AccountStatus::Disabled, Some("agreement_ended")));
        assert_eq!(w.app.run_lifecycle().await.unwrap().disabled_agreement_ended, 0, "idempotent");
        w.app.process_outbox().await.unwrap();
        let tasks = w.app.list_tasks(&w.operator(), Some("open")).await.unwrap();
        assert_eq!(tasks.iter().filter(|t| t.action == "disable").count(), 1, "the target system is told");
        // And no new account can be asked for under the ended agreement.
        let e = w.app.submit_request(&w.orderer, RequestInput { system_id: Some(w.ad), ..w.new_account(w.staff, "2026-08-01") }).await.unwrap_err();
        assert_eq!(invalid(e), ("agreement_id".into(), "agreement-not-active"));
    }

    /// Tårnby: a local administrator creates a temp account on a Saturday at 23:00,
    /// limited to logon and the care journal; without the leader's sign-off after the
    /// deadline it shows in the reconciliation; a released username comes back only
    /// after 24 months.
    async fn taarnby_emergency_accounts_signoff_and_username_quarantine(b: TestBackend) {
        // REQ: EMG-1, EMG-2, ACC-2, ACC-3, REQ-7
        let w = world(b, "taarnby", "2026-11-21T22:00:00Z", "2028-12-31").await;
        let local_admin = actor(UserRole::LocalAdministrator, Organisation::Municipality, Some(w.care), Some(w.staff));
        let before = w.counts().await;
        let input = |profiles: Vec<Uuid>| EmergencyInput {
            name: name("Vikar Jensen"),
            supplier_id: None,
            reason: None,
            profiles,
            valid_to: date("2026-11-28"),
            same_name_confirmed: false,
        };
        let e = w.app.create_emergency_account(&local_admin, input(vec![w.ad_standard])).await.unwrap_err();
        assert_eq!(invalid(e), ("profiles[0]".into(), "outside-emergency-scope"));
        assert_eq!(w.counts().await, before, "nothing written");
        let accounts = w.app.create_emergency_account(&local_admin, input(vec![w.ad_logon, w.omsorg])).await.unwrap().accounts;
        assert_eq!(accounts.len(), 2, "one account per system: logon and care journal");
        assert!(accounts.iter().all(|a| a.status == AccountStatus::Active));

        let coordinator = w.coordinator();
        let rec = w.app.emergency_reconciliation(&coordinator).await.unwrap();
        assert!(rec.iter().all(|l| !l.overdue && l.signed_off_at.is_none()));
        w.clock.advance(Duration::hours(73));
        let rec = w.app.emergency_reconciliation(&coordinator).await.unwrap();
        assert_eq!(rec.iter().filter(|l| l.overdue).count(), 2, "no sign-off after the deadline");
        let report = w.app.run_lifecycle().await.unwrap();
        assert_eq!(report.emergency_signoffs_overdue, 2, "escalated");
        let e = w.app.sign_off_emergency(&w.head(w.pension), accounts[0].id).await.unwrap_err();
        assert!(matches!(e, AppError::NotFound), "another unit's temp account is not shown to exist");
        w.app.sign_off_emergency(&w.head(w.care), accounts[0].id).await.unwrap();
        let rec = w.app.emergency_reconciliation(&coordinator).await.unwrap();
        assert_eq!(rec.iter().filter(|l| l.overdue).count(), 1);

        // A username released by the security officer's revocation is quarantined.
        let r = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-12-15")).await.unwrap();
        w.approve(r.id).await;
        let first = w.accounts_of(w.staff).await.into_iter().find(|a| a.system_id == w.nexus).unwrap();
        assert_eq!(first.username, "omsmh1");
        let officer = actor(UserRole::SecurityOfficer, Organisation::Municipality, None, None);
        assert_eq!(invalid(w.app.revoke_account(&officer, first.id, "  ").await.unwrap_err()).1, "reason-required");
        w.app.revoke_account(&officer, first.id, "Mistanke om misbrug").await.unwrap();
        assert_eq!(w.app.store().quarantined(w.nexus, "omsmh1").await.unwrap().unwrap().to_string(), "2028-11-24T23:00:00.000000Z");

        let admin = w.admin.clone();
        let twin = w.app.create(&admin, Person { name: name("Morten Holm"), email: None, affiliations: vec![Affiliation { supplier_id: w.supplier, from: date("2025-01-01"), to: None, employee_ref: None }], national_id: None, national_id_on_file: false }).await.unwrap().id;
        let r = w.app.submit_request(&w.orderer, w.new_account(twin, "2026-12-20")).await.unwrap();
        w.approve(r.id).await;
        assert_eq!(w.accounts_of(twin).await[0].username, "omsmh2", "the released name is not reused");

        w.clock.set("2028-11-24T22:00:00Z");
        assert_eq!(w.app.run_lifecycle().await.unwrap().usernames_released, 0, "an hour short of 24 months");
        w.clock.set("2028-11-25T08:00:00Z");
        let report = w.app.run_lifecycle().await.unwrap();
        assert_eq!(report.usernames_released, 1);
        let third = w.app.create(&admin, Person { name: name("Mads Hviid"), email: None, affiliations: vec![Affiliation { supplier_id: w.supplier, from: date("2025-01-01"), to: None, employee_ref: None }], national_id: None, national_id_on_file: false }).await.unwrap().id;
        let r = w.app.submit_request(&w.orderer, w.new_account(third, "2028-12-10")).await.unwrap();
        w.approve(r.id).await;
        assert_eq!(w.accounts_of(third).await[0].username, "omsmh1", "back after 24 months");
    }

    /// Two approvers approving the same request at once: exactly one wins, the other
    /// gets a clear error, nothing is written twice.
    async fn concurrent_approvals_exactly_one_wins(b: TestBackend) {
        // REQ: REQ-6
        let w = world(b, "ostra-goinge", "2026-03-02T08:00:00Z", "2027-12-31").await;
        let r = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-04-01")).await.unwrap();
        w.app.decide_request(&w.head(w.care), r.id, Step::ApproveAsDepartment, None, None).await.unwrap();
        let (a, b2) = (w.coordinator(), w.coordinator());
        let (x, y) = tokio::join!(
            w.app.decide_request(&a, r.id, Step::ApproveAsCoordinator, None, None),
            w.app.decide_request(&b2, r.id, Step::ApproveAsCoordinator, None, None)
        );
        let wins = [&x, &y].iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "{x:?} / {y:?}");
        let loser = match (x, y) {
            (Err(e), _) | (_, Err(e)) => e,
            _ => unreachable!("one of the two failed"),
        };
        assert!(
            matches!(&loser, AppError::Conflict(f) if f.code == "stale-version") || matches!(&loser, AppError::Invalid(f) if f.code == "illegal-transition"),
            "{loser:?}"
        );
        assert_eq!(w.accounts_of(w.staff).await.len(), 1, "one account");
        let history = w.app.get_request(&w.coordinator(), r.id).await.unwrap().request.history;
        assert_eq!(history.iter().filter(|h| h.action == "approved_by_coordinator").count(), 1);
        let approvals = w.app.store().recent_audit(Some(r.id), 50).await.unwrap();
        assert_eq!(approvals.iter().filter(|e| e.action == "request.approved_by_coordinator").count(), 1);
    }

    /// Each bad request is a clear rule error and writes nothing.
    async fn bad_requests_are_refused_without_writing(b: TestBackend) {
        // REQ: REQ-4, AGR-2, AGR-3, X-10, ORG-3
        let w = world(b, "taarnby", "2026-03-02T08:00:00Z", "2026-12-31").await;
        // A Nexus profile the agreement does not cover.
        let admin_role = w.app.create(&w.admin, Role { system_id: w.nexus, code: code("NEX-ADMIN"), name: name("Nexus-administrator"), flags: Flags { privileged: true, ..Flags::default() }, transaction_types: vec![] }).await.unwrap().id;
        let outside = w.app.create(&w.admin, Profile { system_id: w.nexus, code: code("NEX-ADMIN"), name: name("Administration"), roles: vec![admin_role], flags: Flags::default() }).await.unwrap().id;
        let mut before = w.counts().await;
        let cases: Vec<(RequestInput, &str, &str)> = vec![
            (
                RequestInput { deviations: vec![Deviation { profile_id: outside, add: true, reason: Text::parse("Skal kunne rette opsætning").unwrap() }], ..w.new_account(w.staff, "2026-04-01") },
                "profiles[1]",
                "profile-outside-scope",
            ),
            (w.new_account(w.other_staff, "2026-04-01"), "person_id", "unknown-reference"),
            (RequestInput { job_profile_id: Some(Uuid::now_v7()), ..w.new_account(w.staff, "2026-04-01") }, "job_profile_id", "unknown-reference"),
            (RequestInput { end_date: Some(date("2027-06-30")), ..w.new_account(w.staff, "2026-04-01") }, "end_date", "end-after-agreement"),
            (RequestInput { needs_assessment_ref: None, ..w.new_account(w.staff, "2026-04-01") }, "needs_assessment_ref", "needs-assessment-missing"),
            (
                RequestInput { deviations: vec![Deviation { profile_id: w.udtraek, add: true, reason: Text::parse("Udtræk til kvalitetsmåling").unwrap() }], ..w.new_account(w.staff, "2026-04-01") },
                "profiles",
                "export-without-dpa",
            ),
            (
                RequestInput { deviations: vec![Deviation { profile_id: w.ad_standard, add: true, reason: Text::parse("Har brug for drev").unwrap() }], ..w.new_account(w.staff, "2026-04-01") },
                "deviations[0].profile_id",
                "wrong-system",
            ),
            (RequestInput { wanted_start: date("2026-02-01"), ..w.new_account(w.staff, "2026-04-01") }, "wanted_start", "start-in-past"),
            (RequestInput { agreement_id: None, ..w.new_account(w.staff, "2026-04-01") }, "agreement_id", "unknown-reference"),
        ];
        for (input, field, code) in cases {
            let e = w.app.submit_request(&w.orderer, input).await.unwrap_err();
            let got = match e {
                AppError::Invalid(f) => (f.field, f.code),
                other => panic!("{other:?}"),
            };
            if code == "unknown-reference" && field == "agreement_id" {
                // Without an agreement, a supplier's request names what is missing.
                assert_eq!(got.0, "agreement_id");
            } else {
                assert_eq!(got, (field.to_string(), code));
            }
            // Nothing written; another supplier's person is a refused attempt, recorded (F-08).
            if field == "person_id" {
                before.2 += 1;
            }
            assert_eq!(w.counts().await, before, "{field}/{code}: nothing written");
        }
        // An orderer not on the list, and an expired agreement.
        let stranger = actor(UserRole::SupplierOrderer, Organisation::Supplier(w.supplier), None, Some(w.staff));
        assert_eq!(invalid(w.app.submit_request(&stranger, w.new_account(w.staff, "2026-04-01")).await.unwrap_err()).1, "not-an-orderer");
        // An orderer whose own employment with the supplier ended orders no more.
        let boss = w.orderer.person.unwrap();
        let mut p: Person = w.app.get::<Person>(&w.admin, boss).await.unwrap().data;
        p.affiliations[0].to = Some(date("2026-03-01"));
        w.app.update(&w.admin, boss, p.clone(), None).await.unwrap();
        assert_eq!(invalid(w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-04-01")).await.unwrap_err()).1, "not-an-orderer");
        p.affiliations[0].to = None;
        w.app.update(&w.admin, boss, p, None).await.unwrap();
        w.clock.set("2027-01-05T08:00:00Z");
        let e = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2027-02-01")).await.unwrap_err();
        assert_eq!(invalid(e).1, "agreement-not-active");
        // The user cap.
        w.clock.set("2026-03-02T08:00:00Z");
        for n in 0..3 {
            let p = w.app.create(&w.admin, Person { name: name(&format!("Medarbejder {n}")), email: None, affiliations: vec![Affiliation { supplier_id: w.supplier, from: date("2025-01-01"), to: None, employee_ref: None }], national_id: None, national_id_on_file: false }).await.unwrap().id;
            let r = w.app.submit_request(&w.orderer, w.new_account(p, "2026-04-01")).await.unwrap();
            w.approve(r.id).await;
        }
        let e = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-04-01")).await.unwrap_err();
        assert_eq!(invalid(e), ("agreement_id".into(), "user-cap-reached"));
    }

    /// A change of roles and an extension start from the account; a role owned by another
    /// department asks that department to annotate, and an objection is no veto.
    async fn changes_extensions_and_cross_department_annotation(b: TestBackend) {
        // REQ: REQ-1, REQ-5, SYS-3, ACC-5
        let w = world(b, "ostra-goinge", "2026-03-02T08:00:00Z", "2027-12-31").await;
        let r = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-03-20")).await.unwrap();
        w.approve(r.id).await;
        w.confirm_all().await;
        let account = w.accounts_of(w.staff).await[0].clone();

        // A change starting from the account's own profiles, with justified deviations.
        let change = RequestInput {
            kind: RequestKind::ChangeRoles,
            account_id: Some(account.id),
            job_profile_id: None,
            deviations: vec![Deviation { profile_id: w.udtraek, add: true, reason: Text::parse("Kvalitetsmåling").unwrap() }],
            ..w.new_account(w.staff, "2026-03-20")
        };
        let e = w.app.submit_request(&w.orderer, change.clone()).await.unwrap_err();
        assert_eq!(invalid(e).1, "export-without-dpa", "AGR-3 holds for changes too");
        let removal = RequestInput { deviations: vec![Deviation { profile_id: w.omsorg, add: false, reason: Text::parse("Skal ikke dokumentere").unwrap() }], ..change };
        assert_eq!(invalid(w.app.submit_request(&w.orderer, removal).await.unwrap_err()), ("account_id".into(), "no-profiles"));

        // A department head of another area asks for a role in a system the care
        // department owns: care is asked to annotate; its objection is recorded, no veto.
        let pension_head = w.head(w.pension);
        let clerk = w.app.create(&w.admin, Person { name: name("Kim Kontor"), email: None, affiliations: vec![], national_id: None, national_id_on_file: false }).await.unwrap().id;
        let c = w.app.submit_request(&pension_head, RequestInput { agreement_id: None, ..w.new_account(clerk, "2026-03-20") }).await.unwrap();
        assert_eq!((c.request.department_id, c.request.annotation_requested_from.clone()), (w.pension, vec![w.care]));
        let e = w.app.annotate_request(&w.head(w.pension), c.id, false, "OK".into()).await.unwrap_err();
        assert_eq!(invalid(e).1, "not-your-area", "only the department asked annotates");
        let c = w.app.annotate_request(&w.head(w.care), c.id, true, "Indsigelse: borgerdata bruges uden for plejen".into()).await.unwrap();
        assert_eq!((c.request.state, c.request.annotations.len(), c.request.annotations[0].objection), (RequestState::Submitted, 1, true));
        let e = w.app.decide_request(&pension_head, c.id, Step::ApproveAsDepartment, None, None).await.unwrap_err();
        assert_eq!(invalid(e).1, "same-person", "the requester does not approve");
        w.app.decide_request(&w.head(w.pension), c.id, Step::ApproveAsDepartment, None, None).await.unwrap();
        let c = w.app.decide_request(&w.coordinator(), c.id, Step::ApproveAsCoordinator, None, None).await.unwrap();
        assert_eq!(c.request.state, RequestState::Approved, "the objection did not block it");

        let ext = RequestInput { kind: RequestKind::Extension, account_id: Some(account.id), job_profile_id: None, end_date: None, ..w.new_account(w.staff, "2026-03-10") };
        assert_eq!(invalid(w.app.submit_request(&w.orderer, ext.clone()).await.unwrap_err()), ("end_date".into(), "missing-field"));
        let ext = RequestInput { end_date: Some(date("2028-06-30")), ..ext };
        assert_eq!(invalid(w.app.submit_request(&w.orderer, ext.clone()).await.unwrap_err()).1, "end-after-agreement");
        let ext = RequestInput { end_date: Some(date("2027-06-30")), ..ext };
        let e = w.app.submit_request(&w.orderer, ext).await.unwrap();
        w.approve(e.id).await;
        assert_eq!(w.accounts_of(w.staff).await[0].valid_to, Some(date("2027-06-30")));

        // Annotation by the owning department: recorded, not a veto.
        let mut cross = w.app.get_request(&w.coordinator(), c.id).await.unwrap().request;
        cross.annotation_requested_from = vec![w.pension];
        let e = w.app.annotate_request(&w.head(w.pension), c.id, true, "Indsigelse".into()).await.unwrap_err();
        assert_eq!(invalid(e).1, "not-your-area", "only departments asked may annotate");
    }

    /// The manual connector retries a failed action until it is confirmed, exactly once.
    async fn a_failed_task_is_retried_until_confirmed(b: TestBackend) {
        // REQ: PRV-2
        let w = world(b, "ostra-goinge", "2026-03-02T08:00:00Z", "2027-12-31").await;
        let r = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-03-20")).await.unwrap();
        w.approve(r.id).await;
        w.app.process_outbox().await.unwrap();
        let task = w.app.list_tasks(&w.operator(), Some("open")).await.unwrap().remove(0);
        w.app.fail_task(&w.operator(), task.id, "Nexus svarer ikke".into()).await.unwrap();
        assert!(w.app.confirm_task(&w.operator(), task.id, None).await.is_err(), "a decided task stays decided");
        assert_eq!(w.app.process_outbox().await.unwrap(), 0, "the retry waits for its back-off");
        let failing = w.app.list_tasks(&w.coordinator(), Some("failed")).await.unwrap();
        assert_eq!(failing.len(), 1, "visible to the coordinator as failing");
        let queued = w.app.failing_actions(&w.coordinator()).await.unwrap();
        assert_eq!(queued.len(), 1, "on the follow-up page's list of failing actions");
        assert_eq!(queued[0].last_error, "Nexus svarer ikke", "with the operator's reason");
        w.app.retry_action_now(&w.coordinator(), queued[0].id).await.unwrap();
        assert_eq!(w.app.process_outbox().await.unwrap(), 1, "tried again now, not after the back-off");
        let retry = w.app.list_tasks(&w.operator(), Some("open")).await.unwrap().remove(0);
        w.app.fail_task(&w.operator(), retry.id, "Nexus svarer stadig ikke".into()).await.unwrap();
        assert_eq!(w.app.get_request(&w.coordinator(), r.id).await.unwrap().request.state, RequestState::Approved);
        w.clock.advance(Duration::minutes(16));
        assert_eq!(w.app.process_outbox().await.unwrap(), 0, "the second back-off is longer");
        w.clock.advance(Duration::minutes(15));
        assert_eq!(w.app.process_outbox().await.unwrap(), 1);
        let retry = w.app.list_tasks(&w.operator(), Some("open")).await.unwrap().remove(0);
        assert_eq!((retry.attempt, retry.action.as_str()), (3, "create"));
        w.app.confirm_task(&w.operator(), retry.id, None).await.unwrap();
        assert_eq!(w.app.get_request(&w.coordinator(), r.id).await.unwrap().request.state, RequestState::Fulfilled);
        assert_eq!(w.accounts_of(w.staff).await.len(), 1, "exactly one account");
    }

    /// EMG-3 support accounts need the security officer and end with their period;
    /// EMG-1 caps the local administrators; AGR-6 lists overdue deletion confirmations.
    async fn support_accounts_local_administrator_cap_and_engagement_end(b: TestBackend) {
        // REQ: EMG-1, EMG-3, AGR-6
        let w = world(b, "taarnby", "2026-03-02T08:00:00Z", "2026-12-31").await;
        let input = SupportInput { person_id: w.staff, agreement_id: w.agreement, profiles: vec![w.ad_standard], valid_from: date("2026-03-05"), valid_to: date("2026-03-20"), purpose: Text::parse("Opgradering af printserver").unwrap() };
        assert_eq!(invalid(w.app.request_support_account(&w.coordinator(), input.clone()).await.unwrap_err()).1, "period-too-long");
        let input = SupportInput { valid_to: date("2026-03-10"), ..input };
        let acc = w.app.request_support_account(&w.coordinator(), input).await.unwrap();
        assert_eq!(acc.status, AccountStatus::PendingApproval);
        assert!(matches!(w.app.approve_support_account(&w.coordinator(), acc.id).await.unwrap_err(), AppError::Forbidden));
        let officer = actor(UserRole::SecurityOfficer, Organisation::Municipality, None, None);
        let acc = w.app.approve_support_account(&officer, acc.id).await.unwrap();
        assert_eq!(acc.status, AccountStatus::AwaitingActivation, "approved ahead of its period");
        w.clock.set("2026-03-05T01:00:00Z");
        assert_eq!(w.app.run_lifecycle().await.unwrap().support_activated, 1);
        w.clock.set("2026-03-11T01:00:00Z");
        assert_eq!(w.app.run_lifecycle().await.unwrap().disabled_end_date, 1, "only for the approved period");

        // At most five local administrators in Tårnby.
        let mut persons = Vec::new();
        for n in 0..6 {
            persons.push(w.app.create(&w.admin, Person { name: name(&format!("Leder {n}")), email: None, affiliations: vec![], national_id: None, national_id_on_file: false }).await.unwrap().id);
        }
        let token = |p| TokenRequest { name: name("lokal admin"), role: UserRole::LocalAdministrator, supplier_id: None, system_id: None, department_id: Some(w.care), person_id: Some(p), expires_at: None };
        for p in &persons[..5] {
            w.app.create_token(&w.admin, token(*p)).await.unwrap();
        }
        w.app.create_token(&w.admin, token(persons[0])).await.expect("a second token for one of the five is fine");
        assert_eq!(invalid(w.app.create_token(&w.admin, token(persons[5])).await.unwrap_err()).1, "too-many-local-administrators");

        // A consultant engagement must end with a deletion confirmation.
        let mut consult: Agreement = w.app.get::<Agreement>(&w.admin, w.agreement).await.unwrap().data;
        consult.consultant_engagement = true;
        consult.valid_to = date("2026-03-31");
        w.app.update(&w.coordinator(), w.agreement, consult, None).await.unwrap();
        assert_eq!(invalid(w.app.confirm_deletion(&w.orderer, w.agreement, None).await.unwrap_err()).1, "not-ended");
        w.clock.set("2026-05-15T08:00:00Z");
        let overdue = w.app.overdue_deletions(&w.coordinator()).await.unwrap();
        assert_eq!(overdue.len(), 1);
        assert_eq!(w.app.overdue_deletions(&w.orderer).await.unwrap().len(), 1, "the supplier sees its own");
        assert_eq!(w.app.run_lifecycle().await.unwrap().deletion_confirmations_overdue, 1);
        w.app.confirm_deletion(&w.orderer, w.agreement, Some(Text::parse("Alle udtræk slettet").unwrap())).await.unwrap();
        assert!(w.app.overdue_deletions(&w.coordinator()).await.unwrap().is_empty());
    }

    /// A supplier's termination ends the accounts under its own agreements only; a person
    /// who also works for another supplier keeps that supplier's accounts.
    async fn a_termination_ends_only_the_terminating_suppliers_accounts(b: TestBackend) {
        // REQ: ACC-6, AUTH-4
        let w = world(b, "ostra-goinge", "2026-03-02T08:00:00Z", "2027-12-31").await;
        let (supplier_b, agreement_b) = {
            let rows = w.app.store().list_entries(&store::ListQuery { kind: "supplier", limit: 10, ..Default::default() }).await.unwrap().0;
            let b = rows.iter().find(|r| r.id != w.supplier).unwrap().id;
            let mut a: Agreement = w.app.get::<Agreement>(&w.admin, w.agreement).await.unwrap().data;
            a.supplier_id = b;
            (b, w.app.create(&w.admin, a).await.unwrap().id)
        };
        let shared = w
            .app
            .create(
                &w.admin,
                Person {
                    name: name("Delt Medarbejder"),
                    email: None,
                    affiliations: [w.supplier, supplier_b].iter().map(|s| Affiliation { supplier_id: *s, from: date("2025-01-01"), to: None, employee_ref: None }).collect(),
                    national_id: None,
                    national_id_on_file: false,
                },
            )
            .await
            .unwrap()
            .id;
        let account = |system, agreement, username: &str| store::NewAccount {
            id: Uuid::now_v7(),
            person_id: shared,
            system_id: system,
            agreement_id: Some(agreement),
            username: username.into(),
            status: "active",
            valid_from: date("2026-01-01"),
            valid_to: None,
            roles: vec![],
        };
        w.app.import_accounts(&w.admin, &[account(w.nexus, w.agreement, "delt-a"), account(w.ad, agreement_b, "delt-b")]).await.unwrap();
        let t = RequestInput { kind: RequestKind::Termination, system_id: None, agreement_id: None, job_profile_id: None, ..w.new_account(shared, "2026-03-02") };
        let r = w.app.submit_request(&w.orderer, t).await.unwrap();
        assert_eq!(r.request.state, RequestState::Approved);
        let accounts = w.accounts_of(shared).await;
        let status = |u: &str| accounts.iter().find(|a| a.username == u).unwrap().status;
        assert_eq!((status("delt-a"), status("delt-b")), (AccountStatus::Terminated, AccountStatus::Active));
    }

    /// With an LDAP connector configured for the AD, approved requests are carried out in
    /// a real OpenLDAP directory without a manual task; an outage is retried and shows as
    /// failing until it passes.
    async fn the_ldap_connector_provisions_the_ad_directly(b: TestBackend) {
        // REQ: PRV-1, PRV-2, PRV-3, ACC-4, ACC-6
        use connectors::{Provision, ReadBack, ldap::LdapConnector, testing::Slapd};
        let w = world(b, "ostra-goinge", "2026-03-02T08:00:00Z", "2027-12-31").await;
        let slapd = Slapd::start(&["AD-LOGON", "AD-DREV"]).await;
        let mut ad: System = w.app.get::<System>(&w.admin, w.ad).await.unwrap().data;
        ad.connector = ConnectorKind::Ldap;
        w.app.update(&w.admin, w.ad, ad, None).await.unwrap();
        let app = w.app.clone().with_connectors([("AD".to_string(), connectors::Connector::Ldap(LdapConnector::new(slapd.config())))].into());
        let directory = LdapConnector::new(slapd.config());

        let r = app.submit_request(&w.orderer, RequestInput { system_id: Some(w.ad), ..w.new_account(w.staff, "2026-03-20") }).await.unwrap();
        w.approve(r.id).await;
        assert_eq!(app.process_outbox().await.unwrap(), 1);
        assert!(app.list_tasks(&w.operator(), Some("open")).await.unwrap().is_empty(), "no manual task");
        let acc = w.accounts_of(w.staff).await.remove(0);
        assert_eq!(acc.status, AccountStatus::AwaitingActivation);
        let remote = directory.read(&acc.username).await.unwrap().expect("created in the directory");
        assert_eq!((remote.enabled, remote.groups), (false, vec!["AD-LOGON".to_string()]), "disabled until activation");
        assert_eq!(app.get_request(&w.coordinator(), r.id).await.unwrap().request.state, RequestState::Fulfilled);

        for kind in [EvidenceKind::Training, EvidenceKind::IdentityCheck] {
            app.record_evidence(&w.orderer, w.staff, kind, None).await.unwrap();
        }
        app.process_outbox().await.unwrap();
        assert!(directory.read(&acc.username).await.unwrap().unwrap().enabled, "enabled once active");

        // PRV-3: the directory read back — a stranger, and a group added by hand.
        assert_eq!(app.reconcile(&w.coordinator(), w.ad).await.unwrap(), vec![]);
        directory.create(&connectors::AccountSpec { enabled: true, ..connectors::AccountSpec::from_name("hacker", "Ukendt Bruger") }).await.unwrap();
        directory.set_groups(&acc.username, &["AD-LOGON".into(), "AD-DREV".into()]).await.unwrap();
        let drift = app.reconcile(&w.coordinator(), w.ad).await.unwrap();
        assert_eq!(
            drift,
            vec![
                domain::account::Drift::Orphan { username: "hacker".into() },
                domain::account::Drift::Groups { username: acc.username.clone(), extra: vec!["AD-DREV".into()], missing: vec![] },
            ],
            "in username order"
        );
        assert!(matches!(app.reconcile(&w.orderer, w.ad).await.unwrap_err(), AppError::Forbidden));
        // The scheduled run reconciles every system with a connector and records drift.
        assert_eq!(app.reconcile_all().await.unwrap(), vec![("AD".to_string(), 2)]);
        let recorded = app.store().recent_audit(Some(w.ad), 5).await.unwrap();
        assert!(recorded.iter().any(|e| e.action == "system.drift" && e.details.contains("hacker")));
        assert_eq!(app.store().count_outbox("notify").await.unwrap(), 1, "the coordinator is told");
        assert_eq!(invalid(app.reconcile(&w.coordinator(), w.nexus).await.unwrap_err()).1, "no-connector");

        // The directory goes away: the termination is retried, not lost.
        drop(slapd);
        let t = RequestInput { kind: RequestKind::Termination, system_id: None, agreement_id: None, job_profile_id: None, ..w.new_account(w.staff, "2026-03-02") };
        app.submit_request(&w.orderer, t).await.unwrap();
        app.process_outbox().await.unwrap();
        let failed = app.store().recent_audit(Some(acc.id), 5).await.unwrap();
        assert_eq!(failed[0].action, "provision.failed");
        use domain::time::Clock;
        let now = w.clock.now();
        assert!(app.store().pending_messages("provision", now, 10).await.unwrap().is_empty(), "waiting for its back-off");
        let later = domain::time::Timestamp(now.0 + Duration::hours(1));
        assert_eq!(app.store().pending_messages("provision", later, 10).await.unwrap().len(), 1, "then retried");
    }

    /// The directory is down: the action waits and retries, shows as failing to the
    /// coordinator, and completes once the directory is back — exactly once.
    async fn an_action_waits_out_an_outage_and_completes_once(b: TestBackend) {
        // REQ: PRV-2
        use connectors::{ReadBack, ldap::LdapConnector, testing::Slapd};
        let w = world(b, "ostra-goinge", "2026-03-02T08:00:00Z", "2027-12-31").await;
        let mut slapd = Slapd::start(&["AD-LOGON"]).await;
        let mut ad: System = w.app.get::<System>(&w.admin, w.ad).await.unwrap().data;
        ad.connector = ConnectorKind::Ldap;
        w.app.update(&w.admin, w.ad, ad, None).await.unwrap();
        let app = w.app.clone().with_connectors([("AD".to_string(), connectors::Connector::Ldap(LdapConnector::new(slapd.config())))].into());
        let r = app.submit_request(&w.orderer, RequestInput { system_id: Some(w.ad), ..w.new_account(w.staff, "2026-03-20") }).await.unwrap();
        w.approve(r.id).await;

        slapd.stop();
        assert_eq!(app.process_outbox().await.unwrap(), 1);
        let failing = app.failing_actions(&w.coordinator()).await.unwrap();
        assert_eq!(failing.len(), 1, "visible as failing");
        assert!(failing[0].last_error.contains("unavailable"), "{}", failing[0].last_error);
        assert!(failing[0].payload.get("initial_password").is_none(), "no password kept in a failing action");
        assert!(app.list_tasks(&w.operator(), Some("open")).await.unwrap().is_empty());
        assert_eq!(w.accounts_of(w.staff).await[0].status, AccountStatus::Provisioning);
        assert_eq!(app.process_outbox().await.unwrap(), 0, "it waits for its back-off");

        slapd.restart();
        w.clock.advance(Duration::minutes(16));
        assert_eq!(app.process_outbox().await.unwrap(), 1);
        assert_eq!(app.process_outbox().await.unwrap(), 0);
        let listed = LdapConnector::new(slapd.config()).list().await.unwrap();
        assert_eq!(listed.len(), 1, "exactly once");
        assert!(app.failing_actions(&w.coordinator()).await.unwrap().is_empty());
        assert_eq!(w.accounts_of(w.staff).await[0].status, AccountStatus::AwaitingActivation);
        assert_eq!(app.get_request(&w.coordinator(), r.id).await.unwrap().request.state, RequestState::Fulfilled);
    }

    /// A termination reaches every system of the person even when one of them fails: the
    /// manual system gets its task at once, the directory that is down gets the disabling
    /// when it is back.
    async fn a_termination_reaches_every_system_even_when_one_fails(b: TestBackend) {
        // REQ: ACC-6, PRV-2, X-4
        use connectors::{Provision, ReadBack, ldap::LdapConnector, testing::Slapd};
        let w = world(b, "ostra-goinge", "2026-03-02T08:00:00Z", "2027-12-31").await;
        let mut slapd = Slapd::start(&["AD-LOGON"]).await;
        let mut ad: System = w.app.get::<System>(&w.admin, w.ad).await.unwrap().data;
        ad.connector = ConnectorKind::Ldap;
        w.app.update(&w.admin, w.ad, ad, None).await.unwrap();
        let app = w.app.clone().with_connectors([("AD".to_string(), connectors::Connector::Ldap(LdapConnector::new(slapd.config())))].into());
        for system in [w.ad, w.nexus] {
            let r = app.submit_request(&w.orderer, RequestInput { system_id: Some(system), ..w.new_account(w.staff, "2026-03-20") }).await.unwrap();
            w.approve(r.id).await;
        }
        app.process_outbox().await.unwrap();
        for t in app.list_tasks(&w.operator(), Some("open")).await.unwrap() {
            app.confirm_task(&w.operator(), t.id, None).await.unwrap();
        }
        let directory = LdapConnector::new(slapd.config());
        let username = w.accounts_of(w.staff).await.into_iter().find(|a| a.system_id == w.ad).unwrap().username;
        directory.set_enabled(&username, true).await.unwrap();

        slapd.stop();
        let t = RequestInput { kind: RequestKind::Termination, system_id: None, agreement_id: None, job_profile_id: None, ..w.new_account(w.staff, "2026-03-02") };
        app.submit_request(&w.orderer, t).await.unwrap();
        assert!(w.accounts_of(w.staff).await.iter().all(|a| a.status == AccountStatus::Terminated), "ended in Portvagt at once");
        app.process_outbox().await.unwrap();
        let tasks = app.list_tasks(&w.operator(), Some("open")).await.unwrap();
        assert_eq!((tasks.len(), tasks[0].action.as_str(), tasks[0].system_id), (1, "disable", w.nexus), "the manual system is told at once");
        assert_eq!(app.failing_actions(&w.coordinator()).await.unwrap().len(), 1, "the directory's disabling waits");

        slapd.restart();
        w.clock.advance(Duration::minutes(16));
        app.process_outbox().await.unwrap();
        assert!(!directory.read(&username).await.unwrap().unwrap().enabled, "disabled in the directory once it is back");
        assert!(app.failing_actions(&w.coordinator()).await.unwrap().is_empty());
    }

    /// sign-ons reported by the target system; an account unused for the preset's
    /// days is disabled by the daily run and its orderer told.
    async fn an_account_unused_for_the_configured_days_is_disabled(b: TestBackend) {
        // REQ: X-3
        let w = world(b, "ostra-goinge", "2026-03-02T08:00:00Z", "2027-12-31").await;
        let r = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-03-20")).await.unwrap();
        w.approve(r.id).await;
        w.confirm_all().await;
        for kind in [EvidenceKind::Training, EvidenceKind::IdentityCheck] {
            w.app.record_evidence(&w.orderer, w.staff, kind, None).await.unwrap();
        }
        let acc = w.accounts_of(w.staff).await.remove(0);
        assert_eq!(acc.status, AccountStatus::Active);
        let operator = w.operator();
        let at = |s: &str| domain::time::Timestamp::parse(s).unwrap();
        assert!(matches!(w.app.record_sign_ons(&w.orderer, w.nexus, &[]).await.unwrap_err(), AppError::Forbidden));
        let e = w.app.record_sign_ons(&operator, w.nexus, &[(acc.username.clone(), at("2027-01-01T00:00:00Z"))]).await.unwrap_err();
        assert_eq!(invalid(e).0, "sign_ons[0].at", "no sign-ons from the future");
        w.clock.set("2026-03-25T08:00:00Z");
        let n = w.app.record_sign_ons(&operator, w.nexus, &[(acc.username.clone(), at("2026-03-25T07:00:00Z")), ("stranger".into(), at("2026-03-25T07:00:00Z"))]).await.unwrap();
        assert_eq!(n, 1, "unknown usernames are counted out");
        w.clock.set("2026-06-20T02:00:00Z");
        assert_eq!(w.app.run_lifecycle().await.unwrap().disabled_inactive, 0, "87 days");
        w.clock.set("2026-06-24T02:00:00Z");
        assert_eq!(w.app.run_lifecycle().await.unwrap().disabled_inactive, 1, "over 90 days");
        let acc = w.accounts_of(w.staff).await.remove(0);
        assert_eq!((acc.status, acc.status_reason.as_deref()), (AccountStatus::Disabled, Some("inactive")));
    }
}
