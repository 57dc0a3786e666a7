//! The store suite, run on SQLite and on PostgreSQL (`name::sqlite`, `name::postgres`).

use domain::audit_action::AuditAction;
use domain::authz::Actor;
use domain::time::{Date, Timestamp};
use portvagt_store::testing::{TestBackend, TestDb};
use portvagt_store::{AuditRecord, DataKey, ListQuery, MIGRATIONS, NewAccount, NewEntry, OutboxMessage, Store, StoreError, backend_tests};
use serde_json::json;
use uuid::Uuid;

fn now() -> Timestamp {
    Timestamp::parse("2026-11-23T09:00:00Z").unwrap()
}

fn entry(kind: &'static str, name: &str, key: Option<&str>) -> NewEntry {
    NewEntry {
        id: Uuid::now_v7(),
        kind,
        name: name.into(),
        unique_key: key.map(|k| ("code", k.to_string())),
        body: json!({ "name": name }),
        national_id: None,
        owners: vec![],
        references: vec![],
    }
}

async fn migrated(b: TestBackend) -> (TestDb, Store) {
    let db = TestDb::new(b).await;
    let store = db.store().await;
    store.migrate().await.unwrap();
    (db, store)
}

fn audit(action: AuditAction) -> AuditRecord {
    AuditRecord::new(&Actor::system("test"), action, "test", None, now())
}

