//! The audit log's use-cases: parsing target systems' batches at the edge (LOG-2),
//! file import, and retention (LOG-4).

use crate::{App, AppError, Result};
use audit::SigningKey;
use domain::audit_action::AuditAction;
use domain::authz::{Actor, Permission};
use domain::codes;
use domain::error::FieldError;
use domain::ident::{Cpr, Personnummer};
use domain::time::Timestamp;
use sha2::{Digest, Sha256};
use store::AuditRecord;
use store::log::LogQuery;
use store::log::{InboundEvent, IngestOutcome, PurgeReport};
use uuid::Uuid;

/// Events per batch, at most.
pub const MAX_BATCH: usize = 10_000;
/// How far in the future an event's time may lie (clock skew).
const FUTURE_SLACK_SECS: i64 = 300;

/// What is wrong with one line (1-based; 0 for the whole batch) of a batch: a stable
/// code with a message in every language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineError {
    pub line: usize,
    pub field: String,
    pub code: &'static str,
    pub arg: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditImportError {
    #[error("{} lines of the batch are invalid", .0.len())]
    Lines(Vec<LineError>),
    #[error(transparent)]
    App(#[from] AppError),
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    occurred_at: Option<String>,
    username: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    subject: Option<serde_json::Value>,
    criterion: Option<String>,
    client_ip: Option<String>,
    details: Option<serde_json::Value>,
}

pub(crate) fn err(line: usize, field: &str, code: &'static str) -> LineError {
    LineError { line, field: field.into(), code, arg: None }
}

pub(crate) fn err_with(line: usize, field: &str, code: &'static str, arg: impl ToString) -> LineError {
    LineError { line, field: field.into(), code, arg: Some(arg.to_string()) }
}

/// A data-subject identifier in canonical form: a CPR number or personnummer, as text or
/// as `{"kind": …, "value": …}`; any other identifier as `{"kind": "other", "value": …}`.
pub fn subject(v: &serde_json::Value) -> Option<String> {
    let (kind, value) = match v {
        serde_json::Value::String(s) => (None, s.as_str()),
        serde_json::Value::Object(o) => (o.get("kind").and_then(|k| k.as_str()), o.get("value").and_then(|k| k.as_str())?),
        _ => return None,
    };
    let cpr = || Cpr::parse(value).ok().map(|c| format!("cpr:{c}"));
    let pnr = || Personnummer::parse(value).ok().map(|p| format!("personnummer:{p}"));
    match kind {
        None => domain::ident::NationalId::parse(value).ok().map(|n| n.canonical()),
        Some("cpr") => cpr(),
        Some("personnummer") => pnr(),
        Some("other") if !value.trim().is_empty() && value.len() <= 200 => Some(format!("other:{}", value.trim())),
        Some(_) => None,
    }
}

fn check(n: usize, l: Line, now: Timestamp, errors: &mut Vec<LineError>) -> Option<InboundEvent> {
    let before = errors.len();
    let occurred_at = match l.occurred_at.as_deref().map(Timestamp::parse) {
        None => {
            errors.push(err(n, "occurred_at", codes::LINE_REQUIRED));
            None
        }
        Some(Err(_)) => {
            errors.push(err(n, "occurred_at", codes::LINE_TIMESTAMP));
            None
        }
        Some(Ok(t)) if (t.0 - now.0).num_seconds() > FUTURE_SLACK_SECS => {
            errors.push(err(n, "occurred_at", codes::LINE_FUTURE));
            None
        }
        Some(Ok(t)) => Some(t),
    };
    let username = l.username.map(|u| u.trim().to_string()).unwrap_or_default();
    if username.is_empty() || username.len() > 256 {
        errors.push(err(n, "username", if username.is_empty() { codes::LINE_REQUIRED } else { codes::LINE_USERNAME }));
    }
    let action = l.action.unwrap_or_default();
    if action.is_empty() || action.len() > 100 || !action.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        errors.push(err(n, "action", if action.is_empty() { codes::LINE_REQUIRED } else { codes::LINE_ACTION }));
    }
    let outcome = l.outcome.unwrap_or_else(|| "success".into());
    if !["success", "denied", "failed", "error"].contains(&outcome.as_str()) {
        errors.push(err(n, "outcome", codes::LINE_OUTCOME));
    }
    let subject = match l.subject.as_ref().filter(|v| !v.is_null()).map(subject) {
        Some(None) => {
            errors.push(err(n, "subject", codes::LINE_SUBJECT));
            None
        }
        Some(s) => s,
        None => None,
    };
    if l.criterion.as_ref().is_some_and(|c| c.len() > 1_000) {
        errors.push(err(n, "criterion", codes::LINE_CRITERION));
    }
    if let Some(ip) = &l.client_ip
        && ip.parse::<std::net::IpAddr>().is_err()
    {
        errors.push(err(n, "client_ip", codes::LINE_CLIENT_IP));
    }
    let details = l.details.unwrap_or(serde_json::Value::Null);
    if !(details.is_null() || details.is_object()) || details.to_string().len() > 4_096 {
        errors.push(err(n, "details", codes::LINE_DETAILS));
    }
    // F-17, LOG-5: a national identity number belongs in `subject`, where it is sealed;
    // in the free-text fields it would be stored in clear, so the line is refused.
    for (field, text) in [("username", username.clone()), ("action", action.clone()), ("details", details.to_string())] {
        if domain::ident::NationalId::appears_in(&text) {
            errors.push(err(n, field, codes::NATIONAL_ID_IN_TEXT));
        }
    }
    (errors.len() == before).then(|| InboundEvent {
        occurred_at: occurred_at.expect("checked"),
        username,
        action,
        outcome,
        subject,
        criterion: l.criterion,
        client_ip: l.client_ip,
        details,
    })
}

