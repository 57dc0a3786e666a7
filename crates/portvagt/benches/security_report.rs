//! Oversight over a month of the care-record system's log (2 cores, SQLite and
//! PostgreSQL): the security report over its last day of 1,000,000 events (SEC-1, X-11;
//! target: under 10 s), and one supplier's log-control package drawn from the whole
//! month of 3,000,000 events (SEC-3; target: under 5 s). The `--scale large` demo set
//! (500 suppliers, 40,000 accounts) with client lists of 2,000 citizens for 50
//! suppliers; the events by the care-record system's accounts: sign-ons (some failing),
//! reads and searches of their suppliers' clients, a few of someone else, a few exports
//! outside the roles' transaction sets, a few unknown usernames.
//!
//! `cargo bench -p portvagt --bench security_report` (PostgreSQL too when
//! `PORTVAGT_TEST_POSTGRES_URL` names a server). `PORTVAGT_BENCH_EVENTS` sets the last
//! day's events (default 1,000,000), `PORTVAGT_BENCH_MONTH_EVENTS` those of the 30 days
//! before it (default 2,000,000).

use app::{App, ClientListMode};
use domain::authz::Actor;
use domain::policy::shipped_presets;
use domain::time::{ManualClock, Timestamp};
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use store::log::InboundEvent;
use store::testing::{POSTGRES_ENV, TestBackend, TestDb};
use uuid::Uuid;

const SUPPLIERS_WITH_LISTS: usize = 50;
const CLIENTS: usize = 2_000;
const BATCH: usize = 10_000;

/// The `n`-th made-up citizen: a CPR number with a valid date.
fn citizen(n: usize) -> String {
    let (day, month, year, serial) = (1 + n % 28, 1 + (n / 28) % 12, 30 + (n / 336) % 60, 1000 + n / 20_160);
    format!("{day:02}{month:02}{year:02}-{serial:04}")
}

fn canonical(n: usize) -> String {
    domain::ident::NationalId::parse(&citizen(n)).expect("a valid CPR number").canonical()
}

