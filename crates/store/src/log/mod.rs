//! The tamper-evident audit log (LOG-1..LOG-6, ARCHITECTURE principle 7).
//!
//! Every event — Portvagt's own, written in the transaction of the change, and those
//! target systems report — is a leaf of one RFC 6962 Merkle tree. The storage keeps
//! three things apart so that retention can delete payloads while the proof of what
//! remains still verifies:
//!
//! - `audit_leaves`: the leaf hashes, 256 per row, and the root of each full block.
//!   Kept for ever (32 bytes an event).
//! - `audit_chunks_d<day>` and `audit_index_d<day>`: the event bodies (up to 64 per
//!   chunk, the exact bytes that were hashed) and the lookup keys (data subject,
//!   actor, resource), one pair of tables per day the events were recorded. On
//!   PostgreSQL they are partitions of `audit_chunks`/`audit_index`; on SQLite plain
//!   tables behind the views `audit_chunks_all`/`audit_index_all`. Purging a day drops
//!   its two tables: no scan, and the cost does not grow with what else is stored.
//! - Lookup keys are kept in sorted *runs* (`audit_runs`): a batch's keys are one run
//!   in `audit_index_stage`, ordered by `(run, key, seq)`, so a batch writes only new
//!   pages at the right edge of the stage's B-tree (random keys in one B-tree rewrite
//!   most of its pages); every `STAGE_LIMIT` keys the staged runs of a day are merged
//!   into one run of the day's index. On SQLite the days' tables are in run order too
//!   and a lookup seeks each of a day's few runs, which the views name; PostgreSQL
//!   logs rows rather than whole pages, and its days' indexes stay on `(key, seq)`.
//! - `audit_head`: the tree's frontier, locked by every append, which makes sequence
//!   numbers gap-free and in commit order on both engines.
//!
//! Signed checkpoints (`audit_checkpoints`) commit to the root at a size; signed purge
//! records (`audit_days`) say which events were deleted on purpose.

pub(crate) mod append;
mod extracts;
mod read;
pub(crate) mod retention;
mod verify;

pub use append::{InboundEvent, IngestOutcome};
pub use extracts::Extract;
pub use read::{LogEntry, LogPage, LogQuery};
pub use retention::{Hold, NewHold, PurgeReport};
pub use verify::{VERIFY_CODES, VerifyProblem, VerifyReport};

use crate::{Backend, Result, StoreError};
use audit::merkle::{self, Hash, MerkleError, NodeSource};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// Leaf hashes per `audit_leaves` row.
pub(crate) const BLOCK: u64 = 256;
/// Events per stored chunk.
pub(crate) const CHUNK: usize = 64;

/// The day (since 1970-01-01, UTC) of a timestamp: the partition an event is stored in.
pub fn day_of(t: &domain::time::Timestamp) -> i64 {
    t.0.timestamp().div_euclid(86_400)
}

pub(crate) fn chunks_table(day: i64) -> String {
    format!("audit_chunks_d{day}")
}

pub(crate) fn index_table(day: i64) -> String {
    format!("audit_index_d{day}")
}