/// Rows written at each schema version, in the SQL of that version.
fn fixture(version: i64) -> &'static str {
    match version {
        1 => {
            "INSERT INTO registry_entries (id, kind, name_lower, unique_key, active, body, version, created_at, updated_at) \
              VALUES ('00000000-0000-0000-0000-0000000000a1', 'supplier', 'omsorg a/s', 'DK29189838', 1, '{\"name\":\"Omsorg A/S\"}', 1, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'); \
              INSERT INTO registry_owners (supplier_id, entry_id) VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000a1'); \
              INSERT INTO registry_entries (id, kind, name_lower, unique_key, active, body, version, created_at, updated_at) \
              VALUES ('00000000-0000-0000-0000-0000000000b1', 'person', 'mette', NULL, 1, '{\"name\":\"Mette\"}', 1, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'); \
              INSERT INTO registry_entries (id, kind, name_lower, unique_key, active, body, version, created_at, updated_at) \
              VALUES ('00000000-0000-0000-0000-0000000000c1', 'system', 'kmd nexus', 'NEXUS', 1, '{\"name\":\"KMD Nexus\"}', 1, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'); \
              INSERT INTO registry_entries (id, kind, name_lower, unique_key, active, body, version, created_at, updated_at) \
              VALUES ('00000000-0000-0000-0000-0000000000d1', 'role', 'læser', 'R', 1, '{\"name\":\"Læser\"}', 1, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'); \
              INSERT INTO audit_events (id, occurred_at, actor_kind, actor_id, actor_name, actor_role, action, resource_kind, outcome, details) \
              VALUES ('e1', '2026-01-01T00:00:00.000000Z', 'system', 'x', 'x', 'administrator', 'registry.create', 'supplier', 'success', '{}');"
        }
        2 => {
            "INSERT INTO users (id, username, display_name, password_hash, role, must_change_password, failed_attempts, active, created_at) \
              VALUES ('00000000-0000-0000-0000-0000000000e1', 'admin', 'Admin', 'x', 'administrator', 1, 0, 1, '2026-01-01T00:00:00.000000Z'); \
              INSERT INTO api_tokens (id, name, token_hash, role, created_by, created_at) \
              VALUES ('00000000-0000-0000-0000-0000000000f1', 'ci', 'abc', 'auditor', '00000000-0000-0000-0000-0000000000e1', '2026-01-01T00:00:00.000000Z');"
        }
        3 => {
            "INSERT INTO accounts (id, person_id, system_id, username, status, valid_from, created_at) \
              VALUES ('00000000-0000-0000-0000-000000000101', '00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000c1', 'omsmet1', 'active', '2026-01-01', '2026-01-01T00:00:00.000000Z'); \
              INSERT INTO account_roles (account_id, role_id) VALUES ('00000000-0000-0000-0000-000000000101', '00000000-0000-0000-0000-0000000000d1');"
        }
        4 => {
            "INSERT INTO requests (id, kind, state, person_id, department_id, late, wanted_start, requested_by, version, created_at, updated_at, body) \
              VALUES ('r1', 'new_account', 'submitted', '00000000-0000-0000-0000-0000000000b1', 'd1', 0, '2026-03-01', 'x', 1, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', '{}'); \
              INSERT INTO person_evidence (id, person_id, kind, recorded_at, recorded_by) VALUES ('00000000-0000-0000-0000-0000000000e9', '00000000-0000-0000-0000-0000000000b1', 'training', '2026-01-01T00:00:00.000000Z', 'x'); \
              INSERT INTO username_quarantine (system_id, username, released_at, until) VALUES ('s', 'omsmet9', '2026-01-01T00:00:00.000000Z', '2028-01-01T00:00:00.000000Z'); \
              UPDATE accounts SET kind = 'emergency', signoff_due = '2026-01-04T00:00:00.000000Z' WHERE username = 'omsmet1';"
        }
        5 => {
            "UPDATE api_tokens SET system_id = '00000000-0000-0000-0000-0000000000c1' WHERE id = '00000000-0000-0000-0000-0000000000f1'; \
              INSERT INTO audit_holds (id, case_ref, reason, keys, from_day, to_day, created_at, created_by) \
              VALUES ('h1', 'SAG-1', 'misbrug', '[]', 0, 1, '2026-01-01T00:00:00.000000Z', 'x');"
        }
        6 => {
            "UPDATE users SET language = 'sv', oidc_subject = 'admin-sub' WHERE username = 'admin'; \
              INSERT INTO web_sessions (id_hash, user_id, stage, csrf, created_at, last_seen_at) \
              VALUES ('s1', '00000000-0000-0000-0000-0000000000e1', 'active', 'c', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z');"
        }
        // Version 7 only reorganises the audit log's lookup keys (checked below).
        7 => "SELECT 1",
        8 => "UPDATE accounts SET signoff_reminded_at = '2026-01-02T00:00:00.000000Z' WHERE id = '00000000-0000-0000-0000-000000000101'",
        9 => {
            "INSERT INTO password_history (user_id, password_hash, set_at) VALUES ('00000000-0000-0000-0000-0000000000e1', 'old', '2026-01-03T00:00:00.000000Z'); \
              UPDATE users SET password_changed_at = '2026-01-03T00:00:00.000000Z' WHERE username = 'admin';"
        }
        10 => "SELECT 1",
        // Version 11 indexes the names written so far (checked below).
        11 => "SELECT 1",
        12 => {
            "INSERT INTO client_relations (supplier_id, subject_index, valid_from, valid_to) VALUES ('00000000-0000-0000-0000-0000000000a1', 'ab12', '2026-01-01', NULL); \
              INSERT INTO client_list_imports (id, supplier_id, digest, mode, imported_at, imported_by, automatic, total, added, removed, changed, unchanged) \
              VALUES ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000a1', 'd', 'replace', '2026-01-04T00:00:00Z', 'sc', 0, 1, 1, 0, 0, 0);"
        }
        13 => {
            "INSERT INTO security_reports (id, period_from, period_to, created_at, created_by, automatic, state, findings, high, events, body, version) \
              VALUES ('00000000-0000-0000-0000-0000000000d1', '2026-01-04T00:00:00Z', '2026-01-05T00:00:00Z', '2026-01-05T01:00:00Z', 'security report', 1, 'open', 0, 0, 0, '[]', 1);"
        }
        14 => {
            "INSERT INTO log_control_packages (id, supplier_id, period_from, period_to, seq_from, seq_to, seed_hash, seed, candidates, entries, state, \
              due_at, created_at, created_by, automatic, version) VALUES ('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000a1', \
              '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', 0, 10, 'h', 's', 1, 1, 'open', '2026-02-15T00:00:00Z', '2026-02-01T01:00:00Z', 'log control', 1, 1); \
              INSERT INTO log_control_entries (package_id, n, seq, at, system_id, account_id, username, action, subject_index, pseudonym, reasons) \
              VALUES ('00000000-0000-0000-0000-0000000000e1', 1, 5, '2026-01-10T10:00:00Z', 's', 'a', 'omsmet1', 'journal.read', 'ab12', 1, 'random');"
        }
        15 => {
            "UPDATE users SET email = 'sc@kommune.dk'; \
              INSERT INTO mail_notices (id, user_id, kind, created_at) VALUES ('00000000-0000-0000-0000-0000000000f1', 'u', 'escalation', '2026-02-01T01:00:00Z'); \
              INSERT INTO mail_digests (user_id, day, outbox_id, created_at) VALUES ('u', '2026-02-01', 'o', '2026-02-01T06:00:00Z');"
        }
        _ => panic!("no fixture for schema version {version}: add one when adding a migration"),
    }
}

