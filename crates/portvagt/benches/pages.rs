//! The web pages under load (issue target, 2-core machine): with the `--scale large` demo
//! set (500 suppliers, 20,000 persons, 100,000 role assignments), the main list pages and
//! the dashboard render with p95 < 100 ms under 20 concurrent clients.
//!
//! `cargo bench -p portvagt --bench pages` (SQLite, the embedded default).
//! `PORTVAGT_BENCH_REQUESTS` sets the requests per client and page (default 25).

use app::{App, UserInput};
use domain::authz::{Actor, UserRole};
use domain::policy::shipped_presets;
use domain::time::SystemClock;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::testing::{TestBackend, TestDb};

const CLIENTS: usize = 20;
const PAGES: [&str; 6] = ["/", "/requests", "/accounts", "/accounts?state=active&page=3", "/registry?kind=person", "/staff"];

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let per_client: usize = std::env::var("PORTVAGT_BENCH_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(25);
    let db = TestDb::new(TestBackend::Sqlite).await;
    let store = db.store().await;
    store.migrate().await.expect("migrate");
    let presets = shipped_presets().expect("presets");
    let preset = presets.iter().find(|p| p.id == "taarnby").expect("taarnby").clone();
    let app = App::new(store, presets, "taarnby", Arc::new(SystemClock)).expect("app");
    let t = Instant::now();
    let s = portvagt::demo::load(&app, &preset, portvagt::demo::Scale::Large).await.expect("demo");
    println!(
        "demo --scale large: {} suppliers, {} persons, {} accounts, {} role assignments in {:.1} s",
        s.suppliers,
        s.persons,
        s.accounts,
        s.role_assignments,
        t.elapsed().as_secs_f64()
    );

    // Two readers: an auditor (sees everything: the municipality's view) and a supplier's
    // orderer (the narrowed view), each logged in through the session use-cases.
    let mut cookies = Vec::new();
    let first = domain::paging::PageRequest { page: 1, page_size: 1 };
    let suppliers =
        app.list::<domain::registry::Supplier>(&Actor::system("bench"), &app::ListFilter::default(), first).await.expect("suppliers");
    let supplier = suppliers.items[0].id;
    for (name, role, sup) in [("revisor", UserRole::Auditor, None), ("bestiller", UserRole::SupplierOrderer, Some(supplier))] {
        let input = UserInput {
            username: name.into(),
            display_name: name.into(),
            role,
            supplier_id: sup,
            department_id: None,
            person_id: None,
            oidc_subject: None,
        };
        let (_, pw) = app.create_user(&Actor::system("bench"), input).await.expect("user");
        let started = app.start_session(name, &pw).await.expect("login");
        let session = app.web_session(&started.secret).await.expect("session");
        let step = app.change_first_password(&session, "Portvagt2026Sikker", "Portvagt2026Sikker").await.expect("password");
        let mut secret = step.new_secret.unwrap_or(started.secret);
        let session = app.web_session(&secret).await.expect("session");
        if session.stage != app::LoginStage::Active {
            // A supplier user sets up TOTP: do it as a person would.
            let e = app.totp_enrolment(&session).await.expect("enrol");
            let code = App::totp_code(&e.secret, app.now()).expect("code");
            let step = app.confirm_totp(&session, &code).await.expect("totp");
            secret = step.new_secret.expect("a new secret");
        }
        cookies.push((name, format!("pv_session={secret}")));
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = web::router(app.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    let http = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().expect("client");

    println!(
        "{CLIENTS} concurrent clients, {per_client} requests each per page, {} cores",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let mut all_ok = true;
    for (who, cookie) in &cookies {
        for page in PAGES {
            if *who == "revisor" && page == "/staff" {
                continue;
            }
            // Warm up once.
            let res = http.get(format!("{base}{page}")).header("Cookie", cookie).send().await.expect("get");
            assert_eq!(res.status(), 200, "{who} {page}");
            let started = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..CLIENTS {
                let http = http.clone();
                let url = format!("{base}{page}");
                let cookie = cookie.clone();
                tasks.push(tokio::spawn(async move {
                    let mut times = Vec::new();
                    for _ in 0..per_client {
                        let t = Instant::now();
                        let res = http.get(&url).header("Cookie", &cookie).send().await.expect("get");
                        assert_eq!(res.status(), 200);
                        let _ = res.bytes().await.expect("body");
                        times.push(t.elapsed());
                    }
                    times
                }));
            }
            let mut times = Vec::new();
            for t in tasks {
                times.extend(t.await.expect("client"));
            }
            let wall = started.elapsed().as_secs_f64();
            times.sort();
            let p95 = percentile(&times, 0.95);
            all_ok &= p95 < 100.0;
            println!(
                "{who:<10} {page:<32} p50 {:>6.1} ms  p95 {:>6.1} ms  p99 {:>6.1} ms  {:>6.0} pages/s  {}",
                percentile(&times, 0.5),
                p95,
                percentile(&times, 0.99),
                times.len() as f64 / wall,
                if p95 < 100.0 { "ok" } else { "SLOW (target p95 < 100 ms)" }
            );
        }
    }
    println!("{}", if all_ok { "every page met p95 < 100 ms" } else { "some pages missed p95 < 100 ms" });
}