/// Parses a JSON array, or NDJSON (one object per line), into events; every bad line
/// is named, and one bad line refuses the whole batch.
pub fn parse_json_batch(body: &[u8], now: Timestamp) -> std::result::Result<Vec<InboundEvent>, Vec<LineError>> {
    finish(json_lines(body)?, now)
}

/// Each line of a file with its number (1-based), read, or why it could not be.
pub(crate) type Lines<L> = Vec<(usize, std::result::Result<L, String>)>;

/// The objects of a JSON array, or of NDJSON (one per line), each read into `L` with its
/// line number (blank lines skipped) or why it could not be.
pub(crate) fn json_lines<L: serde::de::DeserializeOwned>(body: &[u8]) -> std::result::Result<Lines<L>, Vec<LineError>> {
    let text = std::str::from_utf8(body).map_err(|_| vec![err_with(0, "body", codes::LINE_JSON, "not UTF-8")])?;
    Ok(if text.trim_start().starts_with('[') {
        let arr: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| vec![err_with(e.line(), "body", codes::LINE_JSON, e)])?;
        arr.into_iter().enumerate().map(|(i, v)| (i + 1, serde_json::from_value(v).map_err(|e| e.to_string()))).collect()
    } else {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (i + 1, serde_json::from_str(l).map_err(|e| e.to_string())))
            .collect()
    })
}

/// Parses a CSV export with a header row naming the columns of the JSON form
/// (`details` as JSON text).
pub fn parse_csv_batch(body: &[u8], now: Timestamp) -> std::result::Result<Vec<InboundEvent>, Vec<LineError>> {
    let mut r = csv::ReaderBuilder::new().flexible(false).from_reader(body);
    let headers = r.headers().map_err(|e| vec![err_with(1, "header", codes::LINE_JSON, e)])?.clone();
    let mut values = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let parsed = rec.map_err(|e| e.to_string()).and_then(|rec| {
            let mut obj = serde_json::Map::new();
            for (h, v) in headers.iter().zip(rec.iter()) {
                if v.is_empty() {
                    continue;
                }
                let value = if h == "details" {
                    serde_json::from_str(v).map_err(|e| format!("details: {e}"))?
                } else {
                    serde_json::Value::String(v.to_string())
                };
                obj.insert(h.to_string(), value);
            }
            serde_json::from_value::<Line>(serde_json::Value::Object(obj)).map_err(|e| e.to_string())
        });
        values.push((line, parsed));
    }
    finish(values, now)
}

