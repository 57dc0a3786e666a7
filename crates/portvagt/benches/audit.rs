//! The audit log at volume (issue targets, 2-core machine):
//! - durable ingest with hashing, encryption and both lookup indexes, batches of 10,000:
//!   ≥ 100,000 events/s on SQLite, ≥ 50,000 on PostgreSQL;
//! - all events of one data subject with 10 million stored: p99 < 10 ms;
//! - purging one day of 1 million events: < 2 s, independent of the total stored;
//! - `verify` over 10 million events: < 60 s.
//!
//! `cargo bench -p portvagt --bench audit` (SQLite; PostgreSQL too when
//! `PORTVAGT_TEST_POSTGRES_URL` names a server). `PORTVAGT_BENCH_EVENTS` sets the total
//! (default 10,000,000; one day holds 1,000,000); `PORTVAGT_BENCH_BACKEND=sqlite` or
//! `=postgres` runs one backend only.

use audit::SigningKey;
use domain::authz::Actor;
use domain::time::Timestamp;
use rand::{Rng, SeedableRng};
use std::time::Instant;
use store::Store;
use store::log::{InboundEvent, LogQuery};
use store::testing::{POSTGRES_ENV, TestBackend, TestDb};
use uuid::Uuid;

const BATCH: usize = 10_000;
const PER_DAY: usize = 1_000_000;
const SUBJECTS: u64 = 1_000_000;

fn cpr(n: u64) -> String {
    // Canonical form of a made-up identifier; the log treats it as opaque text.
    format!("other:subject-{n:07}")
}

fn batch(rng: &mut rand::rngs::StdRng, day: u64) -> Vec<InboundEvent> {
    let at = Timestamp::parse(&format!("2026-01-{:02}T10:00:00Z", day + 1)).unwrap();
    (0..BATCH)
        .map(|_| InboundEvent {
            occurred_at: at,
            username: format!("user{:05}", rng.gen_range(0..20_000)),
            action: "journal.read".into(),
            outcome: "success".into(),
            subject: Some(cpr(rng.gen_range(0..SUBJECTS))),
            criterion: None,
            client_ip: Some("10.20.30.40".into()),
            details: serde_json::Value::Null,
        })
        .collect()
}

/// Ingests `total` events, `PER_DAY` a day, from `clients` concurrent senders; returns
/// events per second.
async fn ingest(store: &Store, system: Uuid, total: usize, clients: usize, first_key: usize) -> f64 {
    let batches = total / BATCH;
    let t = Instant::now();
    let mut handles = Vec::new();
    for c in 0..clients {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(c as u64);
            for b in (c..batches).step_by(clients) {
                let n = first_key + b;
                let day = (n * BATCH / PER_DAY) as u64;
                let events = batch(&mut rng, day);
                let now = Timestamp::parse(&format!("2026-01-{:02}T12:00:00Z", day + 1)).unwrap();
                store.ingest(system, &format!("b{n}"), &format!("d{n}"), &events, now).await.expect("ingest");
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    total as f64 / t.elapsed().as_secs_f64()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let total: usize = std::env::var("PORTVAGT_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let mut backends = vec![TestBackend::Sqlite];
    if std::env::var(POSTGRES_ENV).is_ok() {
        backends.push(TestBackend::Postgres);
    }
    // `PORTVAGT_BENCH_BACKEND=sqlite` or `=postgres` runs one of them only.
    if let Ok(only) = std::env::var("PORTVAGT_BENCH_BACKEND") {
        backends.retain(|b| format!("{b:?}").eq_ignore_ascii_case(&only));
    }
    println!("audit log benchmark on {} cores, {total} events", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    for b in backends {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        store.migrate().await.expect("migrate");
        let system = Uuid::now_v7();
        let key = SigningKey::generate();

        // Ingest: the first 200,000 events from one sender and from two (a second sender's
        // sealing and hashing overlaps the first one's commit), then the rest.
        let warm = 200_000.min(total);
        let one = ingest(&store, system, warm / 2, 1, 0).await;
        let two = ingest(&store, system, warm / 2, 2, warm / 2 / BATCH).await;
        println!("{b:?}: ingest, batches of {BATCH}: {one:.0} events/s (1 sender), {two:.0} events/s (2 senders)");
        if total > warm {
            let t = Instant::now();
            let rest = ingest(&store, system, total - warm, 2, warm / BATCH).await;
            println!(
                "{b:?}: ingest up to {total} events: {rest:.0} events/s over the remaining {} ({:.0} s)",
                total - warm,
                t.elapsed().as_secs_f64()
            );
        }
        store.checkpoint_log(&key, "bench", Timestamp::parse("2026-02-01T00:00:00Z").unwrap()).await.unwrap();

        // Statistics, as the daily maintenance in `serve` refreshes them.
        let t = Instant::now();
        store.analyze_log().await.unwrap();
        println!("{b:?}: statistics of the day tables refreshed in {:.1} s", t.elapsed().as_secs_f64());

        // Lookups of random data subjects.
        let mut rng = rand::rngs::StdRng::seed_from_u64(99);
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..1_000 {
            let key = store.subject_key(&cpr(rng.gen_range(0..SUBJECTS)));
            let t = Instant::now();
            let page = store.query_log(&LogQuery { key: Some(key), limit: 1_000, ..Default::default() }).await.unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            found += page.entries.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{b:?}: all events of one data subject ({:.1} on average) with {total} stored: p50 {:.2} ms, p99 {:.2} ms (target p99 < 10 ms)",
            found as f64 / 1_000.0,
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );

        // Verify everything.
        let t = Instant::now();
        let report = store.verify_log(&[key.verifying_key()], "bench").await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        println!("{b:?}: verify over {} events: {:.1} s (target < 60 s)", report.events_checked, t.elapsed().as_secs_f64());

        // Purge the first day (1,000,000 events).
        let t = Instant::now();
        let first_day = store::log::day_of(&Timestamp::parse("2026-01-01T12:00:00Z").unwrap());
        let r =
            store.purge_log(first_day + 1, &key, &Actor::system("bench"), Timestamp::parse("2026-07-02T00:00:00Z").unwrap()).await.unwrap();
        println!(
            "{b:?}: purge of one day ({} events) with {total} stored: {:.2} s (target < 2 s)",
            r.events_deleted,
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        let report = store.verify_log(&[key.verifying_key()], "bench").await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        println!("{b:?}: verify after the purge: {:.1} s, {} events purged", t.elapsed().as_secs_f64(), report.events_purged);
        store.close().await;
    }
}
