//! NOT-1: 10,000 digest mails, queued in the outbox for 10,000 users, rendered in their
//! languages and sent to a local SMTP server (aiosmtpd, which writes each to a Maildir)
//! by the mail worker (target: under 30 s).
//!
//! `cargo bench -p portvagt --bench mail`

use app::{App, MailContent, MailRenderer};
use connectors::smtp::{Mailer, SmtpSettings};
use connectors::testing::SmtpServer;
use domain::authz::{Actor, UserRole};
use domain::notice::NoticeKind;
use domain::policy::shipped_presets;
use domain::time::ManualClock;
use std::sync::Arc;
use std::time::Instant;
use store::testing::{TestBackend, TestDb};
use store::{NewUser, OutboxMessage};
use uuid::Uuid;

const MAILS: usize = 10_000;

#[tokio::main]
async fn main() {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("mail benchmark on {cores} cores");
    let smtp = SmtpServer::start();
    let db = TestDb::new(TestBackend::Sqlite).await;
    let store = db.store().await;
    store.migrate().await.expect("migrate");
    let clock = Arc::new(ManualClock::at("2026-03-02T06:10:00Z"));
    let app = App::new(store, shipped_presets().expect("presets"), "viborg", clock).expect("app");
    let s = app.store();
    let now = app.now();
    let mut tx = s.begin().await.expect("begin");
    let mut mails = Vec::with_capacity(MAILS);
    for i in 0..MAILS {
        let id = Uuid::now_v7();
        let user = NewUser {
            id,
            username: format!("bruger{i}"),
            display_name: format!("Bruger {i}"),
            password_hash: "-".into(),
            role: UserRole::DepartmentHead,
            supplier_id: None,
            department_id: None,
            person_id: None,
            must_change_password: false,
            oidc_subject: None,
        };
        tx.insert_user(&user, now).await.expect("user");
        tx.set_user_email(id, Some(&format!("bruger{i}@kommune.example"))).await.expect("email");
        let content = MailContent::Digest {
            day: "2026-03-02".into(),
            needs: vec![("approvals".into(), 3), ("accounts_ending".into(), 12)],
            notices: vec![(NoticeKind::LogControlDue, 1)],
            supplier: false,
        };
        let mut payload = serde_json::to_value(content).expect("payload");
        payload["user_id"] = serde_json::json!(id);
        mails.push(OutboxMessage { id: Uuid::now_v7(), topic: app::MAIL.into(), payload });
    }
    tx.enqueue_many(&mails, now).await.expect("queue");
    tx.commit(store::AuditRecord::new(&Actor::system("bench"), domain::audit_action::AuditAction::MailDigests, "mail", None, now))
        .await
        .expect("commit");
    // `mail.connections`: the connections kept open to the server at once.
    let connections: u32 = std::env::var("PORTVAGT_BENCH_SMTP_CONNECTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
    println!("{connections} connections to the SMTP server");
    let mailer = Mailer::new(&SmtpSettings { connections, ..smtp.settings() }).expect("mailer");
    let renderer = MailRenderer::new(&app.frame().await, "https://portvagt.kommune.example", i18n::DEFAULT_TIME_ZONE);
    let started = Instant::now();
    let run = app.deliver_mail(&mailer, &|m| renderer.render(m)).await.expect("deliver");
    let took = started.elapsed();
    let received = smtp.received().len();
    println!(
        "sent {} digest mails ({} failed) in {:.2} s ({:.0} mails/s); the server received {received}",
        run.sent,
        run.failed,
        took.as_secs_f64(),
        run.sent as f64 / took.as_secs_f64()
    );
    assert_eq!((run.sent, received), (MAILS, MAILS), "every mail sent once");
    let ok = took.as_secs_f64() < 30.0;
    println!("target: 10,000 mails under 30 s on {cores} cores: {}", if ok { "met" } else { "MISSED" });
}
