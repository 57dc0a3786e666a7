//! The audit log's use-cases: parsing target systems' batches at the edge (LOG-2),
//! file import, and retention (LOG-4).

use crate::{App, AppError, Result};
use audit::SigningKey;
use domain::authz::Actor;
use domain::codes;
use domain::ident::{Cpr, Personnummer};
use domain::time::Timestamp;
use sha2::{Digest, Sha256};
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

fn err(line: usize, field: &str, code: &'static str) -> LineError {
    LineError { line, field: field.into(), code, arg: None }
}

fn err_with(line: usize, field: &str, code: &'static str, arg: impl ToString) -> LineError {
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
        None => cpr().or_else(pnr),
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
    let text = std::str::from_utf8(body).map_err(|_| vec![err_with(0, "body", codes::LINE_JSON, "not UTF-8")])?;
    let values: Vec<(usize, std::result::Result<Line, String>)> = if text.trim_start().starts_with('[') {
        let arr: Vec<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| vec![err_with(e.line(), "body", codes::LINE_JSON, e)])?;
        arr.into_iter().enumerate().map(|(i, v)| (i + 1, serde_json::from_value(v).map_err(|e| e.to_string()))).collect()
    } else {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (i + 1, serde_json::from_str(l).map_err(|e| e.to_string())))
            .collect()
    };
    finish(values, now)
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
