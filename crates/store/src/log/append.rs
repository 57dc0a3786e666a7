//! Appending to the log: Portvagt's own events at commit, and batches from target
//! systems (LOG-2). One function writes both.

use super::{BLOCK, CHUNK, chunks_table, corrupt, ensure_day};
use crate::{Backend, Result, Store, StoreError};
use audit::event::{EventBody, pack};
use audit::merkle::{Frontier, Hash, leaf_hash, node_hash};
use domain::time::Timestamp;
use sqlx::AnyConnection;
use std::collections::HashMap;
use uuid::Uuid;

/// Bytes of one lookup key as handed to the database: the key's 16 bytes and the
/// event's offset in the batch as 8 decimal digits.
const KEY_RECORD: usize = 24;

/// An event body in its stored form, hashed and with its lookup keys.
pub(crate) struct Prepared {
    body: Vec<u8>,
    leaf: Hash,
    /// Lookup keys as stored (16-byte digests).
    keys: Vec<[u8; 16]>,
}

fn prepare_one(b: &EventBody) -> Prepared {
    let body = b.to_bytes();
    let keys = b.index_keys().iter().map(|k| audit::event::key_digest(k)).collect();
    Prepared { leaf: leaf_hash(&body), keys, body }
}

/// A UUID v7 for an event, its random part from the thread's CSPRNG (`Uuid::now_v7`
/// asks the operating system for every id: a system call per event).
fn event_id(rng: &mut impl rand::RngCore) -> Uuid {
    let millis = chrono::Utc::now().timestamp_millis().max(0) as u64;
    let mut random = [0u8; 10];
    rng.fill_bytes(&mut random);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

/// Maps `f` over `items`, split across every core for large batches (sealing,
/// serialising and hashing are CPU work).
fn on_every_core<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> Result<R> + Sync) -> Result<Vec<R>> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    if items.len() < 2_000 || threads == 1 {
        return items.iter().map(&f).collect();
    }
    let per = items.len().div_ceil(threads);
    let parts = std::thread::scope(|s| {
        let handles: Vec<_> = items.chunks(per).map(|part| s.spawn(|| part.iter().map(&f).collect::<Result<Vec<_>>>())).collect();
        handles.into_iter().map(|h| h.join().expect("preparing events does not panic")).collect::<Result<Vec<Vec<_>>>>()
    })?;
    Ok(parts.into_iter().flatten().collect())
}

/// Serialises and hashes bodies.
pub(crate) fn prepare(bodies: &[EventBody]) -> Vec<Prepared> {
    on_every_core(bodies, |b| Ok(prepare_one(b))).expect("preparing a body cannot fail")
}

