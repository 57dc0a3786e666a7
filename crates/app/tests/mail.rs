//! E-mail to the people who have something to do (NOT-1), on SQLite and PostgreSQL,
//! through a real SMTP server (aiosmtpd) on a moving clock: the day's digest goes out at
//! the policy's hour, once, only to people with something waiting, in their language,
//! as text and HTML, naming nobody; an immediate notice reaches its recipients at once;
//! a mail the server did not take is retried and arrives exactly once; a mail to a
//! deactivated user is not sent.

mod world;

use connectors::smtp::Mailer;
use connectors::testing::SmtpServer;
use domain::authz::{Actor, UserRole};
use mail_parser::MessageParser;
use portvagt_app::{Mail, MailRenderer, UserInput};
use store::testing::TestBackend;
use store::{NewAccount, OutboxMessage};
use uuid::Uuid;
use world::*;

const TZ: chrono_tz::Tz = chrono_tz::Europe::Copenhagen;
const BASE: &str = "https://portvagt.viborg.example";

/// A received mail as a client shows it.
struct Received {
    to: String,
    subject: String,
    text: String,
    html: String,
    raw: String,
}

fn parse(raw: &str) -> Received {
    let m = MessageParser::default().parse(raw.as_bytes()).expect("a mail");
    Received {
        to: m.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_string(),
        subject: m.subject().unwrap_or_default().to_string(),
        text: m.body_text(0).map(|t| t.to_string()).unwrap_or_default(),
        html: m.body_html(0).map(|t| t.to_string()).unwrap_or_default(),
        raw: raw.to_string(),
    }
}

async fn user(
    w: &World,
    username: &str,
    name: &str,
    role: UserRole,
    org: (Option<Uuid>, Option<Uuid>, Option<Uuid>),
    email: Option<&str>,
) -> Actor {
    let input = UserInput {
        username: username.into(),
        display_name: name.into(),
        role,
        supplier_id: org.0,
        department_id: org.1,
        person_id: org.2,
        oidc_subject: None,
    };
    let (u, _) = w.app.create_user(&w.admin, input).await.unwrap();
    if email.is_some() {
        w.app.update_user(&w.admin, u.id, name, None, email).await.unwrap();
    }
    let u = w.app.store().user(u.id).await.unwrap().unwrap();
    Actor { id: u.id, ..w.admin.clone() }
}

async fn notify(w: &World, payload: serde_json::Value) {
    let mut tx = w.app.store().begin().await.unwrap();
    tx.enqueue(&OutboxMessage { id: Uuid::now_v7(), topic: "notify".into(), payload }, w.app.now()).await.unwrap();
    tx.commit(store::AuditRecord::new(&w.admin, domain::audit_action::AuditAction::LifecycleRun, "lifecycle", None, w.app.now()))
        .await
        .unwrap();
}

