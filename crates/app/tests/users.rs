//! Managing the users of Portvagt (X-8, ORG-3, AUTH-3): an orderer is a person on the
//! supplier's list; a deactivated user cannot log in; a reset password and a reset second
//! factor start the login over. On SQLite and PostgreSQL.

mod world;

use domain::authz::{Organisation, UserRole};
use portvagt_app::{LoginStage, UserInput};
use world::*;

store::backend_tests! {
    async fn users_are_orderers_on_the_list_and_can_be_reset_and_deactivated(b: TestBackend) {
        // REQ: ORG-3, X-8, AUTH-3
        let w = world(b, "taarnby", "2026-11-21T10:00:00Z", "2028-12-31").await;
        let administrator = actor(UserRole::Administrator, Organisation::Municipality, None, None);
        let input = |username: &str, person| UserInput {
            username: username.into(),
            display_name: "Bo Bestiller".into(),
            role: UserRole::SupplierOrderer,
            supplier_id: Some(w.supplier),
            department_id: None,
            person_id: person,
            oidc_subject: None,
        };
        let before = w.counts().await;
        assert_eq!(invalid(w.app.create_user(&administrator, input("bo", None)).await.unwrap_err()), ("person_id".into(), "missing-field"));
        let e = w.app.create_user(&administrator, input("bo", Some(w.staff))).await.unwrap_err();
        assert_eq!(invalid(e), ("person_id".into(), "not-on-orderer-list"), "staff, but not an orderer");
        assert_eq!(w.counts().await, before, "nothing written");
        let boss = w.app.store().list_entries(&store::ListQuery { kind: "orderer", limit: 10, ..Default::default() }).await.unwrap().0;
        let boss: domain::registry::Orderer = serde_json::from_value(boss[0].body.clone()).unwrap();
        let (user, first) = w.app.create_user(&administrator, input("bo", Some(boss.person_id))).await.unwrap();

        // A reset password replaces the first; the user chooses their own again.
        let second = w.app.reset_user_password(&administrator, user.id).await.unwrap();
        assert!(w.app.start_session("bo", &first).await.is_err(), "the old one-time password no longer works");
        assert_eq!(w.app.start_session("bo", &second).await.unwrap().stage, LoginStage::ChangePassword);

        // A reset second factor is set up anew at the next login.
        w.app.reset_user_totp(&administrator, user.id).await.unwrap();
        assert!(!w.app.user(&administrator, user.id).await.unwrap().totp_confirmed);

        // Deactivated, no login; reactivated, the login works again.
        w.app.set_user_active(&administrator, user.id, false).await.unwrap();
        assert!(w.app.start_session("bo", &second).await.is_err(), "a deactivated user cannot log in");
        w.app.set_user_active(&administrator, user.id, true).await.unwrap();
        assert!(w.app.start_session("bo", &second).await.is_ok(), "reactivated, the login works again");
        // Only administrators manage users.
        assert!(w.app.reset_user_password(&w.coordinator(), user.id).await.is_err());
    }

    async fn passwords_follow_the_presets_history_age_and_breach_list(b: TestBackend) {
        // REQ: AUTH-2
        let w = world(b, "taarnby", "2026-11-21T10:00:00Z", "2028-12-31").await;
        let administrator = actor(UserRole::Administrator, Organisation::Municipality, None, None);
        let input = UserInput {
            username: "rikke".into(),
            display_name: "Rikke Revisor".into(),
            role: UserRole::Auditor,
            supplier_id: None,
            department_id: None,
            person_id: None,
            oidc_subject: None,
        };
        let (user, first) = w.app.create_user(&administrator, input).await.unwrap();
        let started = w.app.start_session("rikke", &first).await.unwrap();
        let session = w.app.web_session(&started.secret).await.unwrap();
        // A breached password is refused at the first change too.
        let e = w.app.change_first_password(&session, "Password123", "Password123").await.unwrap_err();
        assert_eq!(invalid(e), ("new_password".into(), "password-breached"));
        let step = w.app.change_first_password(&session, "Revision-2026a", "Revision-2026a").await.unwrap();
        let me = domain::authz::Actor { id: user.id, ..actor(UserRole::Auditor, Organisation::Municipality, None, None) };
        // Tårnby: not one of the last 8; each change is kept in the history.
        let mut current = "Revision-2026a".to_string();
        for n in 0..3 {
            let next = format!("Revision-2026b{n}");
            w.app.change_own_password(&me, &current, &next, &next).await.unwrap().unwrap();
            current = next;
        }
        let problems = w.app.change_own_password(&me, &current, "Revision-2026a", "Revision-2026a").await.unwrap().unwrap_err();
        assert_eq!((problems[0].field.as_str(), problems[0].code), ("new_password", "password-reused"), "a recent one");
        let problems = w.app.change_own_password(&me, "wrong", "Password123", "x").await.unwrap().unwrap_err();
        let got: Vec<(&str, &str)> = problems.iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert_eq!(got, [("current_password", "password-wrong"), ("new_password", "password-breached"), ("repeat_password", "passwords-differ")], "every mistake at once");
        assert!(step.new_secret.is_some());
        // Tårnby: a password older than 90 days must be changed at the next login.
        w.clock.advance(chrono::Duration::days(89));
        assert_eq!(w.app.start_session("rikke", &current).await.unwrap().stage, LoginStage::Active);
        w.clock.advance(chrono::Duration::days(2));
        assert_eq!(w.app.start_session("rikke", &current).await.unwrap().stage, LoginStage::ChangePassword);
        let e = w.app.login("rikke", &current, None, None).await.unwrap_err();
        assert_eq!(invalid(e), ("new_password".into(), "password-expired"), "the API says so too");
    }
}