fn finish(
    values: Vec<(usize, std::result::Result<Line, String>)>,
    now: Timestamp,
) -> std::result::Result<Vec<InboundEvent>, Vec<LineError>> {
    let mut errors = Vec::new();
    if values.is_empty() {
        return Err(vec![err(0, "body", codes::BATCH_EMPTY)]);
    }
    if values.len() > MAX_BATCH {
        return Err(vec![err_with(0, "body", codes::BATCH_TOO_MANY, MAX_BATCH)]);
    }
    let mut out = Vec::with_capacity(values.len());
    for (n, v) in values {
        match v {
            Ok(l) => out.extend(check(n, l, now, &mut errors)),
            Err(e) => errors.push(err_with(n, "line", codes::LINE_JSON, e)),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// The SHA-256 of a batch, hex: its identity for idempotency.
pub fn digest(body: &[u8]) -> String {
    Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect()
}

impl App {
    /// Stores a batch of events from target system `system_id` (all or nothing).
    pub async fn ingest_audit(
        &self,
        system_id: Uuid,
        idempotency_key: &str,
        digest: &str,
        events: &[InboundEvent],
    ) -> Result<IngestOutcome> {
        Ok(self.store().ingest(system_id, idempotency_key, digest, events, self.now()).await?)
    }

    /// `portvagt audit import`: a whole export file as one batch, keyed by its digest.
    pub async fn import_audit_file(
        &self,
        system_id: Uuid,
        bytes: &[u8],
        csv: bool,
    ) -> std::result::Result<IngestOutcome, AuditImportError> {
        let system = self.store().get_entry(system_id).await.map_err(AppError::from)?;
        if system.is_none_or(|s| s.kind != "system") {
            return Err(AuditImportError::Lines(vec![err(0, "system_id", codes::UNKNOWN_REFERENCE)]));
        }
        let now = self.now();
        let events = if csv { parse_csv_batch(bytes, now) } else { parse_json_batch(bytes, now) }.map_err(AuditImportError::Lines)?;
        let d = digest(bytes);
        Ok(self.ingest_audit(system_id, &format!("file:{d}"), &d, &events).await?)
    }

    /// Deletes payloads older than the active preset's retention (LOG-4).
    pub async fn purge_audit_log(&self, key: &SigningKey) -> Result<PurgeReport> {
        let preset = self.active_preset().await?;
        let months = preset.policy.audit.retention_months.value;
        let now = self.now();
        let cutoff = now.0.checked_sub_months(chrono::Months::new(months)).unwrap_or(now.0);
        let cutoff_day = store::log::day_of(&Timestamp(cutoff));
        Ok(self.store().purge_log(cutoff_day, key, &Actor::system("retention"), now).await?)
    }
}

/// Filters of the log's search (LOG-6).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// A CPR number or personnummer (any accepted spelling).
    pub subject: Option<String>,
    pub account_id: Option<Uuid>,
    pub supplier_id: Option<Uuid>,
    pub system_id: Option<Uuid>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub before: Option<u64>,
    pub limit: u32,
}

/// An event as the search shows it: the data subject masked, the criterion withheld.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEventView {
    pub seq: u64,
    pub id: String,
    pub occurred_at: String,
    pub recorded_at: String,
    /// `portvagt` or the reporting target system's id.
    pub source: String,
    pub actor: String,
    pub actor_kind: String,
    pub actor_name: Option<String>,
    pub person_id: Option<String>,
    pub supplier_id: Option<String>,
    pub action: String,
    pub resource_kind: Option<String>,
    pub resource_id: Option<String>,
    /// Birth date part only (`010190-xxxx`).
    pub subject: Option<String>,
    /// LOG-1: the search criterion the user searched by, for those who may read it
    /// (`see_search_criteria`); otherwise absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criterion: Option<String>,
    pub client_ip: Option<String>,
    pub outcome: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEventView>,
    /// Pass as `before` for the next page.
    pub next: Option<u64>,
}

/// Masks a canonical identifier for display.
pub(crate) fn mask(canonical: &str) -> String {
    match domain::ident::NationalId::from_canonical(canonical) {
        Some(n) => n.masked(),
        None => "***".into(),
    }
}

fn idempotency_key(key: Option<&str>) -> Result<&str> {
    key.filter(|k| !k.is_empty() && k.len() <= 200 && k.chars().all(|c| c.is_ascii_graphic()))
        .ok_or_else(|| FieldError::new("Idempotency-Key", codes::IDEMPOTENCY_KEY).into())
}

impl App {
    /// `POST /api/v1/audit/events`: a batch from the target system the caller's token
    /// was issued for; all or nothing, acknowledged once committed.
    pub async fn ingest_batch(
        &self,
        actor: &Actor,
        system: Option<Uuid>,
        key: Option<&str>,
        body: &[u8],
        csv: bool,
    ) -> Result<IngestOutcome> {
        self.permit(actor, Permission::IngestLog)?;
        let token = self.store().token(actor.id).await?.ok_or(AppError::Unauthenticated)?;
        let bound = token.system_id.ok_or(AppError::Forbidden)?;
        if system.is_some_and(|s| s != bound) {
            return Err(AppError::Denied(FieldError::new("system_id", codes::TOKEN_WRONG_SYSTEM)));
        }
        let key = idempotency_key(key)?;
        let now = self.now();
        let events = if csv { parse_csv_batch(body, now) } else { parse_json_batch(body, now) }.map_err(AppError::BatchInvalid)?;
        match self.store().ingest(bound, key, &digest(body), &events, now).await {
            Err(store::StoreError::Conflict { .. }) => {
                Err(AppError::Conflict(FieldError::new("Idempotency-Key", codes::IDEMPOTENCY_KEY_REUSED)))
            }
            other => Ok(other?),
        }
    }

    /// Searches the log; the search itself is an audit event (X-2).
    pub async fn audit_events(&self, actor: &Actor, f: &AuditFilter, export: bool) -> Result<AuditPage> {
        self.permit(actor, Permission::SearchLog)?;
        let subject = match &f.subject {
            Some(s) => Some(subject(&serde_json::Value::String(s.clone())).ok_or(FieldError::new("subject", codes::NATIONAL_ID_FORMAT))?),
            None => None,
        };
        let subject_keys = subject.as_ref().map(|s| self.store().subject_keys(s)).unwrap_or_default();
        let subject_key = subject_keys.first().cloned();
        let account_key = f.account_id.map(|a| audit::event::actor_key(&a.to_string()));
        let q = LogQuery {
            key: subject_key.clone().or(account_key.clone()),
            alt_keys: subject_keys.iter().skip(1).cloned().collect(),
            actor: if subject_key.is_some() { f.account_id.map(|a| a.to_string()) } else { None },
            source: f.system_id.map(|s| s.to_string()),
            supplier: f.supplier_id.map(|s| s.to_string()),
            action: f.action.clone(),
            outcome: f.outcome.clone(),
            from: f.from,
            to: f.to,
            before: f.before,
            limit: if f.limit == 0 { 50 } else { f.limit },
        };
        let page = self.store().query_log(&q).await?;
        let criteria = self.can(actor, Permission::SeeSearchCriteria);
        let items: Vec<AuditEventView> = page
            .entries
            .into_iter()
            .map(|e| {
                let b = e.body;
                let subject =
                    b.subject.as_ref().map(|s| self.store().open_sealed(&b.id, s).map(|c| mask(&c)).unwrap_or_else(|_| "***".into()));
                let criterion =
                    b.criterion.as_ref().filter(|_| criteria).map(|c| self.store().open_sealed(&b.id, c).unwrap_or_else(|_| "***".into()));
                AuditEventView {
                    seq: e.seq,
                    id: b.id,
                    occurred_at: b.at,
                    recorded_at: b.recorded_at,
                    source: b.source,
                    actor: b.actor,
                    actor_kind: b.actor_kind,
                    actor_name: b.actor_name,
                    person_id: b.person_id,
                    supplier_id: b.supplier_id,
                    action: b.action,
                    resource_kind: b.resource_kind,
                    resource_id: b.resource_id,
                    subject,
                    criterion,
                    client_ip: b.client_ip,
                    outcome: b.outcome,
                    details: if b.details.is_object() { b.details } else { serde_json::json!({}) },
                }
            })
            .collect();
        let details = serde_json::json!({
            "subject_key": subject_key, "account_id": f.account_id, "supplier_id": f.supplier_id, "system_id": f.system_id,
            "action": f.action, "from": f.from, "to": f.to, "results": items.len(),
        });
        let action = if export { AuditAction::AuditExport } else { AuditAction::AuditRead };
        self.store().record_audit(&AuditRecord::new(actor, action, "audit_log", None, self.now()).details(details)).await?;
        Ok(AuditPage { items, next: page.next })
    }
}

/// A legal hold as asked for (LOG-4): events about a data subject and/or by an account,
/// recorded between two dates, are kept past retention until released.
#[derive(Debug, Clone)]
pub struct HoldInput {
    pub case_ref: domain::text::Name,
    pub reason: domain::text::Name,
    pub subject: Option<String>,
    pub account_id: Option<Uuid>,
    pub from: domain::time::Date,
    pub to: domain::time::Date,
}

/// An inclusion proof of one event (RFC 6962), hex-encoded.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProofView {
    pub seq: u64,
    pub size: u64,
    pub leaf_hash: String,
    pub path: Vec<String>,
    pub root: String,
}