backend_tests! {
    /// Each step upgrades a database of the previous version holding that version's
    /// data; after the last step everything written along the way still reads back.
    async fn migration_steps_upgrade_a_database_of_the_previous_version(b: TestBackend) {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        assert_eq!(store.schema_version().await.unwrap(), 0);
        for m in MIGRATIONS {
            let report = store.migrate_to(m.version).await.unwrap();
            assert_eq!(report.to, m.version, "step {} ({})", m.version, m.name);
            sqlx::raw_sql(fixture(m.version)).execute(&sqlx::AnyPool::connect(&db.url).await.unwrap()).await
                .unwrap_or_else(|e| panic!("fixture of version {} on the upgraded schema: {e}", m.version));
        }
        assert_eq!(store.migrate().await.unwrap().from, MIGRATIONS.last().unwrap().version, "nothing left to apply");
        let supplier = store.get_entry(Uuid::from_u128(0xa1)).await.unwrap().unwrap();
        assert_eq!(supplier.body["name"], "Omsorg A/S");
        assert_eq!(supplier.owners, vec![Uuid::from_u128(0xa1)]);
        assert!(store.user_by_username("admin").await.unwrap().unwrap().must_change_password);
        assert_eq!(store.count_role_assignments().await.unwrap(), 1);
        assert_eq!(store.count_audit().await.unwrap(), 1, "the event of version 1 moved into the Merkle log");
        assert_eq!(store.recent_audit(None, 5).await.unwrap()[0].action, "registry.create");
        let by_actor = store
            .query_log(&portvagt_store::log::LogQuery { key: Some(audit::event::actor_key("x")), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(by_actor.entries.len(), 1, "the moved event is found by its actor through the runs of the lookup keys");
        assert_eq!(store.holds().await.unwrap()[0].case_ref, "SAG-1");
        let account = store.account(Uuid::from_u128(0x101)).await.unwrap().unwrap();
        assert_eq!((account.kind, account.version), (domain::account::AccountKind::Emergency, 1), "columns added with defaults");
        assert!(account.signoff_reminded_at.is_some(), "version 8 records a sign-off reminder");
        let admin = Uuid::from_u128(0xe1);
        assert_eq!(store.previous_password_hashes(admin, 8).await.unwrap(), vec!["old".to_string()], "version 9 keeps a password history");
        assert_eq!(store.password_set_at(admin).await.unwrap().unwrap().to_string(), "2026-01-03T00:00:00.000000Z");
        assert_eq!(store.evidence(Uuid::from_u128(0xb1)).await.unwrap().len(), 1);
        let named = |text: &str| ListQuery { kind: "person", name_contains: Some(text.into()), limit: 10, ..Default::default() };
        assert_eq!(store.list_entries(&named("ETT")).await.unwrap().1, 1, "version 11 indexes the names of earlier versions");
        let by_username = portvagt_store::AccountQuery { text: Some("msme".into()), limit: 10, ..Default::default() };
        assert_eq!(store.list_accounts(&by_username).await.unwrap().1, 1, "… and the usernames");
        let supplier = Uuid::from_u128(0xa1);
        assert_eq!(store.client_count(supplier, "2026-02-01").await.unwrap(), (1, 1), "version 12 keeps client lists");
        assert!(store.is_client(supplier, "ab12", "2026-02-01").await.unwrap());
        assert_eq!(store.last_client_import(supplier).await.unwrap().unwrap().imported_by, "sc");
        let reports = store.security_reports(None, 10).await.unwrap();
        assert_eq!(reports[0].state, domain::security_report::CaseState::Open, "version 13 keeps security reports");
        let (package, entries) = store.log_control_package(Uuid::from_u128(0xe1)).await.unwrap().unwrap();
        assert_eq!((package.state, entries.len(), entries[0].reasons.clone()), (domain::log_control::PackageState::Open, 1, vec![domain::log_control::Stratum::Random]), "version 14 keeps log-control packages");
    }

    async fn a_database_newer_than_the_binary_is_refused(b: TestBackend) {
        let (db, store) = migrated(b).await;
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        sqlx::raw_sql("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', 'now')").execute(&pool).await.unwrap();
        let e = store.migrate().await.unwrap_err();
        assert!(e.to_string().contains("newer than this Portvagt knows"), "{e}");
    }

    async fn an_edited_applied_migration_is_refused(b: TestBackend) {
        let (db, store) = migrated(b).await;
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        sqlx::raw_sql("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1").execute(&pool).await.unwrap();
        let e = store.migrate().await.unwrap_err();
        assert!(e.to_string().contains("was changed after it was applied"), "{e}");
    }

    async fn entries_round_trip_with_owners_and_filters(b: TestBackend) {
        let (_db, store) = migrated(b).await;
        let (s1, s2) = (Uuid::now_v7(), Uuid::now_v7());
        let mut a = entry("person", "Anna Berg", None);
        a.owners = vec![s1];
        let mut c = entry("person", "Carl Dahl", None);
        c.owners = vec![s1, s2];
        c.national_id = Some("cpr:010190-1234".into());
        let mut tx = store.begin().await.unwrap();
        tx.insert_entry(&a, now()).await.unwrap();
        tx.insert_entry(&c, now()).await.unwrap();
        tx.commit(audit(AuditAction::RegistryCreate)).await.unwrap();

        let q = |owned_by: Vec<Uuid>| ListQuery { kind: "person", owned_by, limit: 10, ..Default::default() };
        let (all, total) = store.list_entries(&q(vec![])).await.unwrap();
        assert_eq!((all.len(), total), (2, 2));
        assert_eq!(all[0].body["name"], "Anna Berg", "sorted by name");
        let (only_s2, total) = store.list_entries(&q(vec![s2])).await.unwrap();
        assert_eq!(total, 1);
        assert_eq!(only_s2[0].id, c.id);
        let mut owners = vec![s1, s2];
        owners.sort();
        assert_eq!(only_s2[0].owners, owners);

        let by_name = ListQuery { name_contains: Some("DAHL".into()), ..q(vec![]) };
        assert_eq!(store.list_entries(&by_name).await.unwrap().1, 1);
        let wildcard = ListQuery { name_contains: Some("%".into()), ..q(vec![]) };
        assert_eq!(store.list_entries(&wildcard).await.unwrap().1, 0, "LIKE wildcards are escaped");
        let by_cpr = ListQuery { national_id: Some("cpr:010190-1234".into()), ..q(vec![]) };
        assert_eq!(store.list_entries(&by_cpr).await.unwrap().0[0].id, c.id);
        let page2 = ListQuery { offset: 1, limit: 1, ..q(vec![]) };
        let (p, total) = store.list_entries(&page2).await.unwrap();
        assert_eq!((p.len(), total, p[0].id), (1, 2, c.id));
    }

    async fn national_ids_are_encrypted_at_rest_and_kept_on_update(b: TestBackend) {
        // REQ: ORG-4
        let (db, store) = migrated(b).await;
        let mut p = entry("person", "Mette", None);
        p.national_id = Some("cpr:010190-1234".into());
        let mut tx = store.begin().await.unwrap();
        tx.insert_entry(&p, now()).await.unwrap();
        tx.commit(audit(AuditAction::RegistryCreate)).await.unwrap();
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        let raw: Vec<(String, String)> = sqlx::query_as("SELECT body, COALESCE(national_id_sealed, '') FROM registry_entries").fetch_all(&pool).await.unwrap();
        assert!(raw.iter().all(|(body, sealed)| !body.contains("010190") && !sealed.contains("010190") && !sealed.is_empty()));
        assert_eq!(store.national_id(p.id).await.unwrap().as_deref(), Some("cpr:010190-1234"));

        let mut renamed = p.clone();
        renamed.name = "Mette Hansen".into();
        renamed.national_id = None;
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.update_entry(&renamed, 1, now()).await.unwrap(), 2);
        tx.commit(audit(AuditAction::RegistryUpdate)).await.unwrap();
        assert_eq!(store.national_id(p.id).await.unwrap().as_deref(), Some("cpr:010190-1234"));

        let other_key = Store::connect(&db.url, DataKey::from_master([1u8; 32])).await.unwrap();
        assert!(other_key.national_id(p.id).await.is_err(), "another key cannot read it");
    }

    async fn duplicate_keys_conflict_and_nothing_is_written(b: TestBackend) {
        let (_db, store) = migrated(b).await;
        let mut tx = store.begin().await.unwrap();
        tx.insert_entry(&entry("system", "KMD Nexus", Some("NEXUS")), now()).await.unwrap();
        tx.commit(audit(AuditAction::RegistryCreate)).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.insert_entry(&entry("system", "AD", Some("AD")), now()).await.unwrap();
        let e = tx.insert_entry(&entry("system", "Nexus again", Some("NEXUS")), now()).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { field: "code" }), "{e:?}");
        tx.rollback().await.unwrap();
        assert_eq!(store.count_entries("system").await.unwrap(), 1, "the rolled-back insert left nothing");
        assert_eq!(store.count_audit().await.unwrap(), 1);
    }

    async fn a_stale_version_is_refused(b: TestBackend) {
        let (_db, store) = migrated(b).await;
        let d = entry("department", "Hjemmeplejen", Some("HJ"));
        let mut tx = store.begin().await.unwrap();
        tx.insert_entry(&d, now()).await.unwrap();
        tx.commit(audit(AuditAction::RegistryCreate)).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.update_entry(&d, 1, now()).await.unwrap();
        tx.commit(audit(AuditAction::RegistryUpdate)).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let e = tx.update_entry(&d, 1, now()).await.unwrap_err();
        assert!(matches!(e, StoreError::StaleVersion { current: 2 }), "{e:?}");
        let e = tx.set_entry_active(Uuid::now_v7(), false, 1, now()).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{e:?}");
    }

    async fn audit_events_commit_with_their_change(b: TestBackend) {
        let (_db, store) = migrated(b).await;
        let mut tx = store.begin().await.unwrap();
        tx.insert_entry(&entry("department", "Hjemmeplejen", Some("HJ")), now()).await.unwrap();
        tx.enqueue(&OutboxMessage { id: Uuid::now_v7(), topic: "notify".into(), payload: json!({}) }, now()).await.unwrap();
        tx.commit(audit(AuditAction::RegistryCreate)).await.unwrap();
        assert_eq!(store.count_outbox("notify").await.unwrap(), 1, "outbox row committed with the change");
        assert_eq!(store.recent_audit(None, 10).await.unwrap()[0].action, "registry.create");
        let mut tx = store.begin().await.unwrap();
        tx.insert_entry(&entry("department", "Sygeplejen", Some("SY")), now()).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(store.count_audit().await.unwrap(), 1, "a rolled-back change leaves no event");
    }

    async fn accounts_insert_in_bulk(b: TestBackend) {
        let (_db, store) = migrated(b).await;
        let person = entry("person", "P", None);
        let system = entry("system", "S", Some("S"));
        let role = entry("role", "R", Some("R"));
        let mut tx = store.begin().await.unwrap();
        for e in [&person, &system, &role] {
            tx.insert_entry(e, now()).await.unwrap();
        }
        let accounts: Vec<NewAccount> = (0..1200)
            .map(|i| NewAccount {
                id: Uuid::now_v7(),
                person_id: person.id,
                system_id: system.id,
                agreement_id: None,
                username: format!("u{i:05}"),
                status: "active",
                valid_from: Date::parse("2026-01-01").unwrap(),
                valid_to: None,
                roles: vec![(role.id, None)],
            })
            .collect();
        tx.insert_accounts(&accounts, now()).await.unwrap();
        tx.commit(audit(AuditAction::RegistryImport)).await.unwrap();
        assert_eq!(store.count_accounts().await.unwrap(), 1200);
        assert_eq!(store.count_role_assignments().await.unwrap(), 1200);
        assert_eq!(store.usernames_in_system(system.id).await.unwrap()[0], "u00000");
    }
}
