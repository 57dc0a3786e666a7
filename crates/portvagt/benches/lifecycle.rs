//! The daily lifecycle run over the `--scale large` demo set (500 suppliers, 20,000
//! persons, 40,000 accounts, 100,000 role assignments): once on an ordinary day, when
//! nothing is due, and once the day after every agreement ended, when every account is
//! disabled and queued for the target systems. Target: under 5 s.
//!
//! `cargo bench -p portvagt --bench lifecycle` (SQLite; PostgreSQL too when
//! `PORTVAGT_TEST_POSTGRES_URL` names a server, as the test command sets it).

use app::App;
use domain::policy::shipped_presets;
use domain::time::ManualClock;
use std::sync::Arc;
use std::time::Instant;
use store::testing::{POSTGRES_ENV, TestBackend, TestDb};

#[tokio::main]
async fn main() {
    let mut backends = vec![TestBackend::Sqlite];
    if std::env::var(POSTGRES_ENV).is_ok() {
        backends.push(TestBackend::Postgres);
    }
    println!("lifecycle benchmark on {} cores", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    for b in backends {
        let db = TestDb::new(b).await;
        let store = db.store().await;
        store.migrate().await.expect("migrate");
        let clock = Arc::new(ManualClock::at("2026-06-01T02:00:00Z"));
        let app = App::new(store, shipped_presets().expect("presets"), "taarnby", clock.clone()).expect("app");
        let preset = app.active_preset().await.expect("preset");
        let t = Instant::now();
        let s = portvagt::demo::load(&app, &preset, portvagt::demo::Scale::Large).await.expect("demo data");
        println!(
            "{b:?}: loaded {} suppliers, {} persons, {} accounts, {} role assignments in {:.1} s",
            s.suppliers,
            s.persons,
            s.accounts,
            s.role_assignments,
            t.elapsed().as_secs_f64()
        );

        let t = Instant::now();
        let quiet = app.run_lifecycle().await.expect("lifecycle");
        let quiet_s = t.elapsed().as_secs_f64();
        assert_eq!(quiet.disabled_agreement_ended + quiet.disabled_end_date, 0);
        println!("{b:?}: daily run, nothing due: {quiet_s:.2} s");

        clock.set("2028-01-01T02:00:00Z");
        let t = Instant::now();
        let busy = app.run_lifecycle().await.expect("lifecycle");
        let busy_s = t.elapsed().as_secs_f64();
        println!(
            "{b:?}: daily run after every agreement ended: {busy_s:.2} s, {} accounts disabled and queued for the target systems",
            busy.disabled_agreement_ended
        );
        assert_eq!(busy.disabled_agreement_ended as u64, s.accounts as u64);
        println!("{b:?}: target < 5 s: {}", if quiet_s < 5.0 && busy_s < 5.0 { "met" } else { "NOT met" });
    }
}