/// Appends prepared events to the log inside the caller's transaction and returns the
/// sequence number of the first. Locks the head row first, so concurrent appenders
/// queue and sequence numbers follow commit order.
pub(crate) async fn append(conn: &mut AnyConnection, backend: Backend, events: &[Prepared], day: i64) -> Result<u64> {
    let (frontier, head_day, staged): (Vec<u8>, i64, i64) =
        sqlx::query_as("UPDATE audit_head SET day = day WHERE id = 1 RETURNING frontier, day, staged").fetch_one(&mut *conn).await?;
    let mut frontier = Frontier::from_bytes(&frontier).map_err(corrupt)?;
    let first = frontier.size();
    if events.is_empty() {
        return Ok(first);
    }
    let day = day.max(head_day);
    ensure_day(conn, backend, day, first).await?;

    // Leaf hashes, 256 to a row; the last row of the previous append may be partial.
    let mut block = first / BLOCK;
    let mut buf: Vec<u8> = Vec::with_capacity((BLOCK * 32) as usize);
    let mut existing = false;
    if !first.is_multiple_of(BLOCK) {
        buf = sqlx::query_scalar("SELECT hashes FROM audit_leaves WHERE block = $1").bind(block as i64).fetch_one(&mut *conn).await?;
        existing = true;
    }
    for e in events {
        frontier.push(e.leaf);
        buf.extend_from_slice(&e.leaf);
        if buf.len() as u64 == BLOCK * 32 {
            write_block(conn, block, &buf, existing).await?;
            existing = false;
            block += 1;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        write_block(conn, block, &buf, existing).await?;
    }

    // Bodies, in chunks; 16 chunks to a statement.
    let table = chunks_table(day);
    let chunks: Vec<(u64, &[Prepared])> = events.chunks(CHUNK).enumerate().map(|(i, c)| (first + (i * CHUNK) as u64, c)).collect();
    for group in chunks.chunks(16) {
        let sql = format!("INSERT INTO {table} (first_seq, day, count, bodies) VALUES {}", crate::sql::placeholders(group.len(), 4));
        let mut q = sqlx::query(&sql);
        for (seq, c) in group {
            let bodies: Vec<&[u8]> = c.iter().map(|p| p.body.as_slice()).collect();
            q = q.bind(*seq as i64).bind(day).bind(c.len() as i64).bind(pack(&bodies));
        }
        q.execute(&mut *conn).await?;
    }

    // Lookup keys, sorted so the run is written in order, passed as one value of
    // fixed-width records (the key's 16 bytes, the event's offset in the batch as 8
    // digits) that the database slices with byte offsets: no JSON to build or parse.
    let mut keys: Vec<(&[u8; 16], u32)> = Vec::with_capacity(events.len() * 2);
    for (i, e) in events.iter().enumerate() {
        keys.extend(e.keys.iter().map(|k| (k, i as u32)));
    }
    keys.sort_unstable();
    let mut packed = Vec::with_capacity(keys.len() * KEY_RECORD);
    for (k, offset) in &keys {
        use std::io::Write;
        packed.extend_from_slice(*k);
        write!(packed, "{offset:08}").map_err(|e| StoreError::Corrupt(e.to_string()))?;
    }
    let (series, key, offset) = match backend {
        Backend::Sqlite => (
            "(WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n + 1 < $2) SELECT n FROM g)",
            "substr($1, n * 24 + 1, 16)",
            "CAST(CAST(substr($1, n * 24 + 17, 8) AS TEXT) AS INTEGER)",
        ),
        Backend::Postgres => (
            "(SELECT generate_series(0, $2::int - 1) AS n)",
            "substr($1, n * 24 + 1, 16)",
            "encode(substr($1, n * 24 + 17, 8), 'escape')::bigint",
        ),
    };
    // The batch's keys are one run, named by the batch's first sequence number.
    let sql = format!(
        "INSERT INTO audit_index_stage (run, key, seq, chunk, day) SELECT $3, {key}, $3 + {offset}, $3 + {offset} / {CHUNK} * {CHUNK}, $4 FROM {series} g"
    );
    // Every event has at least its actor's key, so there is always a first record.
    sqlx::query(&sql).bind(packed).bind(keys.len() as i64).bind(first as i64).bind(day).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO audit_runs (staged, day, run) VALUES (1, $1, $2)").bind(day).bind(first as i64).execute(&mut *conn).await?;
    // Staged runs carry their day, so a new day does not force a merge: the first event
    // of a day, often a state change a user waits for, does not pay for the last one's.
    let mut staged = staged + keys.len() as i64;
    if staged >= super::STAGE_LIMIT {
        super::merge_stage(conn, backend).await?;
        staged = 0;
    }

    sqlx::query("UPDATE audit_head SET frontier = $1, day = $2, staged = $3 WHERE id = 1")
        .bind(frontier.to_bytes())
        .bind(day)
        .bind(staged)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE audit_days SET last_seq = $1 WHERE day = $2")
        .bind(frontier.size() as i64 - 1)
        .bind(day)
        .execute(&mut *conn)
        .await?;
    Ok(first)
}

async fn write_block(conn: &mut AnyConnection, block: u64, hashes: &[u8], existing: bool) -> Result<()> {
    let root: Option<Vec<u8>> = (hashes.len() as u64 == BLOCK * 32).then(|| {
        let leaves: Vec<Hash> = hashes.chunks(32).map(|c| c.try_into().expect("32")).collect();
        block_root(&leaves).to_vec()
    });
    let sql = if existing {
        "UPDATE audit_leaves SET hashes = $2, root = $3 WHERE block = $1"
    } else {
        "INSERT INTO audit_leaves (block, hashes, root) VALUES ($1, $2, $3)"
    };
    sqlx::query(sql).bind(block as i64).bind(hashes.to_vec()).bind(root).execute(&mut *conn).await?;
    Ok(())
}

/// The root of a perfect subtree of leaves (a power-of-two count).
pub(crate) fn block_root(leaves: &[Hash]) -> Hash {
    let mut level: Vec<Hash> = leaves.to_vec();
    while level.len() > 1 {
        level = level.chunks(2).map(|p| node_hash(&p[0], &p[1])).collect();
    }
    level[0]
}

/// One event as a target system reports it, parsed and checked at the edge.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundEvent {
    pub occurred_at: Timestamp,
    /// The username on the target system.
    pub username: String,
    /// Transaction type.
    pub action: String,
    pub outcome: String,
    /// Canonical data-subject identifier (`cpr:…`, `personnummer:…`, or `other:…`).
    pub subject: Option<String>,
    pub criterion: Option<String>,
    pub client_ip: Option<String>,
    pub details: serde_json::Value,
}

