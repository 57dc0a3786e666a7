//! Searching lists by any part of a name or username, through the trigram index on
//! SQLite and PostgreSQL alike (`name::sqlite`, `name::postgres`).

use domain::audit_action::AuditAction;
use domain::authz::Actor;
use domain::time::{Date, Timestamp};
use portvagt_store::testing::TestDb;
use portvagt_store::{AccountQuery, AuditRecord, ListQuery, NewAccount, NewEntry, Store, backend_tests};
use serde_json::json;
use uuid::Uuid;

fn now() -> Timestamp {
    Timestamp::parse("2026-11-23T09:00:00Z").unwrap()
}

fn entry(kind: &'static str, name: &str) -> NewEntry {
    NewEntry {
        id: Uuid::now_v7(),
        kind,
        name: name.into(),
        unique_key: None,
        body: json!({ "name": name }),
        national_id: None,
        owners: vec![],
        references: vec![],
    }
}

async fn names(store: &Store, text: &str) -> Vec<String> {
    let q = ListQuery { kind: "person", name_contains: Some(text.into()), limit: 50, ..Default::default() };
    store.list_entries(&q).await.unwrap().0.iter().map(|e| e.body["name"].as_str().unwrap().to_string()).collect()
}

async fn usernames(store: &Store, text: &str) -> Vec<String> {
    let q = AccountQuery { text: Some(text.into()), limit: 50, ..Default::default() };
    store.list_accounts(&q).await.unwrap().0.into_iter().map(|a| a.username).collect()
}

backend_tests! {
    async fn names_and_usernames_are_found_by_any_part_in_any_case(b: TestBackend) {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        store.migrate().await.unwrap();
        let people = ["Hanne Østergaard", "Jens Johansen", "Søren \"Sø\" Åberg", "Bo Li", "Ida 100% Ravn"].map(|n| entry("person", n));
        let system = entry("system", "KMD Nexus");
        let mut tx = store.begin().await.unwrap();
        for e in people.iter().chain([&system]) {
            tx.insert_entry(e, now()).await.unwrap();
        }
        let account = |person: &NewEntry, username: &str| NewAccount {
            id: Uuid::now_v7(),
            person_id: person.id,
            system_id: system.id,
            agreement_id: None,
            username: username.into(),
            status: "active",
            valid_from: Date::parse("2026-01-01").unwrap(),
            valid_to: None,
            roles: vec![],
        };
        tx.insert_accounts(&[account(&people[0], "OMSHAN1"), account(&people[3], "xbo77")], now()).await.unwrap();
        tx.commit(AuditRecord::new(&Actor::system("test"), AuditAction::RegistryCreate, "test", None, now())).await.unwrap();

        assert_eq!(names(&store, "han").await, ["Hanne Østergaard", "Jens Johansen"], "a part inside a word, in order of name");
        assert_eq!(names(&store, "ØSTER").await, ["Hanne Østergaard"], "Danish letters in any case");
        assert_eq!(names(&store, "åbe").await, ["Søren \"Sø\" Åberg"]);
        assert_eq!(names(&store, "\"sø\"").await, ["Søren \"Sø\" Åberg"], "quotes are searched for, not parsed");
        assert_eq!(names(&store, "0% r").await, ["Ida 100% Ravn"], "a wildcard is a character");
        assert_eq!(names(&store, "o l").await, ["Bo Li"], "fewer than three characters, a space among them");
        assert_eq!(names(&store, "hanx").await, Vec::<String>::new());
        assert_eq!(names(&store, "nexus").await, Vec::<String>::new(), "only the kind asked for");

        assert_eq!(usernames(&store, "msha").await, ["OMSHAN1"], "by the username");
        assert_eq!(usernames(&store, "østerg").await, ["OMSHAN1"], "by the person's name");
        assert_eq!(usernames(&store, "bo").await, ["xbo77"], "two characters");

        // A term matching many rows is answered from the list's ordering index instead
        // of the trigram matches: the same rows, in the same order.
        let many: Vec<NewEntry> = (0..1020).rev().map(|i| entry("person", &format!("Mads Nielsen {i:04}"))).collect();
        let mut tx = store.begin().await.unwrap();
        for e in &many {
            tx.insert_entry(e, now()).await.unwrap();
        }
        tx.commit(AuditRecord::new(&Actor::system("test"), AuditAction::RegistryCreate, "test", None, now())).await.unwrap();
        let q = ListQuery { kind: "person", name_contains: Some("NIELSEN".into()), limit: 50, offset: 1000, ..Default::default() };
        let (page, total) = store.list_entries(&q).await.unwrap();
        assert_eq!(total, 1020);
        assert_eq!(page.len(), 20);
        assert_eq!(page[0].body["name"], "Mads Nielsen 1000");
        assert_eq!(names(&store, "ads nielsen 101").await.len(), 10, "and a narrower term from the matches");

        // The same for accounts; a list searched and filtered by nothing else is counted
        // by the trigram index.
        let dense: Vec<NewAccount> = (0..1010).map(|i| account(&people[4], &format!("dense{i:04}"))).collect();
        let mut tx = store.begin().await.unwrap();
        tx.insert_accounts(&dense, now()).await.unwrap();
        tx.commit(AuditRecord::new(&Actor::system("test"), AuditAction::RegistryCreate, "test", None, now())).await.unwrap();
        let q = AccountQuery { text: Some("DENSE".into()), count_cap: Some(500), limit: 50, ..Default::default() };
        let (page, total) = store.list_accounts(&q).await.unwrap();
        assert_eq!((page.len(), total), (50, 501), "more than the cap");
        assert_eq!(page[0].username, "dense0000");
        let exact = AccountQuery { count_cap: None, ..q.clone() };
        assert_eq!(store.list_accounts(&exact).await.unwrap().1, 1010);
        let filtered = AccountQuery { statuses: vec!["active"], offset: 1000, ..exact };
        let (page, total) = store.list_accounts(&filtered).await.unwrap();
        assert_eq!((page.len(), total), (10, 1010));
        assert_eq!(page[9].username, "dense1009");

        // A renamed person is found by the new name only, and so are their accounts.
        let mut renamed = people[1].clone();
        renamed.name = "Jens Lund".into();
        renamed.body = json!({ "name": "Jens Lund" });
        let mut tx = store.begin().await.unwrap();
        tx.update_entry(&renamed, 1, now()).await.unwrap();
        tx.commit(AuditRecord::new(&Actor::system("test"), AuditAction::RegistryUpdate, "test", None, now())).await.unwrap();
        assert_eq!(names(&store, "han").await, ["Hanne Østergaard"]);
        assert_eq!(names(&store, "lund").await, ["Jens Lund"]);
        let mut renamed = people[0].clone();
        renamed.name = "Hanne Kjær".into();
        let mut tx = store.begin().await.unwrap();
        tx.update_entry(&renamed, 1, now()).await.unwrap();
        tx.commit(AuditRecord::new(&Actor::system("test"), AuditAction::RegistryUpdate, "test", None, now())).await.unwrap();
        assert_eq!(usernames(&store, "kjær").await, ["OMSHAN1"]);
        assert_eq!(usernames(&store, "østerg").await, Vec::<String>::new());
    }
}
