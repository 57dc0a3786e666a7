//! Emergency temp accounts at night and their sign-off by the unit's leader (EMG-1,
//! EMG-2), on SQLite and PostgreSQL.

mod world;

use chrono::Duration;
use domain::account::AccountStatus;
use domain::authz::{Organisation, UserRole};
use domain::text::Text;
use portvagt_app::{AppError, EmergencyInput};
use uuid::Uuid;
use world::*;

fn temp(name_: &str, profiles: Vec<Uuid>, valid_to: &str) -> EmergencyInput {
    EmergencyInput {
        name: name(name_),
        supplier_id: None,
        reason: Some(Text::parse("Sygemelding på aftenvagten, rute 4").unwrap()),
        profiles,
        valid_to: date(valid_to),
        same_name_confirmed: false,
    }
}

store::backend_tests! {
    /// The local administrator is held to the policy's longest validity, warned of a
    /// live temp account with the same name, and gets a receipt whose password is the
    /// one every target system is given, whichever attempt carries it out.
    async fn a_temp_account_is_capped_warned_of_namesakes_and_handed_over_with_its_password(b: TestBackend) {
        // REQ: EMG-1, ACC-8
        let w = world(b, "taarnby", "2026-11-21T22:00:00Z", "2028-12-31").await;
        let local_admin = actor(UserRole::LocalAdministrator, Organisation::Municipality, Some(w.care), Some(w.staff));
        let before = w.counts().await;
        let e = w.app.create_emergency_account(&local_admin, temp("Vikar Nielsen", vec![w.ad_logon], "2026-11-29")).await.unwrap_err();
        assert_eq!(invalid(e), ("valid_to".into(), "emergency-too-long"), "Tårnby: at most 7 days ahead");
        let e = w.app.create_emergency_account(&local_admin, temp("Vikar Nielsen", vec![w.ad_logon], "2026-11-20")).await.unwrap_err();
        assert_eq!(invalid(e).0, "valid_to");
        let mut with_employer = temp("Vikar Nielsen", vec![w.ad_logon], "2026-11-22");
        with_employer.supplier_id = Some(Uuid::now_v7());
        let e = w.app.create_emergency_account(&local_admin, with_employer).await.unwrap_err();
        assert_eq!(invalid(e), ("supplier_id".into(), "unknown-reference"));
        assert_eq!(w.counts().await, before, "nothing written");

        let mut input = temp("Vikar Nielsen", vec![w.ad_logon, w.omsorg], "2026-11-22");
        input.supplier_id = Some(w.supplier);
        let receipt = w.app.create_emergency_account(&local_admin, input).await.unwrap();
        assert_eq!(receipt.accounts.len(), 2);
        assert!(receipt.initial_password.len() >= 8);
        assert!(receipt.accounts.iter().all(|a| a.purpose.as_deref() == Some("Sygemelding på aftenvagten, rute 4")));
        let person: domain::registry::Person = w.app.get(&w.admin, receipt.accounts[0].person_id).await.unwrap().data;
        assert_eq!(person.affiliations[0].supplier_id, w.supplier, "the employer is recorded");

        // The same name again: a warning naming the live accounts, unless confirmed.
        let e = w.app.create_emergency_account(&local_admin, temp("vikar nielsen", vec![w.ad_logon], "2026-11-22")).await.unwrap_err();
        let (field, code) = invalid(e);
        assert_eq!((field.as_str(), code), ("name", "emergency-name-exists"));
        let mut again = temp("vikar nielsen", vec![w.ad_logon], "2026-11-22");
        again.same_name_confirmed = true;
        assert_eq!(w.app.create_emergency_account(&local_admin, again).await.unwrap().accounts.len(), 1);

        // Waiting in the outbox, the password is sealed; the manual tasks carry the
        // handed-over password, not a new one.
        let later = domain::time::Timestamp::parse("2030-01-01T00:00:00Z").unwrap();
        let waiting = w.app.store().pending_messages("provision", later, 100).await.unwrap();
        assert!(waiting.iter().any(|m| m.payload["password_handed_over"] == true));
        assert!(waiting.iter().all(|m| !m.payload.to_string().contains(&receipt.initial_password)), "never in clear");
        w.app.process_outbox().await.unwrap();
        let tasks = w.app.list_tasks(&w.operator(), Some("open")).await.unwrap();
        let of_receipt: Vec<_> = tasks.iter().filter(|t| receipt.accounts.iter().any(|a| a.id == t.account_id)).collect();
        assert_eq!(of_receipt.len(), 2);
        for t in of_receipt {
            assert_eq!(t.details["initial_password"], receipt.initial_password.as_str());
        }
    }

    /// The unit's leader finds their own unit's temp accounts waiting, signs one off and
    /// orders another deleted (it ends at once, and the decision is its sign-off); the
    /// coordinator sees who must sign by when and reminds them; another unit's leader can
    /// do neither.
    async fn the_units_leader_signs_off_or_orders_deletion_and_the_coordinator_reminds(b: TestBackend) {
        // REQ: EMG-2, ACC-6
        let w = world(b, "taarnby", "2026-11-21T22:00:00Z", "2028-12-31").await;
        let local_admin = actor(UserRole::LocalAdministrator, Organisation::Municipality, Some(w.care), Some(w.staff));
        let first = w.app.create_emergency_account(&local_admin, temp("Vikar Holm", vec![w.ad_logon], "2026-11-22")).await.unwrap();
        let second = w.app.create_emergency_account(&local_admin, temp("Vikar Berg", vec![w.omsorg], "2026-11-22")).await.unwrap();
        let (a, b_) = (first.accounts[0].id, second.accounts[0].id);

        let coordinator = w.coordinator();
        let lines = w.app.emergency_reconciliation(&coordinator).await.unwrap();
        assert_eq!(lines.len(), 2);
        let line = lines.iter().find(|l| l.account_id == a).unwrap();
        assert_eq!(line.signer.as_deref(), Some("Lone Kristensen"), "who must sign");
        assert_eq!(line.department_name, "Hjemmeplejen");
        assert_eq!(line.reason.as_deref(), Some("Sygemelding på aftenvagten, rute 4"));
        assert_eq!(line.signoff_due.unwrap().to_string(), "2026-11-24T22:00:00.000000Z", "72 hours in Tårnby");

        // Reminding is the coordinator's; it is recorded and queued for the leader.
        let notes = w.app.store().count_outbox("notify").await.unwrap();
        assert!(w.app.remind_emergency_signoff(&w.head(w.care), a).await.is_err());
        w.clock.advance(Duration::hours(1));
        let reminded = w.app.remind_emergency_signoff(&coordinator, a).await.unwrap();
        assert_eq!(reminded.signoff_reminded_at.unwrap().to_string(), "2026-11-21T23:00:00.000000Z");
        assert_eq!(w.app.store().count_outbox("notify").await.unwrap(), notes + 1);

        // Another unit's leader sees none of them, may not act, and is not told that they
        // exist (F-22); the attempt is recorded (F-08).
        // REQ: EMG-2
        assert!(w.app.emergency_reconciliation(&w.head(w.pension)).await.unwrap().is_empty());
        let denied = w.app.store().count_audit().await.unwrap();
        assert!(matches!(w.app.sign_off_emergency(&w.head(w.pension), a).await.unwrap_err(), AppError::NotFound));
        let reason = Text::parse("Ikke aftalt med mig").unwrap();
        assert!(matches!(w.app.order_emergency_deletion(&w.head(w.pension), b_, reason.clone()).await.unwrap_err(), AppError::NotFound));
        assert_eq!(w.app.store().count_audit().await.unwrap(), denied + 2, "each refused attempt is evidence");
        assert!(matches!(w.app.sign_off_emergency(&w.operator(), a).await.unwrap_err(), AppError::Forbidden), "not a leader at all");

        let leader = w.head(w.care);
        assert_eq!(w.app.emergency_reconciliation(&leader).await.unwrap().len(), 2, "their own unit's");
        w.app.sign_off_emergency(&leader, a).await.unwrap();
        assert_eq!(invalid(w.app.sign_off_emergency(&leader, a).await.unwrap_err()).1, "already-signed-off");
        assert_eq!(invalid(w.app.remind_emergency_signoff(&coordinator, a).await.unwrap_err()).1, "already-signed-off");
        let ended = w.app.order_emergency_deletion(&leader, b_, reason).await.unwrap();
        assert_eq!(ended.status, AccountStatus::Terminated);
        assert!(ended.signed_off_at.is_some(), "the leader's decision is the sign-off");
        let lines = w.app.emergency_reconciliation(&coordinator).await.unwrap();
        assert!(lines.iter().all(|l| l.signed_off_at.is_some()), "nothing left to sign");

        // A temp with two systems is decided at once: every account of theirs. Their
        // creations are tasks of the IT operator already: the tasks are called off, and
        // the disabling says it applies only if the account was created meanwhile.
        let third = w.app.create_emergency_account(&local_admin, temp("Vikar Dam", vec![w.ad_logon, w.omsorg], "2026-11-22")).await.unwrap();
        let person = third.accounts[0].person_id;
        w.app.process_outbox().await.unwrap();
        assert!(matches!(w.app.sign_off_emergency_temp(&w.head(w.pension), person).await.unwrap_err(), AppError::NotFound));
        let ended = w.app.order_emergency_deletion_temp(&leader, person, Text::parse("Vikaren mødte ikke op").unwrap()).await.unwrap();
        assert_eq!(ended.len(), 2);
        assert!(ended.iter().all(|a| a.status == AccountStatus::Terminated && a.signed_off_at.is_some()));
        assert_eq!(invalid(w.app.sign_off_emergency_temp(&leader, person).await.unwrap_err()).1, "already-signed-off");
        w.app.process_outbox().await.unwrap();
        let tasks = w.app.list_tasks(&w.operator(), Some("open")).await.unwrap();
        let of_dam: Vec<_> = tasks.iter().filter(|t| third.accounts.iter().any(|x| x.id == t.account_id)).collect();
        assert_eq!(of_dam.len(), 2, "one disabling per system, no creation left");
        assert!(of_dam.iter().all(|t| t.action == "disable" && t.details["if_created"] == true));
        w.app.process_outbox().await.unwrap();
        let tasks = w.app.list_tasks(&w.operator(), Some("open")).await.unwrap();
        assert!(!tasks.iter().any(|t| t.account_id == b_), "its creation was never handed out: called off, nothing to disable");
        assert!(tasks.iter().any(|t| t.account_id == a && t.action == "create"), "the signed-off one is still to be created");
    }
}