/// What an ingest call stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    pub first_seq: u64,
    pub count: u64,
    /// The batch had been stored before under the same idempotency key.
    pub replayed: bool,
}

/// Actions that count as a sign-on for inactivity.
const SIGN_ON_ACTIONS: [&str; 3] = ["logon", "login", "sign_on"];

struct KnownAccount {
    id: String,
    person_id: String,
    supplier_id: Option<String>,
}

fn prepare_inbound(
    events: &[InboundEvent],
    accounts: &HashMap<String, KnownAccount>,
    key: &crate::DataKey,
    source: &str,
    recorded: &str,
) -> Result<Vec<Prepared>> {
    let build = |e: &InboundEvent| -> Result<EventBody> {
        let id = event_id(&mut rand::thread_rng()).to_string();
        let known = accounts.get(&e.username.to_lowercase());
        let subject = e.subject.as_ref().map(|s| key.seal(&id, s)).transpose()?;
        let criterion = e.criterion.as_ref().map(|s| key.seal(&id, s)).transpose()?;
        Ok(EventBody {
            v: 1,
            at: e.occurred_at.to_string(),
            recorded_at: recorded.to_string(),
            source: source.to_string(),
            actor: known.map(|a| a.id.clone()).unwrap_or_else(|| format!("{}@{source}", e.username)),
            actor_kind: if known.is_some() { "account" } else { "unknown_account" }.into(),
            actor_name: Some(e.username.clone()),
            actor_role: None,
            person_id: known.map(|a| a.person_id.clone()),
            supplier_id: known.and_then(|a| a.supplier_id.clone()),
            action: e.action.clone(),
            resource_kind: None,
            resource_id: None,
            subject_index: e.subject.as_ref().map(|s| key.blind_index(s)),
            subject,
            criterion,
            client_ip: e.client_ip.clone(),
            outcome: e.outcome.clone(),
            details: e.details.clone(),
            id,
        })
    };
    on_every_core(events, |e| build(e).map(|b| prepare_one(&b)))
}