// REQ: NOT-1
async fn digests_and_notices(b: TestBackend) {
    // Monday 4 May 2026, 06:00 in Copenhagen.
    let w = world(b, "viborg", "2026-05-04T04:00:00Z", "2027-06-30").await;
    let smtp = SmtpServer::start();
    let mailer = Mailer::new(&smtp.settings()).unwrap();
    let renderer = MailRenderer::new(&w.app.frame().await, BASE, TZ);
    let render = |m: &Mail| renderer.render(m);
    let boss = w.orderer.person;
    let head = user(&w, "lokr", "Lone Kristensen", UserRole::DepartmentHead, (None, Some(w.care), None), Some("lone@viborg.example")).await;
    let coordinator =
        user(&w, "soib", "Søren Ibsen", UserRole::SecurityCoordinator, (None, None, None), Some("soren@viborg.example")).await;
    w.app.set_language(&coordinator, "en").await.unwrap();
    user(&w, "oleord", "Ole Orderer", UserRole::SupplierOrderer, (Some(w.supplier), None, boss), Some("ole@omsorg-nord.example")).await;
    // A head with something waiting but no address is never mailed.
    user(&w, "pebe", "Per Bech", UserRole::DepartmentHead, (None, Some(w.care), None), None).await;
    let order = w.app.submit_request(&w.orderer, w.new_account(w.staff, "2026-05-20")).await.unwrap();

    // Before the policy's hour (07:00) nothing is queued.
    assert_eq!(w.app.compose_digests(TZ).await.unwrap(), 0);
    w.clock.set("2026-05-04T05:10:00Z");
    let queued = w.app.compose_digests(TZ).await.unwrap();
    assert!(queued >= 1, "the head has an order waiting");
    assert_eq!(w.app.compose_digests(TZ).await.unwrap(), 0, "one digest per person and day");
    let run = w.app.deliver_mail(&mailer, &render).await.unwrap();
    assert_eq!((run.sent, run.failed, run.dropped), (queued, 0, 0));
    let mails: Vec<Received> = smtp.received().iter().map(|r| parse(r)).collect();
    assert_eq!(mails.len(), queued);
    let to_head = mails.iter().find(|m| m.to == "lone@viborg.example").expect("the head's digest");
    assert!(to_head.subject.starts_with("Portvagt – det venter på dig"), "{}", to_head.subject);
    assert!(to_head.text.contains("Bestillinger der venter på din godkendelse: 1"), "{}", to_head.text);
    assert!(to_head.text.contains(&format!("{BASE}/inbox")), "a link to the list");
    assert!(
        to_head.html.contains(&format!("<a href=\"{BASE}/inbox\">Bestillinger der venter på din godkendelse</a>: 1")),
        "{}",
        to_head.html
    );
    assert!(to_head.raw.lines().any(|l| l.starts_with("Message-ID: <") && l.ends_with("@portvagt>")), "a stable Message-ID");
    // No name, username, CPR number or order number in any mail.
    for m in &mails {
        for secret in ["Lone", "Kristensen", "Søren", "Ibsen", "Ole Orderer", "Mette Hansen", "lokr", "soib", "oleord", "Omsorg Nord"] {
            assert!(!m.text.contains(secret) && !m.html.contains(secret) && !m.subject.contains(secret), "{secret} in a mail to {}", m.to);
        }
        assert!(!m.text.contains(&order.id.to_string()), "no order id");
        assert!(!m.text.chars().collect::<Vec<_>>().windows(11).any(|w| {
            let s: String = w.iter().collect();
            s.len() == 11 && s.as_bytes()[6] == b'-' && s.bytes().enumerate().all(|(i, c)| i == 6 || c.is_ascii_digit())
        }));
    }

    // An immediate notice (the policy lists log-control overdue): the supplier's orderer
    // and the coordinator are mailed at once, the coordinator in English.
    notify(&w, serde_json::json!({ "kind": "log_control_overdue", "supplier_id": w.supplier, "due_at": "2026-05-15T22:00:00Z" })).await;
    assert_eq!(w.app.route_notices().await.unwrap(), 1);
    let run = w.app.deliver_mail(&mailer, &render).await.unwrap();
    assert_eq!(run.sent, 2);
    let mails: Vec<Received> = smtp.received().iter().map(|r| parse(r)).skip(queued).collect();
    let mut to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    to.sort();
    assert_eq!(to, ["ole@omsorg-nord.example", "soren@viborg.example"]);
    let english = mails.iter().find(|m| m.to == "soren@viborg.example").unwrap();
    assert_eq!(english.subject, "Portvagt: A log control was not reviewed in time");
    assert!(english.text.contains("due 16 May 2026"), "the deadline in the municipality's time: {}", english.text);
    assert!(english.text.contains(&format!("{BASE}/log-control?state=overdue")));
    let danish = mails.iter().find(|m| m.to == "ole@omsorg-nord.example").unwrap();
    assert_eq!(danish.subject, "Portvagt: En logkontrol er ikke gennemgået til tiden");

    // A notice that is not immediate waits for the next digest: an account of the
    // supplier's staff disabled for inactivity.
    let account = Uuid::now_v7();
    let new = NewAccount {
        id: account,
        person_id: w.staff,
        system_id: w.nexus,
        agreement_id: Some(w.agreement),
        username: "omsmet1".into(),
        status: "active",
        valid_from: date("2026-01-01"),
        valid_to: None,
        roles: vec![],
    };
    w.app.import_accounts(&w.admin, &[new]).await.unwrap();
    notify(&w, serde_json::json!({ "kind": "account_disabled_inactive", "account_id": account })).await;
    w.app.route_notices().await.unwrap();
    assert_eq!(w.app.deliver_mail(&mailer, &render).await.unwrap().sent, 0, "not at once");

    // The server is down at the next digest: the mail waits and is retried.
    let port = smtp.port;
    let before = smtp.received().len();
    drop(smtp);
    w.clock.set("2026-05-05T05:10:00Z");
    let queued = w.app.compose_digests(TZ).await.unwrap();
    assert!(queued >= 2, "the head and the orderer");
    let run = w.app.deliver_mail(&mailer, &render).await.unwrap();
    assert_eq!((run.sent, run.failed), (0, queued));
    assert_eq!(w.app.deliver_mail(&mailer, &render).await.unwrap().failed, 0, "not again before its next attempt");
    let smtp = SmtpServer::start_on(port);
    w.clock.set("2026-05-05T05:20:00Z");
    let run = w.app.deliver_mail(&mailer, &render).await.unwrap();
    assert_eq!(run.sent, queued);
    assert_eq!(w.app.deliver_mail(&mailer, &render).await.unwrap().sent, 0, "never sent twice");
    let mails: Vec<Received> = smtp.received().iter().map(|r| parse(r)).collect();
    assert_eq!(mails.len(), queued, "each exactly once ({before} before)");
    let to_orderer = mails.iter().find(|m| m.to == "ole@omsorg-nord.example").expect("the orderer's digest");
    assert!(to_orderer.text.contains("Siden sidste oversigt"), "{}", to_orderer.text);
    assert!(to_orderer.text.contains("Konti lukket, fordi de ikke er brugt: 1"), "{}", to_orderer.text);
    assert!(!to_orderer.text.contains("omsmet1"), "no username");

    // A mail to a user deactivated after it was queued is dropped, not sent.
    w.clock.set("2026-05-06T05:10:00Z");
    let queued = w.app.compose_digests(TZ).await.unwrap();
    assert!(queued >= 1);
    w.app.set_user_active(&w.admin, head.id, false).await.unwrap();
    let seen = smtp.received().len();
    let run = w.app.deliver_mail(&mailer, &render).await.unwrap();
    assert_eq!((run.dropped, run.sent), (1, queued - 1));
    let later: Vec<Received> = smtp.received().iter().skip(seen).map(|r| parse(r)).collect();
    assert_eq!(later.len(), queued - 1);
    assert!(later.iter().all(|m| m.to != "lone@viborg.example"));
}

#[tokio::test]
async fn mail_sqlite() {
    digests_and_notices(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn mail_postgres() {
    digests_and_notices(TestBackend::Postgres).await;
}
