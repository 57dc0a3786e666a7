//! The tamper-evident audit log, on SQLite and PostgreSQL: ingestion, lookups, proofs,
//! tamper detection, retention with legal holds.

use audit::checkpoint::SigningKey;
use audit::merkle;
use domain::audit_action::AuditAction;
use domain::authz::Actor;
use domain::time::Timestamp;
use portvagt_store::log::{InboundEvent, LogQuery, NewHold};
use portvagt_store::testing::{TestBackend, TestDb};
use portvagt_store::{AuditRecord, Store, StoreError, backend_tests};
use serde_json::json;
use uuid::Uuid;

const ORIGIN: &str = "portvagt.test";

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn event(user: &str, subject: Option<&str>, when: &str) -> InboundEvent {
    InboundEvent {
        occurred_at: at(when),
        username: user.into(),
        action: "journal.read".into(),
        outcome: "success".into(),
        subject: subject.map(String::from),
        criterion: subject.map(|s| format!("search {s}")),
        client_ip: Some("10.1.2.3".into()),
        details: json!({}),
    }
}

async fn store(b: TestBackend) -> (TestDb, Store) {
    let db = TestDb::new(b).await;
    let store = db.store().await;
    store.migrate().await.unwrap();
    (db, store)
}

/// 300 events over two days from one system, with a checkpoint after each day.
async fn filled(store: &Store, key: &SigningKey) -> Uuid {
    let system = Uuid::now_v7();
    let day1: Vec<InboundEvent> =
        (0..200).map(|i| event(&format!("user{}", i % 7), Some(&format!("cpr:{:010}", i % 13)), "2026-05-01T10:00:00Z")).collect();
    store.ingest(system, "b1", "d1", &day1, at("2026-05-01T10:00:01Z")).await.unwrap();
    store.checkpoint_log(key, ORIGIN, at("2026-05-01T10:00:02Z")).await.unwrap().unwrap();
    let day2: Vec<InboundEvent> = (0..100).map(|i| event("user1", Some(&format!("cpr:{:010}", i % 13)), "2026-05-02T10:00:00Z")).collect();
    store.ingest(system, "b2", "d2", &day2, at("2026-05-02T10:00:01Z")).await.unwrap();
    store.checkpoint_log(key, ORIGIN, at("2026-05-02T10:00:02Z")).await.unwrap().unwrap();
    system
}