fn corrupt(e: MerkleError) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Records who did something to row `id` of `table` and when, once: the row is
/// refused (`NotFound`) when it does not exist or was stamped before.
pub(crate) async fn stamp_once(
    tx: &mut crate::Tx,
    table: &'static str,
    columns: (&'static str, &'static str),
    id: uuid::Uuid,
    actor: &domain::authz::Actor,
    now: domain::time::Timestamp,
) -> Result<()> {
    let (who, when) = columns;
    let n = sqlx::query(&format!("UPDATE {table} SET {who} = $1, {when} = $2 WHERE id = $3 AND {who} IS NULL"))
        .bind(actor.id.to_string())
        .bind(now.to_string())
        .bind(id.to_string())
        .execute(&mut *tx.tx)
        .await?
        .rows_affected();
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Lookup keys staged before they are merged into their day's index.
pub(crate) const STAGE_LIMIT: i64 = 400_000;

/// Merges the staged runs of each day into one run, in key order, appended to that
/// day's index; the stage is emptied. The merged run takes the id of the first staged
/// run, so a day's runs are appended in increasing order.
pub(crate) async fn merge_stage(conn: &mut AnyConnection, backend: Backend) -> Result<()> {
    let runs: Vec<(i64, i64)> =
        sqlx::query_as("SELECT day, MIN(run) FROM audit_runs WHERE staged = 1 GROUP BY day").fetch_all(&mut *conn).await?;
    if backend == Backend::Postgres && !runs.is_empty() {
        // The stage is in run order: the merge sorts it, in memory rather than on disk.
        sqlx::query("SET LOCAL work_mem = '128MB'").execute(&mut *conn).await?;
    }
    for (day, run) in runs {
        sqlx::query(&format!(
            "INSERT INTO {} (run, key, seq, chunk, day) SELECT $2, key, seq, chunk, day FROM audit_index_stage WHERE day = $1 ORDER BY key, seq",
            index_table(day)
        ))
        .bind(day)
        .bind(run)
        .execute(&mut *conn)
        .await?;
        // A day made before runs existed is registered as run 0, which a stage of such
        // a day can also start at.
        sqlx::query("INSERT INTO audit_runs (staged, day, run) VALUES (0, $1, $2) ON CONFLICT DO NOTHING")
            .bind(day)
            .bind(run)
            .execute(&mut *conn)
            .await?;
    }
    // PostgreSQL's DELETE leaves the staged rows dead for lookups to step over until a
    // vacuum; TRUNCATE does not (SQLite's DELETE without WHERE truncates anyway).
    let empty = match backend {
        Backend::Sqlite => "DELETE FROM audit_index_stage",
        Backend::Postgres => "TRUNCATE audit_index_stage",
    };
    sqlx::query(empty).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM audit_runs WHERE staged = 1").execute(&mut *conn).await?;
    sqlx::query("UPDATE audit_head SET staged = 0 WHERE id = 1").execute(&mut *conn).await?;
    Ok(())
}

/// Creates the day's tables if they do not exist, and records the day.
pub(crate) async fn ensure_day(conn: &mut AnyConnection, backend: Backend, day: i64, first_seq: u64) -> Result<()> {
    let known: Option<i64> = sqlx::query_scalar("SELECT day FROM audit_days WHERE day = $1").bind(day).fetch_optional(&mut *conn).await?;
    if known.is_some() {
        return Ok(());
    }
    let (c, i) = (chunks_table(day), index_table(day));
    let ddl = match backend {
        // Chunks are LZ4-compressed already: EXTERNAL keeps PostgreSQL from trying to
        // compress them again on their way to TOAST.
        Backend::Postgres => format!(
            "CREATE TABLE {c} PARTITION OF audit_chunks FOR VALUES FROM ({day}) TO ({next});
             ALTER TABLE {c} ALTER COLUMN bodies SET STORAGE EXTERNAL;
             CREATE TABLE {i} PARTITION OF audit_index FOR VALUES FROM ({day}) TO ({next});",
            next = day + 1
        ),
        Backend::Sqlite => format!(
            "CREATE TABLE {c} (first_seq INTEGER PRIMARY KEY, day BIGINT NOT NULL, count BIGINT NOT NULL, bodies BLOB NOT NULL);
             CREATE TABLE {i} (run BIGINT NOT NULL, key BLOB NOT NULL, seq BIGINT NOT NULL, chunk BIGINT NOT NULL, day BIGINT NOT NULL, PRIMARY KEY (run, key, seq)) WITHOUT ROWID;"
        ),
    };
    exec_all(conn, &ddl).await?;
    sqlx::query("INSERT INTO audit_days (day, first_seq, last_seq) VALUES ($1, $2, $3)")
        .bind(day)
        .bind(first_seq as i64)
        .bind(first_seq as i64 - 1)
        .execute(&mut *conn)
        .await?;
    refresh_views(conn, backend).await
}

/// SQLite has no partitioned tables: the views over every live day are rebuilt when a
/// day is added or dropped (PostgreSQL's views name the partitioned parents).
pub(crate) async fn refresh_views(conn: &mut AnyConnection, backend: Backend) -> Result<()> {
    if backend != Backend::Sqlite {
        return Ok(());
    }
    let days: Vec<i64> =
        sqlx::query_scalar("SELECT day FROM audit_days WHERE purged_at IS NULL ORDER BY day").fetch_all(&mut *conn).await?;
    let mut chunks = vec!["SELECT first_seq, day, count, bodies FROM audit_chunks_held".to_string()];
    // Each table's arm names its runs, so a lookup seeks `(run, key)` once per run.
    let mut index = vec![
        "SELECT key, seq, chunk, day FROM audit_index_held".to_string(),
        "SELECT key, seq, chunk, day FROM audit_index_stage WHERE run IN (SELECT run FROM audit_runs WHERE staged = 1)".to_string(),
    ];
    for d in &days {
        chunks.push(format!("SELECT first_seq, day, count, bodies FROM {}", chunks_table(*d)));
        index.push(format!(
            "SELECT key, seq, chunk, day FROM {} WHERE run IN (SELECT run FROM audit_runs WHERE staged = 0 AND day = {d})",
            index_table(*d)
        ));
    }
    let sql = format!(
        "DROP VIEW IF EXISTS audit_chunks_all; DROP VIEW IF EXISTS audit_index_all;
         CREATE VIEW audit_chunks_all AS {}; CREATE VIEW audit_index_all AS {};",
        chunks.join(" UNION ALL "),
        index.join(" UNION ALL ")
    );
    exec_all(conn, &sql).await
}

/// Runs `;`-separated statements one by one (DDL built here, never from input).
pub(crate) async fn exec_all(conn: &mut AnyConnection, sql: &str) -> Result<()> {
    for stmt in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        sqlx::query(stmt).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The parts of the stored tree a proof needs: the roots of full blocks and the leaves
/// of the few blocks the proof's edges fall in.
pub(crate) struct StoredTree {
    roots: Vec<Hash>,
    blocks: HashMap<u64, Vec<Hash>>,
}

fn split_hashes(bytes: &[u8]) -> Result<Vec<Hash>> {
    if !bytes.len().is_multiple_of(32) {
        return Err(StoreError::Corrupt("a leaf block's length is not a multiple of 32".into()));
    }
    Ok(bytes.chunks(32).map(|c| c.try_into().expect("32 bytes")).collect())
}

impl StoredTree {
    /// Loads what proofs at `sizes` about `leaves` need.
    pub(crate) async fn load(conn: &mut AnyConnection, size: u64, edges: &[u64]) -> Result<StoredTree> {
        let full = size / BLOCK;
        let rows: Vec<(i64, Option<Vec<u8>>)> = sqlx::query_as("SELECT block, root FROM audit_leaves WHERE block < $1 ORDER BY block")
            .bind(full as i64)
            .fetch_all(&mut *conn)
            .await?;
        let mut roots = Vec::with_capacity(rows.len());
        for (i, (block, root)) in rows.into_iter().enumerate() {
            let root = root.filter(|r| r.len() == 32 && block == i as i64);
            roots.push(
                root.ok_or_else(|| StoreError::Corrupt(format!("leaf block {i} is missing or has no root")))?.try_into().expect("32"),
            );
        }
        let mut blocks = HashMap::new();
        for e in edges {
            let b = e / BLOCK;
            if blocks.contains_key(&b) {
                continue;
            }
            let bytes: Option<Vec<u8>> =
                sqlx::query_scalar("SELECT hashes FROM audit_leaves WHERE block = $1").bind(b as i64).fetch_optional(&mut *conn).await?;
            if let Some(bytes) = bytes {
                blocks.insert(b, split_hashes(&bytes)?);
            }
        }
        Ok(StoredTree { roots, blocks })
    }
}

impl NodeSource for StoredTree {
    fn leaf(&self, index: u64) -> std::result::Result<Hash, MerkleError> {
        self.blocks.get(&(index / BLOCK)).and_then(|b| b.get((index % BLOCK) as usize)).copied().ok_or(MerkleError::MissingLeaf(index))
    }
    fn perfect(&self, start: u64, width: u64) -> Option<Hash> {
        if width < BLOCK || !start.is_multiple_of(BLOCK) {
            return None;
        }
        let (a, b) = (start / BLOCK, (start + width) / BLOCK);
        if b as usize > self.roots.len() {
            return None;
        }
        merkle::subtree_hash(&self.roots[a as usize..b as usize], 0, b - a).ok()
    }
}

impl crate::Store {
    /// The number of events in the log.
    pub async fn log_size(&self) -> Result<u64> {
        Ok(self.frontier().await?.size())
    }

    /// The current root and size.
    pub async fn log_head(&self) -> Result<(u64, Hash)> {
        let f = self.frontier().await?;
        Ok((f.size(), f.root()))
    }

    /// The audit path of event `seq` in the tree of `size` events, and that tree's root.
    pub async fn inclusion_proof(&self, seq: u64, size: u64) -> Result<(Hash, Vec<Hash>, Hash)> {
        let mut conn = self.pool.acquire().await?;
        let current = self.log_size().await?;
        if seq >= size || size > current {
            return Err(StoreError::NotFound);
        }
        let tree = StoredTree::load(&mut conn, size, &[seq, size - 1]).await?;
        let leaf = tree.leaf(seq).map_err(corrupt)?;
        let proof = merkle::inclusion_proof(&tree, seq, size).map_err(corrupt)?;
        let root = merkle::subtree_hash(&tree, 0, size).map_err(corrupt)?;
        Ok((leaf, proof, root))
    }

    /// The proof that the tree of `old` events is a prefix of the tree of `new` events.
    pub async fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        let mut conn = self.pool.acquire().await?;
        if old > new || new > self.log_size().await? {
            return Err(StoreError::NotFound);
        }
        if new == 0 {
            return Ok(Vec::new());
        }
        let tree = StoredTree::load(&mut conn, new, &[old.saturating_sub(1), old, new - 1]).await?;
        merkle::consistency_proof(&tree, old, new).map_err(corrupt)
    }
}
