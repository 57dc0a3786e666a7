//! NOT-1: e-mail to the people who have something to do, driven by the outbox.
//!
//! - The use-cases write `notify` rows (a kind and the object it is about).
//!   [`App::route_notices`] finds each one's recipients by the rule of its kind
//!   ([`NoticeKind::audience`]), gathers it for their digest, and — where the policy
//!   lists the kind as immediate — queues a mail at once.
//! - [`App::compose_digests`] queues one digest per person and day, from the policy's
//!   hour in the municipality's time: the counts of what waits for them (the dashboard's
//!   lists) and the notices since their last digest. Nobody without anything waiting is
//!   mailed, and a day's digest is made once (a primary key on person and day).
//! - [`App::deliver_mail`] claims queued mails, renders each in its recipient's language
//!   and sends it; a mail is marked done as soon as the server accepted it, and retried
//!   with back-off until then. It carries a stable Message-ID.
//!
//! A mail names no person, CPR number or username: counts, deadlines and a link only.

mod render;

pub use render::MailRenderer;

use crate::sessions::user_actor;
use crate::{App, AppError, Result};
use chrono::Timelike;
use connectors::smtp::{Mailer, OutgoingMail};
use domain::audit_action::AuditAction;
use domain::authz::{Actor, UserRole};
use domain::notice::{Audience, NoticeKind, digest_due};
use domain::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeSet;
use store::{AuditRecord, OutboxMessage, RecipientQuery};
use uuid::Uuid;

/// The outbox topic of the use-cases' notices.
pub const NOTIFY: &str = "notify";
/// The outbox topic of mails to send.
pub const MAIL: &str = "mail";
/// How long a worker holds the mails it is sending before another may take them over.
const LEASE_MINUTES: i64 = 10;
/// Mails sent in one round of the worker.
const ROUND: u32 = 500;
/// Mails whose outcome is recorded in one transaction: a crash loses at most these
/// marks, and those mails go again after their lease (with the same Message-ID).
const RECORD_BATCH: usize = 50;

/// What a mail says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailContent {
    /// The daily digest: the counts of the lists waiting for the person ([`crate::Need`]
    /// codes) and the notices gathered since the last digest.
    Digest {
        day: String,
        needs: Vec<(String, u64)>,
        notices: Vec<(NoticeKind, u64)>,
        /// Whether the person works for a supplier (their lists are the supplier's pages).
        #[serde(default)]
        supplier: bool,
    },
    /// A notice the policy sends at once, with its deadline when it has one.
    Notice { notice: NoticeKind, due_at: Option<String> },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MailPayload {
    user_id: Uuid,
    #[serde(flatten)]
    content: MailContent,
}

/// A mail to render: its id, the recipient's language and the content.
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub id: Uuid,
    pub language: Option<String>,
    pub content: MailContent,
}

/// A mail in words, as plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What one round of delivery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryRun {
    pub sent: usize,
    pub failed: usize,
    /// Mails whose recipient has no address any more or was deactivated: not sent.
    pub dropped: usize,
}

impl App {
    /// Turns the use-cases' `notify` rows into notices for their recipients, and mails at
    /// once those the policy lists as immediate. Returns how many notices were routed.
    pub async fn route_notices(&self) -> Result<usize> {
        let now = self.now();
        let immediate = self.active_preset().await?.policy.notifications.immediate.value;
        let pending = self.store.pending_messages(NOTIFY, now, 500).await?;
        let worker = Actor::system("mail");
        for m in &pending {
            let p = &m.payload;
            let kind = p.get("kind").and_then(|k| k.as_str()).and_then(NoticeKind::parse);
            let mut tx = self.store.begin().await?;
            let Some(kind) = kind else {
                tx.complete_message(m.id, now).await?;
                tx.commit(
                    AuditRecord::new(&worker, AuditAction::MailRouted, "mail", Some(m.id), now)
                        .outcome("failed")
                        .details(json!({ "error": "unknown notice kind", "kind": p.get("kind") })),
                )
                .await?;
                continue;
            };
            let users = self.recipients(kind, p).await?;
            let at_once = immediate.contains(&kind);
            tx.add_notices(&users, kind.code(), at_once, now).await?;
            if at_once {
                let due_at = p.get("due_at").and_then(|d| d.as_str()).map(String::from);
                let mails: Vec<OutboxMessage> = users
                    .iter()
                    .map(|u| mail_row(*u, MailContent::Notice { notice: kind, due_at: due_at.clone() }))
                    .collect::<Result<_>>()?;
                tx.enqueue_many(&mails, now).await?;
            }
            tx.complete_message(m.id, now).await?;
            tx.commit(
                AuditRecord::new(&worker, AuditAction::MailRouted, "mail", Some(m.id), now)
                    .details(json!({ "kind": kind.code(), "recipients": users.len(), "immediate": at_once })),
            )
            .await?;
        }
        Ok(pending.len())
    }