impl Store {
    /// Stores a batch reported by target system `system_id`, all or nothing. A batch
    /// sent again with the same idempotency key and content is not stored twice; the
    /// same key with other content is refused. Returns once the batch is committed.
    pub async fn ingest(
        &self,
        system_id: Uuid,
        idempotency_key: &str,
        digest: &str,
        events: &[InboundEvent],
        now: Timestamp,
    ) -> Result<IngestOutcome> {
        let source = system_id.to_string();
        let accounts = self.accounts_by_username(&source, events).await?;
        let recorded = now.to_string();
        let key = self.key.clone();
        let owned = events.to_vec();
        let accounts = std::sync::Arc::new(accounts);
        let known = accounts.clone();
        // Sealing, serialising and hashing are CPU work: off the async workers, and on
        // every core for large batches.
        let prepared = tokio::task::spawn_blocking(move || prepare_inbound(&owned, &known, &key, &source, &recorded))
            .await
            .map_err(|e| StoreError::Corrupt(format!("preparing events: {e}")))??;
        let source = system_id.to_string();
        let recorded = now.to_string();
        let mut tx = self.begin().await?;
        // Taking the head lock first makes the idempotency check race-free.
        sqlx::query("UPDATE audit_head SET day = day WHERE id = 1").execute(&mut *tx.tx).await?;
        let previous: Option<(String, i64, i64)> =
            sqlx::query_as("SELECT digest, first_seq, count FROM audit_batches WHERE source = $1 AND idempotency_key = $2")
                .bind(&source)
                .bind(idempotency_key)
                .fetch_optional(&mut *tx.tx)
                .await?;
        if let Some((d, first, count)) = previous {
            tx.rollback().await?;
            if d != digest {
                return Err(StoreError::Conflict { field: "idempotency_key" });
            }
            return Ok(IngestOutcome { first_seq: first as u64, count: count as u64, replayed: true });
        }
        let first = append(&mut tx.tx, self.backend, &prepared, super::day_of(&now)).await?;
        sqlx::query(
            "INSERT INTO audit_batches (source, idempotency_key, digest, first_seq, count, received_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&source)
        .bind(idempotency_key)
        .bind(digest)
        .bind(first as i64)
        .bind(events.len() as i64)
        .bind(&recorded)
        .execute(&mut *tx.tx)
        .await?;
        // Sign-ons feed inactivity: the newest per known account.
        let mut last: HashMap<&str, &Timestamp> = HashMap::new();
        for e in events.iter().filter(|e| SIGN_ON_ACTIONS.contains(&e.action.as_str()) && e.outcome == "success") {
            if let Some(a) = accounts.get(&e.username.to_lowercase()) {
                let t = last.entry(a.id.as_str()).or_insert(&e.occurred_at);
                if e.occurred_at > **t {
                    *t = &e.occurred_at;
                }
            }
        }
        for (id, t) in last {
            sqlx::query("UPDATE accounts SET last_activity_at = $1 WHERE id = $2 AND (last_activity_at IS NULL OR last_activity_at < $1)")
                .bind(t.to_string())
                .bind(id)
                .execute(&mut *tx.tx)
                .await?;
        }
        tx.tx.commit().await?;
        Ok(IngestOutcome { first_seq: first, count: events.len() as u64, replayed: false })
    }

    /// Portvagt's accounts on the system for the usernames of a batch (lower-cased).
    async fn accounts_by_username(&self, system_id: &str, events: &[InboundEvent]) -> Result<HashMap<String, KnownAccount>> {
        let mut names: Vec<String> = events.iter().map(|e| e.username.to_lowercase()).collect();
        names.sort_unstable();
        names.dedup();
        let expand = match self.backend {
            Backend::Sqlite => "SELECT value FROM json_each($2)",
            Backend::Postgres => "SELECT jsonb_array_elements_text($2::jsonb)",
        };
        let sql = format!(
            "SELECT a.id, LOWER(a.username), a.person_id, o.supplier_id FROM accounts a
             LEFT JOIN registry_owners o ON o.entry_id = a.agreement_id
             WHERE a.system_id = $1 AND LOWER(a.username) IN ({expand})"
        );
        let mut out = HashMap::new();
        for part in names.chunks(5_000) {
            let json = serde_json::to_string(part).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let rows: Vec<(String, String, String, Option<String>)> =
                sqlx::query_as(&sql).bind(system_id).bind(json).fetch_all(&self.pool).await?;
            for (id, username, person_id, supplier_id) in rows {
                out.insert(username, KnownAccount { id, person_id, supplier_id });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_time_ordered_v7_and_distinct() {
        let mut rng = rand::thread_rng();
        let ids: Vec<Uuid> = (0..10_000).map(|_| event_id(&mut rng)).collect();
        assert!(ids.iter().all(|id| id.get_version_num() == 7));
        let now = chrono::Utc::now().timestamp_millis() as u64;
        let (secs, nanos) = ids[0].get_timestamp().expect("v7 has a time").to_unix();
        assert!(now.abs_diff(secs * 1000 + u64::from(nanos) / 1_000_000) < 5_000, "the id carries the current time");
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
    }
}
