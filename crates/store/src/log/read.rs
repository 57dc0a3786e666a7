//! Reading the log (LOG-6): by lookup key (data subject, actor, resource) or by
//! scanning a time window, newest first, in pages.

use super::day_of;
use crate::{Result, Store, StoreError};
use audit::event::{EventBody, unpack};
use domain::time::Timestamp;
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// An index key: `s:<subject>`, `a:<actor>`, `r:<resource>`, `o:<action>`.
    pub key: Option<String>,
    /// More keys an event may match instead (a subject under previous data keys).
    pub alt_keys: Vec<String>,
    pub source: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub supplier: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Only events with a smaller sequence number (the previous page's cursor).
    pub before: Option<u64>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub seq: u64,
    pub body: EventBody,
}

#[derive(Debug, Clone, Default)]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    /// Where the next page starts (`before`), if there may be more.
    pub next: Option<u64>,
}

impl LogQuery {
    fn matches(&self, b: &EventBody) -> bool {
        let at_ok = |bound: &Option<Timestamp>, after: bool| match bound {
            None => true,
            Some(t) => {
                let at = Timestamp::parse(&b.at).map(|a| a.0);
                at.map(|a| if after { a >= t.0 } else { a < t.0 }).unwrap_or(false)
            }
        };
        self.source.as_ref().is_none_or(|s| &b.source == s)
            && self.actor.as_ref().is_none_or(|a| &b.actor == a)
            && self.action.as_ref().is_none_or(|a| &b.action == a)
            && self.supplier.as_ref().is_none_or(|s| b.supplier_id.as_ref() == Some(s))
            && self.outcome.as_ref().is_none_or(|o| &b.outcome == o)
            && at_ok(&self.from, true)
            && at_ok(&self.to, false)
    }

    /// Days to look in: events are stored by the day they were recorded, which is the
    /// day they happened or later (a day of slack for late reports is not enough to
    /// bound it, so only the lower bound narrows by recorded day).
    fn day_from(&self) -> i64 {
        self.from.as_ref().map(day_of).unwrap_or(i64::MIN)
    }
}

/// Index entries or chunks read per round trip.
const ROUND: i64 = 500;
/// Stop a page after this many events were looked at without filling it.
const SCAN_LIMIT: usize = 200_000;