async fn raw(db: &TestDb, sql: &str) {
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

/// Day numbers of the fixture's two days.
const DAY1: i64 = 20574;
const DAY2: i64 = 20575;

backend_tests! {
    /// Ingested events are found by data subject and by actor; subjects are stored only
    /// as ciphertext and blind index.
    async fn events_are_found_by_subject_and_actor_and_identifiers_are_encrypted(b: TestBackend) {
        // REQ: LOG-1
        // REQ: LOG-5
        // REQ: LOG-6
        assert_eq!(portvagt_store::log::day_of(&at("2026-05-01T10:00:00Z")), DAY1);
        let (db, store) = store(b).await;
        let key = SigningKey::generate();
        let system = filled(&store, &key).await;
        let subject = store.subject_key("cpr:0000000003");
        let page = store.query_log(&LogQuery { key: Some(subject.clone()), limit: 1000, ..Default::default() }).await.unwrap();
        // i % 13 == 3: 16 of the 200 on day 1, 8 of the 100 on day 2.
        assert_eq!(page.entries.len(), 16 + 8);
        assert!(page.next.is_none());
        let e = &page.entries[0].body;
        assert_eq!((e.source.as_str(), e.action.as_str(), e.client_ip.as_deref()), (system.to_string().as_str(), "journal.read", Some("10.1.2.3")));
        assert_eq!(e.actor, format!("user1@{system}"), "an unknown username is kept with its system");
        assert_eq!(store.open_sealed(&e.id, e.subject.as_ref().unwrap()).unwrap(), "cpr:0000000003");
        assert_eq!(store.open_sealed(&e.id, e.criterion.as_ref().unwrap()).unwrap(), "search cpr:0000000003");
        // Pages follow each other without overlap.
        let first = store.query_log(&LogQuery { key: Some(subject.clone()), limit: 10, ..Default::default() }).await.unwrap();
        let second = store.query_log(&LogQuery { key: Some(subject), limit: 20, before: first.next, ..Default::default() }).await.unwrap();
        assert_eq!(first.entries.len() + second.entries.len(), 24);
        assert!(first.entries.last().unwrap().seq > second.entries[0].seq);
        // By actor and time window.
        let by_actor = store.query_log(&LogQuery {
            key: Some(audit::event::actor_key(&format!("user1@{system}"))),
            from: Some(at("2026-05-02T00:00:00Z")),
            limit: 1000,
            ..Default::default()
        }).await.unwrap();
        assert_eq!(by_actor.entries.len(), 100);
        let scan = store.query_log(&LogQuery { source: Some(system.to_string()), to: Some(at("2026-05-02T00:00:00Z")), limit: 1000, ..Default::default() }).await.unwrap();
        assert_eq!(scan.entries.len(), 200);
        // No plaintext identifier anywhere in the database file's tables.
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        let keys = format!("(SELECT key FROM audit_index_d{DAY1} UNION ALL SELECT key FROM audit_index_stage) k");
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {keys} WHERE key LIKE '%0000000003%'")).fetch_one(&pool).await.unwrap();
        assert_eq!(n, 0);
        let stored: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {keys}")).fetch_one(&pool).await.unwrap();
        assert!(stored >= 400, "the lookup keys are stored (merged or staged): {stored}");
        assert!(store.verify_log(&[key.verifying_key()], ORIGIN).await.unwrap().ok());
    }

    async fn a_retried_batch_is_stored_once_and_a_reused_key_with_other_content_is_refused(b: TestBackend) {
        // REQ: LOG-2
        let (_db, store) = store(b).await;
        let system = Uuid::now_v7();
        let batch = vec![event("a", None, "2026-05-01T10:00:00Z"); 3];
        let first = store.ingest(system, "k", "digest-1", &batch, at("2026-05-01T10:00:01Z")).await.unwrap();
        let again = store.ingest(system, "k", "digest-1", &batch, at("2026-05-01T10:00:05Z")).await.unwrap();
        assert!(!first.replayed && again.replayed);
        assert_eq!((again.first_seq, again.count), (first.first_seq, 3));
        let e = store.ingest(system, "k", "digest-2", &batch, at("2026-05-01T10:00:06Z")).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { field: "idempotency_key" }), "{e:?}");
        assert_eq!(store.count_audit().await.unwrap(), 3);
        // Another system may use the same key.
        store.ingest(Uuid::now_v7(), "k", "digest-1", &batch, at("2026-05-01T10:00:07Z")).await.unwrap();
        assert_eq!(store.count_audit().await.unwrap(), 6);
    }

    /// Proofs from the stored tree verify against signed checkpoints.
    async fn inclusion_and_consistency_proofs_verify_against_checkpoints(b: TestBackend) {
        // REQ: LOG-3
        let (_db, store) = store(b).await;
        let key = SigningKey::generate();
        filled(&store, &key).await;
        let cps = store.checkpoints(ORIGIN).await.unwrap();
        assert_eq!(cps.iter().map(|c| c.size).collect::<Vec<_>>(), vec![200, 300]);
        for c in &cps {
            assert!(c.verify(&key.verifying_key()));
        }
        for seq in [0u64, 1, 199, 255, 256, 299] {
            let (leaf, proof, root) = store.inclusion_proof(seq, 300).await.unwrap();
            assert_eq!(root, cps[1].root);
            assert!(merkle::verify_inclusion(&leaf, seq, 300, &proof, &cps[1].root), "seq {seq}");
        }
        let proof = store.consistency_proof(200, 300).await.unwrap();
        assert!(merkle::verify_consistency(200, 300, &proof, &cps[0].root, &cps[1].root));
        assert!(matches!(store.inclusion_proof(300, 300).await, Err(StoreError::NotFound)));
    }

    /// Each kind of tampering is detected and located.
    async fn verify_detects_and_locates_every_kind_of_tampering(b: TestBackend) {
        // REQ: LOG-3
        // Overwrites byte `at` (1-based) of a blob column.
        let poke = |col: &str, at: usize| if b == TestBackend::Sqlite {
            format!("CAST(substr({col}, 1, {}) || X'41' || substr({col}, {}) AS BLOB)", at - 1, at + 1)
        } else {
            format!("overlay({col} placing '\\x41'::bytea from {at} for 1)")
        };
        let cases: Vec<(&str, String, &str)> = vec![
            ("changed byte", format!("UPDATE audit_chunks_d{DAY1} SET bodies = {} WHERE first_seq = 64", poke("bodies", 100)), "event 6"),
            ("deleted row", format!("DELETE FROM audit_chunks_d{DAY1} WHERE first_seq = 128"), "events 128..191 are missing"),
            ("swapped rows", format!(
                "UPDATE audit_chunks_d{DAY2} SET first_seq = -1 WHERE first_seq = 200; UPDATE audit_chunks_d{DAY2} SET first_seq = 200 WHERE first_seq = 264; UPDATE audit_chunks_d{DAY2} SET first_seq = 264 WHERE first_seq = -1"),
                "event 200"),
            ("inserted row", format!("INSERT INTO audit_chunks_d{DAY2} (first_seq, day, count, bodies) SELECT 300, day, count, bodies FROM audit_chunks_d{DAY2} WHERE first_seq = 200"), "event 300 is not in the tree"),
            ("altered checkpoint", "UPDATE audit_checkpoints SET created_at = '2026-05-01T10:00:03.000000Z' WHERE size = 200".to_string(), "checkpoint at size 200: the signature does not verify"),
            ("rewritten leaf", format!("UPDATE audit_leaves SET hashes = {} WHERE block = 0", poke("hashes", 1)), "checkpoint at size 200 does not match"),
            ("faked purge", format!("UPDATE audit_days SET purged_at = '2026-06-01T00:00:00Z', signature = 'x' WHERE day = {DAY1}"), "purge record's signature does not verify"),
        ];
        for (name, sql, expected) in cases {
            let (db, store) = store(b).await;
            let key = SigningKey::generate();
            filled(&store, &key).await;
            assert!(store.verify_log(&[key.verifying_key()], ORIGIN).await.unwrap().ok(), "{name}: clean before");
            raw(&db, &sql).await;
            let report = store.verify_log(&[key.verifying_key()], ORIGIN).await.unwrap();
            assert!(!report.ok(), "{name}: not detected");
            assert!(report.problems.iter().any(|p| p.what.contains(expected)), "{name}: {:?}", report.problems);
            assert!(report.problems.iter().all(|p| portvagt_store::log::VERIFY_CODES.contains(&p.code)), "{name}: a code with messages");
            if name == "changed byte" {
                assert!(report.problems.iter().all(|p| p.seq.is_some_and(|s| (64..128).contains(&s))), "located in the changed chunk: {:?}", report.problems);
            }
        }
    }

    /// Purging drops whole days; held events stay until the hold is released, and the
    /// proof of what remains still verifies.
    async fn purge_keeps_held_events_and_verify_still_passes(b: TestBackend) {
        // REQ: LOG-4
        let (db, store) = store(b).await;
        let key = SigningKey::generate();
        let actor = Actor::system("test");
        let system = filled(&store, &key).await;
        let subject = store.subject_key("cpr:0000000005");
        let hold = store.create_hold(&NewHold { case_ref: "SAG-7".into(), reason: "misuse".into(), keys: vec![subject.clone()], from_day: DAY1, to_day: DAY1 }, &actor, at("2026-11-01T00:00:00Z")).await.unwrap();
        // Six months later the first day goes; the hold keeps its 15 events.
        let report = store.purge_log(DAY2, &key, &actor, at("2026-11-02T00:00:00Z")).await.unwrap();
        assert_eq!(report.days, vec![DAY1]);
        assert_eq!((report.events_deleted, report.events_held), (185, 15));
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        assert!(sqlx::raw_sql(&format!("SELECT 1 FROM audit_chunks_d{DAY1}")).execute(&pool).await.is_err(), "the day's table is dropped");
        pool.close().await;
        let held = store.query_log(&LogQuery { key: Some(subject.clone()), limit: 100, ..Default::default() }).await.unwrap();
        assert_eq!(held.entries.len(), 15 + 8);
        let gone = store.query_log(&LogQuery { source: Some(system.to_string()), to: Some(at("2026-05-02T00:00:00Z")), limit: 1000, ..Default::default() }).await.unwrap();
        assert_eq!(gone.entries.len(), 15, "only held events remain of day 1");
        store.checkpoint_log(&key, ORIGIN, at("2026-11-02T00:00:01Z")).await.unwrap();
        let v = store.verify_log(&[key.verifying_key()], ORIGIN).await.unwrap();
        assert!(v.ok(), "{:?}", v.problems);
        assert_eq!((v.events_purged, v.events_held), (200, 15));
        // Released: the held events go at the next purge.
        store.release_hold(hold, &actor, at("2026-11-03T00:00:00Z")).await.unwrap();
        let report = store.purge_log(DAY2, &key, &actor, at("2026-11-03T00:00:01Z")).await.unwrap();
        assert_eq!(report.held_released, 15);
        let held = store.query_log(&LogQuery { key: Some(subject), limit: 100, ..Default::default() }).await.unwrap();
        assert_eq!(held.entries.len(), 8);
        assert!(store.verify_log(&[key.verifying_key()], ORIGIN).await.unwrap().ok());
        assert!(matches!(store.release_hold(hold, &actor, at("2026-11-04T00:00:00Z")).await, Err(StoreError::NotFound)));
    }

    /// Portvagt's own events and ingested ones share one tree, in commit order.
    async fn own_events_and_ingested_events_share_one_tree(b: TestBackend) {
        // REQ: LOG-2
        let (_db, store) = store(b).await;
        let key = SigningKey::generate();
        store.record_audit(&AuditRecord::new(&Actor::system("t"), AuditAction::LoginFailed, "user", Some(Uuid::from_u128(9)), at("2026-05-01T09:00:00Z")).outcome("denied")).await.unwrap();
        store.ingest(Uuid::now_v7(), "k", "d", &[event("a", None, "2026-05-01T09:30:00Z")], at("2026-05-01T09:30:01Z")).await.unwrap();
        store.record_audit(&AuditRecord::new(&Actor::system("t"), AuditAction::LoginFailed, "user", Some(Uuid::from_u128(9)), at("2026-05-01T10:00:00Z"))).await.unwrap();
        assert_eq!(store.count_audit().await.unwrap(), 3);
        let own = store.recent_audit(Some(Uuid::from_u128(9)), 10).await.unwrap();
        assert_eq!(own.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 0]);
        assert_eq!(store.last_audit_at("login.failed").await.unwrap().as_deref(), Some("2026-05-01T10:00:00.000000Z"));
        store.checkpoint_log(&key, ORIGIN, at("2026-05-01T10:00:01Z")).await.unwrap();
        assert!(store.verify_log(&[key.verifying_key()], ORIGIN).await.unwrap().ok());
    }

    /// After rotating the data key and the checkpoint key, old events are still found and
    /// opened, and old checkpoints still verify with the previous public key listed.
    async fn rotated_keys_keep_old_events_findable_and_verifiable(b: TestBackend) {
        // REQ: LOG-5
        let (db, old) = store(b).await;
        let old_signer = SigningKey::generate();
        let system = Uuid::now_v7();
        old.ingest(system, "1", "1", &[event("u", Some("cpr:0101901234"), "2026-05-01T10:00:00Z")], at("2026-05-01T10:00:01Z")).await.unwrap();
        old.checkpoint_log(&old_signer, ORIGIN, at("2026-05-01T10:00:02Z")).await.unwrap();
        let rotated = Store::connect(&db.url, portvagt_store::DataKey::from_master([43u8; 32]).with_previous([42u8; 32])).await.unwrap();
        let new_signer = SigningKey::generate();
        rotated.ingest(system, "2", "2", &[event("u", Some("cpr:0101901234"), "2026-05-01T11:00:00Z")], at("2026-05-01T11:00:01Z")).await.unwrap();
        rotated.checkpoint_log(&new_signer, ORIGIN, at("2026-05-01T11:00:02Z")).await.unwrap();
        let keys = rotated.subject_keys("cpr:0101901234");
        assert_eq!(keys.len(), 2);
        let page = rotated.query_log(&LogQuery { key: Some(keys[0].clone()), alt_keys: keys[1..].to_vec(), limit: 10, ..Default::default() }).await.unwrap();
        assert_eq!(page.entries.len(), 2, "found under the new and the previous key");
        for e in &page.entries {
            assert_eq!(rotated.open_sealed(&e.body.id, e.body.subject.as_ref().unwrap()).unwrap(), "cpr:0101901234");
        }
        let without = rotated.verify_log(&[new_signer.verifying_key()], ORIGIN).await.unwrap();
        assert!(without.problems.iter().any(|p| p.what.contains("checkpoint at size 1")), "{:?}", without.problems);
        let with = rotated.verify_log(&[new_signer.verifying_key(), old_signer.verifying_key()], ORIGIN).await.unwrap();
        assert!(with.ok(), "{:?}", with.problems);
    }
}