fn day_of_date(d: &domain::time::Date) -> i64 {
    d.0.signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days()
}

impl App {
    pub async fn create_hold(&self, actor: &Actor, h: HoldInput) -> Result<Uuid> {
        self.permit(actor, Permission::PlaceHold)?;
        let mut keys = Vec::new();
        if let Some(s) = &h.subject {
            let canonical = subject(&serde_json::Value::String(s.clone())).ok_or(FieldError::new("subject", codes::NATIONAL_ID_FORMAT))?;
            keys.extend(self.store().subject_keys(&canonical));
        }
        if let Some(a) = h.account_id {
            keys.push(audit::event::actor_key(&a.to_string()));
        }
        if keys.is_empty() {
            return Err(FieldError::new("subject", codes::SUBJECT_REQUIRED).into());
        }
        if h.to < h.from {
            return Err(FieldError::new("to", codes::ENDS_BEFORE_START).into());
        }
        let hold = store::log::NewHold {
            case_ref: h.case_ref.to_string(),
            reason: h.reason.to_string(),
            keys,
            from_day: day_of_date(&h.from),
            to_day: day_of_date(&h.to),
        };
        Ok(self.store().create_hold(&hold, actor, self.now()).await?)
    }

    pub async fn holds(&self, actor: &Actor) -> Result<Vec<store::log::Hold>> {
        self.permit(actor, Permission::SearchLog)?;
        Ok(self.store().holds().await?)
    }

