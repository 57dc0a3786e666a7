//! What waits for each role on the dashboard (RPT-1), counted as the lists it opens
//! count, on SQLite and PostgreSQL.

mod world;

use chrono::Duration;
use domain::authz::{Organisation, UserRole};
use domain::paging::PageRequest;
use domain::registry::Person;
use domain::text::Text;
use portvagt_app::{AgreementAttention, EmergencyInput, ListFilter, Need};
use world::*;

fn count(needs: &[(Need, u64)], need: Need) -> Option<u64> {
    needs.iter().find(|(n, _)| *n == need).map(|(_, c)| *c)
}

store::backend_tests! {
    /// A request waits for its department's head only; an agreement ending within 60
    /// days and not yet accepted is the coordinator's; an account waiting for evidence
    /// is the orderer's and the coordinator's; old manual tasks are the IT operator's; a
    /// temp account is its unit leader's to sign, and the coordinator's once overdue.
    async fn each_role_is_told_what_waits_for_it_counted_as_its_lists_count(b: TestBackend) {
        // REQ: RPT-1
        let w = world(b, "taarnby", "2026-11-21T10:00:00Z", "2027-01-10").await;
        let coordinator = w.coordinator();
        let head = w.head(w.care);
        let other_head = w.head(w.pension);
        let operator = w.operator();

        let req = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-12-10")).await.unwrap();
        assert_eq!(count(&w.app.needs(&head).await.unwrap(), Need::Approvals), Some(1));
        assert_eq!(count(&w.app.needs(&other_head).await.unwrap(), Need::Approvals), Some(0), "another department's");
        let needs = w.app.needs(&coordinator).await.unwrap();
        assert_eq!(count(&needs, Need::Approvals), Some(0), "it waits for the department first");
        assert_eq!(count(&needs, Need::AgreementsEnding), Some(1), "ends 2027-01-10, within 60 days");
        assert_eq!(count(&needs, Need::AgreementsIncomplete), Some(1), "neither party has accepted it");
        assert_eq!(w.app.agreements_needing(&coordinator, AgreementAttention::Ending).await.unwrap(), vec![w.agreement]);
        assert_eq!(count(&w.app.needs(&w.orderer).await.unwrap(), Need::Approvals), None, "not the orderer's to approve");
        assert_eq!(count(&w.app.needs(&operator).await.unwrap(), Need::AgreementsEnding), None, "nor the IT operator's");

        // Approved and carried out: the account waits for the staff member's evidence.
        w.app.decide_request(&head, req.id, domain::request::Step::ApproveAsDepartment, None, None).await.unwrap();
        w.app.decide_request(&coordinator, req.id, domain::request::Step::ApproveAsCoordinator, None, None).await.unwrap();
        w.app.process_outbox().await.unwrap();
        let needs = w.app.needs(&operator).await.unwrap();
        let open = count(&needs, Need::TasksOpen).unwrap();
        assert!(open > 0);
        assert_eq!(count(&needs, Need::TasksOld), Some(0));
        w.clock.advance(Duration::days(3));
        assert_eq!(count(&w.app.needs(&operator).await.unwrap(), Need::TasksOld), Some(open), "older than two days");
        w.confirm_all().await;
        for who in [&w.orderer, &coordinator] {
            assert_eq!(count(&w.app.needs(who).await.unwrap(), Need::StaffMissingEvidence), Some(1));
            let filter = ListFilter { active: Some(true), missing_evidence: true, ..Default::default() };
            let listed = w.app.list::<Person>(who, &filter, PageRequest { page: 1, page_size: 50 }).await.unwrap();
            assert_eq!(listed.items.iter().map(|p| p.id).collect::<Vec<_>>(), vec![w.staff], "the list the figure opens");
        }
        assert_eq!(count(&w.app.needs(&head).await.unwrap(), Need::StaffMissingEvidence), None, "the supplier records it, not the head");
        assert_eq!(count(&w.app.needs(&coordinator).await.unwrap(), Need::ReconcileFindings), None, "no system reconciled yet: no false zero");
        assert_eq!(count(&w.app.needs(&w.orderer).await.unwrap(), Need::AccountsEnding), Some(0));
        w.clock.set("2026-12-15T10:00:00Z");
        assert_eq!(count(&w.app.needs(&w.orderer).await.unwrap(), Need::AccountsEnding), Some(1), "ends with the agreement");

        // A temp account at night: the unit's leader signs it; past the deadline the
        // coordinator follows it up.
        let local_admin = actor(UserRole::LocalAdministrator, Organisation::Municipality, Some(w.care), Some(w.staff));
        let input = EmergencyInput {
            name: name("Vikar Nielsen"),
            supplier_id: None,
            reason: Some(Text::parse("Sygemelding på aftenvagten").unwrap()),
            profiles: vec![w.ad_logon],
            valid_to: date("2026-12-21"),
            same_name_confirmed: false,
        };
        let temps = w.app.create_emergency_account(&local_admin, input).await.unwrap().accounts.len() as u64;
        assert_eq!(count(&w.app.needs(&head).await.unwrap(), Need::EmergencyToSign), Some(temps));
        assert_eq!(count(&w.app.needs(&other_head).await.unwrap(), Need::EmergencyToSign), Some(0));
        assert_eq!(count(&w.app.needs(&coordinator).await.unwrap(), Need::EmergencyOverdue), Some(0), "not yet due");
        w.clock.advance(Duration::days(4));
        assert_eq!(count(&w.app.needs(&coordinator).await.unwrap(), Need::EmergencyOverdue), Some(temps), "past the deadline");

        // The dashboard's figures are the department's for its head: the other
        // department's head counts none of these accounts.
        let (figures, _) = w.app.dashboard(&other_head).await.unwrap();
        assert!(figures.accounts.is_empty(), "{figures:?}");
        let (figures, _) = w.app.dashboard(&head).await.unwrap();
        assert_eq!(figures.months.len(), 12);
        assert_eq!(figures.months.last().unwrap().0, "2026-12");
        assert!(figures.months.iter().map(|m| m.1).sum::<u64>() > temps, "accounts opened in the last twelve months (the staff member's and the temps)");
    }
}