    /// The active users with an address a notice reaches.
    async fn recipients(&self, kind: NoticeKind, p: &serde_json::Value) -> Result<Vec<Uuid>> {
        let id = |k: &str| p.get(k).and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok());
        let supplier = match id("supplier_id") {
            Some(s) => Some(s),
            None => match id("account_id") {
                Some(a) => match self.store.account(a).await? {
                    Some(a) => self.supplier_id_of(&a).await,
                    None => None,
                },
                None => None,
            },
        };
        let mut users = BTreeSet::new();
        for audience in kind.audience() {
            let q = match *audience {
                Audience::Role(role) => RecipientQuery { role, supplier_id: None, department_id: None },
                // A notice about a supplier or department nobody can be found for reaches
                // nobody rather than everyone with the role.
                Audience::SupplierRole(role) => match supplier {
                    Some(s) => RecipientQuery { role, supplier_id: Some(s), department_id: None },
                    None => continue,
                },
                Audience::DepartmentRole(role) => match id("department_id") {
                    Some(d) => RecipientQuery { role, supplier_id: None, department_id: Some(d) },
                    None => continue,
                },
            };
            users.extend(self.store.notice_recipients(q).await?);
        }
        Ok(users.into_iter().collect())
    }

    /// Queues today's digest for everyone with an address who has something waiting,
    /// once the policy's hour has come in the municipality's time `tz`. Returns how many
    /// digests were queued.
    pub async fn compose_digests(&self, tz: chrono_tz::Tz) -> Result<usize> {
        let now = self.now();
        let local = now.0.with_timezone(&tz);
        let hour = self.active_preset().await?.policy.notifications.digest_hour.value;
        if !digest_due(local.hour(), hour) {
            return Ok(0);
        }
        let day = local.date_naive().to_string();
        let worker = Actor::system("mail");
        let mut queued = 0;
        for chunk in self.store.digest_candidates(&day).await?.chunks(200) {
            let mut contents = Vec::with_capacity(chunk.len());
            for id in chunk {
                contents.push((*id, self.digest_of(*id, &day).await?));
            }
            let mut tx = self.store.begin().await?;
            let mut mailed = 0;
            for (user, content) in contents {
                let row = content.map(|c| mail_row(user, c)).transpose()?;
                if tx.record_digest(user, &day, row.as_ref().map_or(Uuid::nil(), |r| r.id), now).await?
                    && let Some(row) = row
                {
                    tx.enqueue(&row, now).await?;
                    mailed += 1;
                }
            }
            tx.commit(
                AuditRecord::new(&worker, AuditAction::MailDigests, "mail", None, now)
                    .details(json!({ "day": day, "people": chunk.len(), "digests": mailed })),
            )
            .await?;
            queued += mailed;
        }
        Ok(queued)
    }

    /// A person's digest of `day`, or `None` when nothing waits for them.
    async fn digest_of(&self, user: Uuid, day: &str) -> Result<Option<MailContent>> {
        let Some(u) = self.store.user(user).await? else { return Ok(None) };
        if u.role == UserRole::TargetSystem {
            return Ok(None);
        }
        let actor = user_actor(&u)?;
        let needs: Vec<(String, u64)> =
            self.needs(&actor).await?.into_iter().filter(|(_, n)| *n > 0).map(|(need, n)| (need.code().to_string(), n)).collect();
        let notices: Vec<(NoticeKind, u64)> =
            self.store.waiting_notices(user).await?.into_iter().filter_map(|(kind, n)| NoticeKind::parse(&kind).map(|k| (k, n))).collect();
        if needs.is_empty() && notices.is_empty() {
            return Ok(None);
        }
        Ok(Some(MailContent::Digest { day: day.to_string(), needs, notices, supplier: actor.supplier().is_some() }))
    }

    /// Sends the queued mails that are due, rendered by `render`; several at a time over
    /// the mailer's pool of connections.
    pub async fn deliver_mail(&self, mailer: &Mailer, render: &(dyn Fn(&Mail) -> RenderedMail + Sync)) -> Result<DeliveryRun> {
        let mut run = DeliveryRun::default();
        loop {
            let now = self.now();
            let lease = Timestamp(now.0 + chrono::Duration::minutes(LEASE_MINUTES));
            let claimed = self.store.claim_messages(MAIL, now, lease, ROUND).await?;
            if claimed.is_empty() {
                return Ok(run);
            }
            let mut sending = tokio::task::JoinSet::new();
            let mut finished = Vec::new();
            for m in claimed {
                let payload: MailPayload = serde_json::from_value(m.payload.clone()).map_err(|e| AppError::Internal(e.to_string()))?;
                let recipient = self.store.mail_recipient(payload.user_id).await?;
                let Some(recipient) = recipient else {
                    self.mail_done(m.id, payload.user_id, &payload.content, Err("the recipient has no address or is inactive".into()))
                        .await?;
                    run.dropped += 1;
                    continue;
                };
                let mail = Mail { id: m.id, language: recipient.language.clone(), content: payload.content.clone() };
                let rendered = render(&mail);
                let out = OutgoingMail {
                    to: recipient.email,
                    subject: rendered.subject,
                    text: rendered.text,
                    html: rendered.html,
                    message_id: format!("<{}@portvagt>", m.id),
                };
                // At most as many on their way as the pool keeps connections.
                while sending.len() >= mailer.connections() {
                    if let Some(joined) = sending.join_next().await {
                        finished.push(joined.map_err(|e| AppError::Internal(e.to_string()))?);
                    }
                }
                if finished.len() >= RECORD_BATCH {
                    self.record_mail(std::mem::take(&mut finished), &mut run).await?;
                }
                let mailer = mailer.clone();
                sending.spawn(async move {
                    let outcome = mailer.send(&out).await;
                    (m, payload, outcome)
                });
            }
            while let Some(joined) = sending.join_next().await {
                finished.push(joined.map_err(|e| AppError::Internal(e.to_string()))?);
            }
            self.record_mail(std::mem::take(&mut finished), &mut run).await?;
        }
    }

    /// Records what became of mails sent, in one transaction: done, or back in the queue
    /// for their next attempt (with back-off while the server is unavailable, a day after
    /// a refusal).
    async fn record_mail(&self, finished: Vec<Sending>, run: &mut DeliveryRun) -> Result<()> {
        let now = self.now();
        let worker = Actor::system("mail");
        let mut tx = self.store.begin().await?;
        let mut events = Vec::with_capacity(finished.len());
        for (m, payload, outcome) in finished {
            let kind = kind_of(&payload.content);
            match outcome {
                Ok(()) => {
                    tx.complete_message(m.id, now).await?;
                    events.push(
                        AuditRecord::new(&worker, AuditAction::MailSent, "user", Some(payload.user_id), now)
                            .details(json!({ "mail": m.id, "kind": kind })),
                    );
                    run.sent += 1;
                }
                Err(e) => {
                    let attempt = m.attempts + 1;
                    let at = if e.is_retryable() {
                        Timestamp(now.0 + chrono::Duration::minutes(5 * (1 << (attempt - 1).clamp(0, 6))))
                    } else {
                        Timestamp(now.0 + chrono::Duration::hours(24))
                    };
                    tx.retry_message(m.id, &e.to_string(), at).await?;
                    events.push(
                        AuditRecord::new(&worker, AuditAction::MailFailed, "user", Some(payload.user_id), now)
                            .outcome("failed")
                            .details(json!({ "mail": m.id, "kind": kind, "attempt": attempt, "error": e.to_string() })),
                    );
                    run.failed += 1;
                }
            }
        }
        let Some(last) = events.pop() else { return Ok(tx.rollback().await?) };
        tx.append_audit_many(&events).await?;
        tx.commit(last).await?;
        Ok(())
    }

    /// Marks a mail done: sent, or dropped for the reason given.
    async fn mail_done(&self, id: Uuid, user: Uuid, content: &MailContent, sent: std::result::Result<(), String>) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.complete_message(id, now).await?;
        let mut event = AuditRecord::new(&Actor::system("mail"), AuditAction::MailSent, "user", Some(user), now)
            .details(json!({ "mail": id, "kind": kind_of(content) }));
        if let Err(reason) = sent {
            event = event.outcome("failed").details(json!({ "mail": id, "kind": kind_of(content), "error": reason }));
        }
        tx.commit(event).await?;
        Ok(())
    }
}

/// A mail on its way and what the server answered.
type Sending = (store::PendingMessage, MailPayload, connectors::Result<()>);

fn kind_of(c: &MailContent) -> &'static str {
    match c {
        MailContent::Digest { .. } => "digest",
        MailContent::Notice { notice, .. } => notice.code(),
    }
}

fn mail_row(user_id: Uuid, content: MailContent) -> Result<OutboxMessage> {
    let payload = serde_json::to_value(MailPayload { user_id, content }).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(OutboxMessage { id: Uuid::now_v7(), topic: MAIL.into(), payload })
}