    pub async fn release_hold(&self, actor: &Actor, id: Uuid) -> Result<()> {
        self.permit(actor, Permission::ReleaseHold)?;
        Ok(self.store().release_hold(id, actor, self.now()).await?)
    }

    /// The signed checkpoints, oldest first (verifiers bring the public key).
    pub async fn audit_checkpoints(&self, actor: &Actor) -> Result<Vec<audit::Checkpoint>> {
        self.permit(actor, Permission::SearchLog)?;
        Ok(self.store().checkpoints("").await?)
    }

    /// The proof that event `seq` is in the tree of `size` events (default: the latest
    /// checkpoint's size, else the whole log).
    pub async fn audit_proof(&self, actor: &Actor, seq: u64, size: Option<u64>) -> Result<ProofView> {
        self.permit(actor, Permission::SearchLog)?;
        let size = match size {
            Some(s) => s,
            None => match self.store().checkpoints("").await?.last() {
                Some(c) if c.size > seq => c.size,
                _ => self.store().log_size().await?,
            },
        };
        let (leaf, path, root) = self.store().inclusion_proof(seq, size).await?;
        let hex = |h: &audit::Hash| audit::merkle::to_hex(h);
        Ok(ProofView { seq, size, leaf_hash: hex(&leaf), path: path.iter().map(hex).collect(), root: hex(&root) })
    }
}