impl Store {
    pub async fn query_log(&self, q: &LogQuery) -> Result<LogPage> {
        let limit = q.limit.clamp(1, 1_000) as usize;
        let mut out = Vec::new();
        let mut cursor = q.before.unwrap_or(i64::MAX as u64).min(i64::MAX as u64) as i64;
        let mut scanned = 0usize;
        let exhausted = loop {
            let (entries, done) = match &q.key {
                Some(key) => {
                    let keys: Vec<&String> = std::iter::once(key).chain(&q.alt_keys).collect();
                    let list = (0..keys.len()).map(|i| format!("${}", i + 4)).collect::<Vec<_>>().join(", ");
                    let sql = format!(
                        "SELECT seq, chunk, day FROM audit_index_all WHERE key IN ({list}) AND seq < $1 AND day >= $2 ORDER BY seq DESC LIMIT $3"
                    );
                    let mut query = sqlx::query_as(&sql).bind(cursor).bind(q.day_from()).bind(ROUND);
                    for k in &keys {
                        query = query.bind(audit::event::key_digest(k).to_vec());
                    }
                    let hits: Vec<(i64, i64, i64)> = query.fetch_all(&self.pool).await?;
                    cursor = hits.last().map(|h| h.0).unwrap_or(cursor);
                    // The index holds digests: keep only events that carry a key itself.
                    let events = self
                        .events_at(&hits)
                        .await?
                        .into_iter()
                        .filter(|e| e.body.index_keys().iter().any(|k| keys.contains(&k)))
                        .collect();
                    (events, (hits.len() as i64) < ROUND)
                }
                None => {
                    let chunks: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                        "SELECT first_seq, bodies FROM audit_chunks_all WHERE first_seq < $1 AND day >= $2 ORDER BY first_seq DESC LIMIT $3",
                    )
                    .bind(cursor)
                    .bind(q.day_from())
                    .bind(ROUND / 10)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut entries = Vec::new();
                    for (first, bytes) in &chunks {
                        entries.extend(decode_chunk(*first, bytes)?.into_iter().rev().filter(|e| (e.seq as i64) < cursor));
                    }
                    cursor = chunks.last().map(|c| c.0).unwrap_or(cursor);
                    (entries, (chunks.len() as i64) < ROUND / 10)
                }
            };
            scanned += entries.len();
            out.extend(entries.into_iter().filter(|e| q.matches(&e.body)));
            if done {
                break true;
            }
            if out.len() >= limit || scanned >= SCAN_LIMIT {
                break false;
            }
        };
        out.sort_by_key(|e| std::cmp::Reverse(e.seq));
        let next = if out.len() > limit {
            out.truncate(limit);
            out.last().map(|e| e.seq)
        } else if exhausted {
            None
        } else if out.len() == limit {
            out.last().map(|e| e.seq)
        } else {
            Some(cursor as u64)
        };
        Ok(LogPage { entries: out, next })
    }

    /// Up to `limit` events from `from` on, oldest first (forwarding; purged events
    /// are skipped).
    pub async fn log_from(&self, from: u64, limit: u32) -> Result<Vec<LogEntry>> {
        let chunks: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT first_seq, bodies FROM audit_chunks_all WHERE first_seq >= $1 ORDER BY first_seq LIMIT $2")
                .bind(from as i64 - (super::CHUNK as i64 - 1))
                .bind(i64::from(limit.div_ceil(super::CHUNK as u32) + 1))
                .fetch_all(&self.pool)
                .await?;
        let mut out = Vec::new();
        for (first, bytes) in chunks {
            out.extend(decode_chunk(first, &bytes)?.into_iter().filter(|e| e.seq >= from));
        }
        out.truncate(limit as usize);
        Ok(out)
    }

    /// Where forwarding to `target` goes on from.
    pub async fn forward_cursor(&self, target: &str) -> Result<u64> {
        let n: Option<i64> =
            sqlx::query_scalar("SELECT next_seq FROM audit_forward WHERE target = $1").bind(target).fetch_optional(&self.pool).await?;
        Ok(n.unwrap_or(0) as u64)
    }

    pub async fn set_forward_cursor(&self, target: &str, next: u64) -> Result<()> {
        let n = sqlx::query("UPDATE audit_forward SET next_seq = $2 WHERE target = $1")
            .bind(target)
            .bind(next as i64)
            .execute(&self.pool)
            .await?;
        if n.rows_affected() == 0 {
            sqlx::query("INSERT INTO audit_forward (target, next_seq) VALUES ($1, $2)")
                .bind(target)
                .bind(next as i64)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// The events at `(seq, chunk, day)` positions, fetching each chunk once.
    async fn events_at(&self, hits: &[(i64, i64, i64)]) -> Result<Vec<LogEntry>> {
        let mut wanted: Vec<(i64, i64)> = hits.iter().map(|h| (h.1, h.2)).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut chunks: HashMap<i64, Vec<u8>> = HashMap::new();
        // Always 16 chunks and 16 days (padded with -1, which is neither): one statement
        // text, prepared once per connection. The days let PostgreSQL open only those
        // days' partitions instead of probing every day's index for every chunk.
        const FETCH: usize = 16;
        let sql = format!(
            "SELECT first_seq, bodies FROM audit_chunks_all WHERE day IN ({}) AND first_seq IN ({})",
            (1..=FETCH).map(|i| format!("${i}")).collect::<Vec<_>>().join(", "),
            (FETCH + 1..=2 * FETCH).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
        );
        for part in wanted.chunks(FETCH) {
            let mut q = sqlx::query_as(&sql);
            for i in 0..FETCH {
                q = q.bind(part.get(i).map(|w| w.1).unwrap_or(-1));
            }
            for i in 0..FETCH {
                q = q.bind(part.get(i).map(|w| w.0).unwrap_or(-1));
            }
            let rows: Vec<(i64, Vec<u8>)> = q.fetch_all(&self.pool).await?;
            chunks.extend(rows);
        }
        let mut out = Vec::with_capacity(hits.len());
        for (seq, chunk, _) in hits {
            let bytes = chunks.get(chunk).ok_or_else(|| StoreError::Corrupt(format!("event {seq}: its chunk {chunk} is missing")))?;
            let bodies = unpack(bytes).ok_or_else(|| StoreError::Corrupt(format!("chunk {chunk} is malformed")))?;
            let body =
                bodies.get((seq - chunk) as usize).ok_or_else(|| StoreError::Corrupt(format!("event {seq} is not in chunk {chunk}")))?;
            out.push(LogEntry { seq: *seq as u64, body: EventBody::from_bytes(body).map_err(StoreError::Corrupt)? });
        }
        Ok(out)
    }

    /// Opens a sealed data-subject identifier or criterion of an event.
    pub fn open_sealed(&self, event_id: &str, sealed: &str) -> Result<String> {
        self.key().open(event_id, sealed)
    }

    /// The index key of a data subject's canonical identifier (current data key).
    pub fn subject_key(&self, canonical: &str) -> String {
        audit::event::subject_key(&self.key().blind_index(canonical))
    }

    /// The index keys of a data subject under the current and every previous data key.
    pub fn subject_keys(&self, canonical: &str) -> Vec<String> {
        self.key().blind_indexes(canonical).iter().map(|i| audit::event::subject_key(i)).collect()
    }
}

pub(crate) fn decode_chunk(first: i64, bytes: &[u8]) -> Result<Vec<LogEntry>> {
    let bodies = unpack(bytes).ok_or_else(|| StoreError::Corrupt(format!("chunk {first} is malformed")))?;
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, b)| Ok(LogEntry { seq: first as u64 + i as u64, body: EventBody::from_bytes(&b).map_err(StoreError::Corrupt)? }))
        .collect()
}

