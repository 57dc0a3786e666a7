//! Forwarding the audit log to a separate system and retention by the preset
//! (LOG-4), on SQLite and PostgreSQL.

use audit::SigningKey;
use domain::audit_action::AuditAction;
use domain::authz::Actor;
use domain::policy::shipped_presets;
use domain::time::ManualClock;
use portvagt_app::{App, ForwardFormat};
use std::sync::Arc;
use store::AuditRecord;
use store::backend_tests;
use store::testing::{TestBackend, TestDb};
use tokio::io::AsyncReadExt;
use uuid::Uuid;

async fn app(b: TestBackend, clock: Arc<ManualClock>) -> (TestDb, App) {
    let db = TestDb::new(b).await;
    let store = db.store().await;
    store.migrate().await.unwrap();
    (db, App::new(store, shipped_presets().unwrap(), "taarnby", clock).unwrap())
}

async fn events(app: &App, n: usize) {
    for i in 0..n {
        let e = AuditRecord::new(
            &Actor::system("test"),
            if i % 2 == 0 { AuditAction::LoginFailed } else { AuditAction::LoginSuccess },
            "user",
            Some(Uuid::now_v7()),
            app.now(),
        );
        app.store().record_audit(&e.outcome(if i % 2 == 0 { "denied" } else { "success" })).await.unwrap();
    }
}

/// Reads RFC 6587 octet-counted frames until the peer closes.
fn frames(mut bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let sp = bytes.iter().position(|b| *b == b' ').unwrap();
        let len: usize = std::str::from_utf8(&bytes[..sp]).unwrap().parse().unwrap();
        out.push(String::from_utf8(bytes[sp + 1..sp + 1 + len].to_vec()).unwrap());
        bytes = &bytes[sp + 1 + len..];
    }
    out
}

backend_tests! {
    /// Events reach a syslog receiver over TCP, each once and in order, and a file as
    /// JSON lines; later rounds send only what is new.
    async fn the_log_is_forwarded_to_syslog_over_tcp_and_to_a_file(b: TestBackend) {
        // REQ: X-2
        let (_db, app) = app(b, Arc::new(ManualClock::at("2026-11-23T08:00:00Z"))).await;
        events(&app, 5).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let receiver = tokio::spawn(async move {
            let mut got = Vec::new();
            for _ in 0..2 {
                let (mut sock, _) = listener.accept().await.unwrap();
                let mut buf = Vec::new();
                sock.read_to_end(&mut buf).await.unwrap();
                got.extend(frames(&buf));
            }
            got
        });
        let syslog = ForwardFormat::Syslog { hostname: "kommune.example".into() };
        let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
        assert_eq!(app.forward_audit("syslog", &syslog, &mut conn).await.unwrap(), 5);
        drop(conn);
        events(&app, 2).await;
        let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
        assert_eq!(app.forward_audit("syslog", &syslog, &mut conn).await.unwrap(), 2, "only the new events");
        drop(conn);
        let got = receiver.await.unwrap();
        assert_eq!(got.len(), 7);
        assert!(got[0].starts_with("<109>1 2026-11-23T08:00:00.000000Z kommune.example portvagt - login.failed - "), "{}", got[0]);
        assert!(got[1].starts_with("<110>1 "));
        let seqs: Vec<u64> = got.iter().map(|f| {
            let json = &f[f.find('{').unwrap()..];
            serde_json::from_str::<serde_json::Value>(json).unwrap()["seq"].as_u64().unwrap()
        }).collect();
        assert_eq!(seqs, (0..7).collect::<Vec<_>>());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("siem.jsonl");
        let mut file = tokio::fs::OpenOptions::new().create(true).append(true).open(&path).await.unwrap();
        assert_eq!(app.forward_audit("file", &ForwardFormat::JsonLines, &mut file).await.unwrap(), 7, "each target has its own cursor");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 7);
        assert_eq!(serde_json::from_str::<serde_json::Value>(text.lines().last().unwrap()).unwrap()["event"]["action"], "login.success");
    }

    /// The purge follows the preset's retention: six months in Tårnby.
    async fn purge_follows_the_presets_retention(b: TestBackend) {
        // REQ: LOG-4
        let clock = Arc::new(ManualClock::at("2026-01-10T08:00:00Z"));
        let (_db, app) = app(b, clock.clone()).await;
        events(&app, 3).await;
        clock.set("2026-03-01T08:00:00Z");
        events(&app, 2).await;
        let key = SigningKey::generate();
        clock.set("2026-07-09T08:00:00Z");
        let r = app.purge_audit_log(&key).await.unwrap();
        assert!(r.days.is_empty(), "not yet six months: {r:?}");
        clock.set("2026-07-11T08:00:00Z");
        let r = app.purge_audit_log(&key).await.unwrap();
        assert_eq!((r.days.len(), r.events_deleted), (1, 3), "{r:?}");
        let v = app.store().verify_log(&[key.verifying_key()], "").await.unwrap();
        assert!(v.ok(), "{:?}", v.problems);
        assert_eq!(v.events_purged, 3);
    }
}