#[tokio::main]
async fn main() {
    let _ = tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).with_writer(std::io::stderr).try_init();
    let events: usize = std::env::var("PORTVAGT_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let earlier: usize = std::env::var("PORTVAGT_BENCH_MONTH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000_000);
    let mut backends = vec![TestBackend::Sqlite];
    if std::env::var(POSTGRES_ENV).is_ok() {
        backends.push(TestBackend::Postgres);
    }
    println!("security report benchmark on {} cores", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    for b in backends {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        store.migrate().await.expect("migrate");
        let clock = Arc::new(ManualClock::at("2026-06-01T02:00:00Z"));
        let app = App::new(store.clone(), shipped_presets().expect("presets"), "taarnby", clock.clone()).expect("app");
        let preset = app.active_preset().await.expect("preset");
        let t = Instant::now();
        let s = portvagt::demo::load(&app, &preset, portvagt::demo::Scale::Large).await.expect("demo data");
        println!("{b:?}: demo set: {} suppliers, {} accounts in {:.1} s", s.suppliers, s.accounts, t.elapsed().as_secs_f64());

        // The care-record system and its accounts, each with its supplier.
        let accounts = store.report_accounts().await.expect("accounts");
        let systems = store.list_entries(&store::ListQuery { kind: "system", limit: 100, ..Default::default() }).await.expect("systems").0;
        let nexus = systems.iter().find(|e| e.body["code"] == "NEXUS").expect("the care-record system").id;
        let agreements: Vec<Uuid> = accounts.iter().filter_map(|a| a.agreement_id).collect();
        let mut supplier_of: HashMap<Uuid, Uuid> = HashMap::new();
        for part in agreements.chunks(1_000) {
            for e in store.get_entries(part).await.expect("agreements") {
                if let Some(s) = e.body["supplier_id"].as_str().and_then(|s| s.parse().ok()) {
                    supplier_of.insert(e.id, s);
                }
            }
        }
        let readers: Vec<(String, Uuid)> = accounts
            .iter()
            .filter(|a| a.system_id == Some(nexus))
            .filter_map(|a| Some((a.username.clone(), *supplier_of.get(&a.agreement_id?)?)))
            .collect();
        let mut suppliers: Vec<Uuid> = readers.iter().map(|(_, s)| *s).collect();
        suppliers.sort();
        suppliers.dedup();
        let listed: HashMap<Uuid, usize> = suppliers.iter().take(SUPPLIERS_WITH_LISTS).enumerate().map(|(i, s)| (*s, i)).collect();
        let t = Instant::now();
        let coordinator = Actor::system("bench");
        for (supplier, i) in &listed {
            let mut file = String::from("national_id;from;to\n");
            for k in 0..CLIENTS {
                file.push_str(&format!("{};2026-01-01;\n", citizen(i * CLIENTS + k)));
            }
            app.import_client_list(&coordinator, *supplier, file.as_bytes(), true, ClientListMode::Replace).await.expect("client list");
        }
        println!(
            "{b:?}: {} client lists of {CLIENTS} citizens imported in {:.1} s; {} accounts of the care-record system",
            listed.len(),
            t.elapsed().as_secs_f64(),
            readers.len()
        );

        // The month's first 30 days, then its last day, each reported as it goes.
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let t = Instant::now();
        let may = Timestamp::parse("2026-05-01T00:00:00Z").unwrap();
        for (start, days, count) in [(0, 30, earlier), (30, 1, events)] {
            let mut n = 0;
            while n < count {
                let batch: Vec<InboundEvent> = (0..BATCH.min(count - n))
                    .map(|i| {
                        let secs = start * 86_400 + ((n + i) as u64 * (days * 86_400 - 1) / count as u64) as i64;
                        let at = Timestamp(may.0 + chrono::Duration::seconds(secs));
                        let (username, supplier) = &readers[rng.gen_range(0..readers.len())];
                        let roll: u32 = rng.gen_range(0..1_000);
                        let client = |rng: &mut rand::rngs::StdRng| match listed.get(supplier) {
                            Some(i) if !roll.is_multiple_of(50) => canonical(i * CLIENTS + rng.gen_range(0..CLIENTS)),
                            _ => canonical(SUPPLIERS_WITH_LISTS * CLIENTS + rng.gen_range(0..100_000)),
                        };
                        let (username, action, outcome, subject) = match roll {
                            0 => ("ukendt.bruger".to_string(), "LOGON", "failed", None),
                            1..=10 => (username.clone(), "LOGON", "failed", None),
                            11..=100 => (username.clone(), "LOGON", "success", None),
                            101..=103 => (username.clone(), "UDTRÆK", "success", Some(client(&mut rng))),
                            104..=350 => (username.clone(), "SØG-BORGER", "success", Some(client(&mut rng))),
                            _ => (username.clone(), "VIS-BORGER", "success", Some(client(&mut rng))),
                        };
                        InboundEvent {
                            occurred_at: at,
                            username,
                            action: action.into(),
                            outcome: outcome.into(),
                            subject,
                            criterion: None,
                            client_ip: None,
                            details: serde_json::Value::Null,
                        }
                    })
                    .collect();
                let now = Timestamp(batch.last().expect("a batch").occurred_at.0 + chrono::Duration::seconds(1));
                store.ingest(nexus, &format!("b{start}-{n}"), &format!("d{start}-{n}"), &batch, now).await.expect("ingest");
                n += batch.len();
            }
        }
        println!(
            "{b:?}: {} events of May ingested in {:.1} s, {events} of them on its last day",
            earlier + events,
            t.elapsed().as_secs_f64()
        );

        clock.set("2026-06-01T04:00:00Z");
        let from = Timestamp::parse("2026-05-31T00:00:00Z").unwrap();
        let to = Timestamp::parse("2026-06-01T00:00:00Z").unwrap();
        let t = Instant::now();
        let id = app.make_security_report(&coordinator, from, to).await.expect("report");
        let secs = t.elapsed().as_secs_f64();
        let report = app.security_report(&coordinator, id).await.expect("read");
        let mut by_kind: HashMap<&str, u64> = HashMap::new();
        for f in &report.findings {
            *by_kind.entry(f.kind.code()).or_default() += f.count;
        }
        let mut kinds: Vec<_> = by_kind.into_iter().collect();
        kinds.sort();
        println!(
            "{b:?}: security report over {} events in {secs:.2} s: {} findings ({kinds:?})",
            report.report.events,
            report.findings.len()
        );
        assert!(report.report.events as usize >= events, "every event of the day read (and the demo's own of that day)");
        println!("{b:?}: target < 10 s: {}", if secs < 10.0 { "met" } else { "NOT met" });

        // SEC-3: the month's package of a supplier with a client list.
        let supplier = *listed.keys().next().expect("a supplier with a list");
        let month_from = Timestamp::parse("2026-04-30T22:00:00Z").unwrap();
        let month_to = Timestamp::parse("2026-05-31T22:00:00Z").unwrap();
        let t = Instant::now();
        let id = app.draw_log_control(&coordinator, supplier, month_from, month_to, i18n::DEFAULT_TIME_ZONE).await.expect("package");
        let secs = t.elapsed().as_secs_f64();
        let package = app.log_control_package(&coordinator, id).await.expect("read");
        println!(
            "{b:?}: log-control package drawn from {} events of the month in {secs:.2} s: {} entries among the supplier's {} look-ups",
            earlier + events,
            package.package.entries,
            package.package.candidates
        );
        println!("{b:?}: target < 5 s: {}", if secs < 5.0 { "met" } else { "NOT met" });
    }
}
