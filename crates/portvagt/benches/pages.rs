//! The web pages under load (target, 2-core machine): with the `--scale large` demo set
//! (500 suppliers, 20,000 persons, 40,000 accounts, 100,000 role assignments), every list
//! page — plain, with a search term, and with two filters — and the dashboard render with
//! p95 < 50 ms under 20 concurrent clients.
//!
//! `cargo bench -p portvagt --bench pages` (SQLite, the embedded default).
//! `PORTVAGT_BENCH_REQUESTS` sets the requests per client and page (default 25),
//! `PORTVAGT_BENCH_CLIENTS` the concurrent clients (default 20; 1 shows a page's own cost),
//! `PORTVAGT_BENCH_ONLY` runs only the pages whose address contains it.

use app::{App, UserInput};
use domain::authz::{Actor, UserRole};
use domain::policy::shipped_presets;
use domain::time::SystemClock;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::testing::{TestBackend, TestDb};

const CLIENTS: usize = 20;
/// The target: p95 of every page variant, in milliseconds.
const TARGET_MS: f64 = 50.0;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let per_client: usize = std::env::var("PORTVAGT_BENCH_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(25);
    let clients: usize = std::env::var("PORTVAGT_BENCH_CLIENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(CLIENTS);
    let only = std::env::var("PORTVAGT_BENCH_ONLY").unwrap_or_default();
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

    // Four readers, each logged in through the session use-cases: an auditor (the
    // municipality's view), the coordinator (the inbox), an administrator (the users) and
    // a supplier's orderer (the narrowed view).
    let bench = Actor::system("bench");
    let first = domain::paging::PageRequest { page: 1, page_size: 1 };
    let orderer =
        app.list::<domain::registry::Orderer>(&bench, &app::ListFilter::default(), first).await.expect("orderers").items[0].data.clone();
    let system = app.list::<domain::registry::System>(&bench, &app::ListFilter::default(), first).await.expect("systems").items[0].id;
    let supplier = orderer.supplier_id;
    let mut cookies = Vec::new();
    let readers = [
        ("revisor", UserRole::Auditor, None, None),
        ("koordinator", UserRole::SecurityCoordinator, None, None),
        ("admin", UserRole::Administrator, None, None),
        ("bestiller", UserRole::SupplierOrderer, Some(supplier), Some(orderer.person_id)),
    ];
    for (name, role, sup, person) in readers {
        let input = UserInput {
            username: name.into(),
            display_name: name.into(),
            role,
            supplier_id: sup,
            department_id: None,
            person_id: person,
            oidc_subject: None,
        };
        let (_, pw) = app.create_user(&bench, input).await.expect("user");
        let started = app.start_session(name, &pw).await.expect("login");
        let session = app.web_session(&started.secret).await.expect("session");
        let step = app.change_first_password(&session, "Portvagt2026Sikker", "Portvagt2026Sikker").await.expect("password");
        let mut secret = step.new_secret.unwrap_or(started.secret);
        let session = app.web_session(&secret).await.expect("session");
        if session.stage != app::LoginStage::Active {
            // A user who grants or holds access sets up TOTP: done as a person would.
            let e = app.totp_enrolment(&session).await.expect("enrol");
            let code = App::totp_code(&e.secret, app.now()).expect("code");
            let step = app.confirm_totp(&session, &code).await.expect("totp");
            secret = step.new_secret.expect("a new secret");
        }
        cookies.push((name, format!("pv_session={secret}")));
    }
    // Each list plain, with a search term, and with two filters.
    let pages: Vec<(&str, String)> = vec![
        ("revisor", "/".into()),
        ("revisor", "/accounts".into()),
        ("revisor", "/accounts?q=han".into()),
        ("revisor", format!("/accounts?state=active&system={system}")),
        ("revisor", "/requests".into()),
        ("revisor", "/requests?q=han".into()),
        ("revisor", "/requests?state=fulfilled&kind=new_account".into()),
        ("revisor", "/registry?kind=person".into()),
        ("revisor", "/registry?kind=person&q=han".into()),
        ("revisor", format!("/registry?kind=person&active=yes&supplier={supplier}")),
        ("koordinator", "/inbox".into()),
        ("koordinator", "/inbox?q=han".into()),
        ("koordinator", "/inbox?kind=new_account&late=no".into()),
        ("admin", "/admin/users".into()),
        ("admin", "/admin/users?q=be".into()),
        ("admin", "/admin/users?user_role=auditor&active=yes".into()),
        ("bestiller", "/staff".into()),
        ("bestiller", "/staff?q=han".into()),
        ("bestiller", "/staff?q=han&sort=name&dir=desc".into()),
        ("bestiller", "/accounts".into()),
        ("bestiller", "/accounts?q=han".into()),
        ("bestiller", format!("/accounts?state=active&system={system}")),
    ];

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = web::router(app.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build().expect("client");

    println!(
        "{clients} concurrent clients, {per_client} requests each per page, {} cores",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let mut all_ok = true;
    for (who, page) in pages.iter().filter(|(_, p)| p.contains(&only)) {
        let cookie = &cookies.iter().find(|(n, _)| n == who).expect("a reader").1;
        {
            // Warm up once.
            let res = http.get(format!("{base}{page}")).header("Cookie", cookie).send().await.expect("get");
            assert_eq!(res.status(), 200, "{who} {page}");
            let started = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..clients {
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
            all_ok &= p95 < TARGET_MS;
            println!(
                "{who:<11} {page:<70} p50 {:>6.1} ms  p95 {:>6.1} ms  p99 {:>6.1} ms  {:>6.0} pages/s  {}",
                percentile(&times, 0.5),
                p95,
                percentile(&times, 0.99),
                times.len() as f64 / wall,
                if p95 < TARGET_MS { "ok" } else { "SLOW (target p95 < 50 ms)" }
            );
        }
    }
    println!("{}", if all_ok { "every page met p95 < 50 ms" } else { "some pages missed p95 < 50 ms" });
}