impl Store {
    /// The first and last sequence numbers recorded on days `from_day` to `to_day`
    /// (whose payloads are still kept), for reading a period in order.
    pub async fn log_seq_range(&self, from_day: i64, to_day: i64) -> Result<Option<(u64, u64)>> {
        let (first, last): (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT MIN(first_seq), MAX(last_seq) FROM audit_days WHERE day >= $1 AND day <= $2 AND purged_at IS NULL")
                .bind(from_day)
                .bind(to_day)
                .fetch_one(&self.pool)
                .await?;
        Ok(first.zip(last).map(|(f, l)| (f as u64, l as u64)))
    }

    /// The stored chunks holding events `from` to `to`, oldest first, at most `chunks` of
    /// them: the events as their bodies' bytes with their sequence numbers, decoded by
    /// the caller (a report over a million events decodes as it goes). The next `from`
    /// comes with them while there is more.
    pub async fn log_chunks(&self, from: u64, to: u64, chunks: u32) -> Result<(Vec<(u64, Vec<u8>)>, Option<u64>)> {
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT first_seq, bodies FROM audit_chunks_all WHERE first_seq >= $1 AND first_seq <= $2 ORDER BY first_seq LIMIT $3",
        )
        .bind(from as i64 - (super::CHUNK as i64 - 1))
        .bind(to as i64)
        .bind(i64::from(chunks))
        .fetch_all(&self.pool)
        .await?;
        let full = rows.len() == chunks as usize;
        let mut next = None;
        let mut out = Vec::with_capacity(rows.len() * super::CHUNK);
        for (first, bytes) in rows {
            let bodies = unpack(&bytes).ok_or_else(|| StoreError::Corrupt(format!("chunk {first} is malformed")))?;
            next = Some(first as u64 + bodies.len() as u64).filter(|n| full && *n <= to);
            for (i, b) in bodies.into_iter().enumerate() {
                let seq = first as u64 + i as u64;
                if seq >= from && seq <= to {
                    out.push((seq, b));
                }
            }
        }
        Ok((out, next))
    }
}