/// How forwarded events are written (X-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardFormat {
    /// RFC 5424 over TCP, octet-counted frames.
    Syslog { hostname: String },
    /// One JSON object a line, for a file a SIEM collects.
    JsonLines,
}

impl App {
    /// Writes every event after `target`'s cursor to `w`, then moves the cursor: a
    /// target sees each event at least once, in order (after a crash between writing
    /// and moving the cursor, the last round is sent again).
    pub async fn forward_audit<W: tokio::io::AsyncWrite + Unpin>(&self, target: &str, format: &ForwardFormat, w: &mut W) -> Result<u64> {
        use tokio::io::AsyncWriteExt;
        let mut sent = 0u64;
        loop {
            let from = self.store().forward_cursor(target).await?;
            let batch = self.store().log_from(from, 2_000).await?;
            let Some(last) = batch.last().map(|e| e.seq) else { break };
            let mut buf = String::new();
            for e in &batch {
                match format {
                    ForwardFormat::Syslog { hostname } => buf.push_str(&audit::forward::syslog_frame(e.seq, &e.body, hostname)),
                    ForwardFormat::JsonLines => {
                        buf.push_str(&audit::forward::json_line(e.seq, &e.body));
                        buf.push('\n');
                    }
                }
            }
            w.write_all(buf.as_bytes()).await.map_err(|e| AppError::Internal(format!("forwarding to {target}: {e}")))?;
            w.flush().await.map_err(|e| AppError::Internal(format!("forwarding to {target}: {e}")))?;
            self.store().set_forward_cursor(target, last + 1).await?;
            sent += batch.len() as u64;
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-23T09:00:00Z").unwrap()
    }

    #[test]
    fn each_bad_line_is_named_and_refuses_the_batch() {
        // REQ: LOG-2
        let body = br#"{"occurred_at":"2026-11-23T08:00:00Z","username":"omsmet1","action":"journal.read","subject":"010190-1234","client_ip":"10.0.0.1"}
{"occurred_at":"2026-11-23T08:00:00Z","action":"journal.read"}
{"occurred_at":"2030-01-01T00:00:00Z","username":"x","action":"journal.read"}
not json
{"occurred_at":"2026-11-23T08:00:00Z","username":"x","action":"a","subject":"123","client_ip":"nope","colour":1}
"#;
        let errors = parse_json_batch(body, now()).unwrap_err();
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(got, vec![(2, "username"), (3, "occurred_at"), (4, "line"), (5, "line")]);
        assert_eq!(errors[1].code, codes::LINE_FUTURE);
        assert!(errors[3].arg.as_deref().unwrap().contains("colour"), "unknown field named: {:?}", errors[3]);
        let one = parse_json_batch(body.split(|b| *b == b'\n').next().unwrap(), now()).unwrap();
        assert_eq!(one[0].subject.as_deref(), Some("cpr:010190-1234"));
        assert!(parse_json_batch(b"", now()).is_err());
        let bad_subject = br#"[{"occurred_at":"2026-11-23T08:00:00Z","username":"x","action":"a","subject":"123"}]"#;
        assert_eq!(parse_json_batch(bad_subject, now()).unwrap_err()[0].field, "subject");
    }

    #[test]
    fn csv_exports_parse_with_their_header() {
        // REQ: LOG-2
        let body = b"occurred_at,username,action,subject,details\n2026-11-23T08:00:00Z,omsmet1,journal.read,010190-1234,\"{\"\"screen\"\":\"\"x\"\"}\"\n2026-11-23T08:01:00Z,,journal.read,,\n";
        let errors = parse_csv_batch(body, now()).unwrap_err();
        assert_eq!((errors[0].line, errors[0].field.as_str()), (3, "username"));
        let ok = parse_csv_batch(&body[..body.len() - 38], now()).unwrap();
        assert_eq!(ok[0].details["screen"], "x");
    }
}
