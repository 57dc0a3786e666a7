//! Portvagt's database: one code path for SQLite (the embedded default) and PostgreSQL.
//!
//! All SQL of Portvagt lives here. Queries are written once in the SQL both engines
//! understand (`$1` parameters, `TEXT`/`BIGINT` columns, timestamps as sortable RFC 3339
//! text, booleans as 0/1) and run through `sqlx`'s `Any` driver; the few statements that
//! differ (identity columns, triggers) are spelled per engine in the migrations only.
//!
//! A state change is written through a [`Tx`], whose `commit` takes the change's audit
//! event, so no change is committed without one (ARCHITECTURE principle 2).

mod access;
mod accounts;
mod audit;
mod clients;
mod crypto;
pub mod log;
mod log_control;
mod mail;
mod migrate;
mod people;
mod registry;
mod reports;
mod requests;
mod schema;
mod search;
mod security_reports;
mod sessions;
mod sql;
mod tasks;
pub mod testing;

pub use access::{NewApiToken, NewUser, StoredApiToken, StoredUser};
pub use accounts::{AccountInsert, AccountQuery, AccountRow, AccountSort, LifecycleRow, NewAccount};
pub use audit::{AuditRecord, OutboxMessage, StoredAuditEvent};
pub use clients::{ClientListCounts, ClientListImport, ClientRelation};
pub use crypto::DataKey;
pub use log_control::{NewPackage, PackageEntry, PackageRow, UnjustifiedCase};
pub use mail::{MailRecipient, RecipientQuery};
pub use people::{AuthenticatorRow, EvidenceRow};
pub use registry::{EntryRow, ListQuery, NewEntry};
pub use reports::{DashboardFigures, DashboardScope};
pub use requests::{RequestQuery, RequestRow, RequestSort};
pub use schema::{MIGRATIONS, Migration};
pub use security_reports::{CaseChange, NewSecurityReport, ReportAccount, SecurityReportRow};
pub use sessions::SessionRow;
pub use tasks::{FailingMessage, OpenTask, PendingMessage, TaskRow, TerminationReport};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Transaction};
use std::sync::Arc;
use std::time::Duration;

/// Which engine a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (use sqlite://… or postgres://…)")]
    UnsupportedUrl,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("a record with this {field} exists already")]
    Conflict { field: &'static str },
    #[error("the record was changed by someone else (version {current})")]
    StaleVersion { current: i64 },
    #[error("not found")]
    NotFound,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Migration(String),
    #[error("encryption: {0}")]
    Crypto(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The database handle: a connection pool, its engine, and the key that encrypts
/// national identity numbers.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    key: Arc<DataKey>,
    /// SQLite has one writer: writers of this process queue here, woken the moment the
    /// previous one commits, instead of polling SQLite's busy handler.
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Store {
    /// Connects to `url` (`sqlite:///path/portvagt.db` creates the file; `postgres://…`).
    /// Does not migrate.
    pub async fn connect(url: &str, key: DataKey) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' }),
            _ => url.to_string(),
        };
        let mut options =
            AnyPoolOptions::new().max_connections(if backend == Backend::Sqlite { 4 } else { 10 }).acquire_timeout(Duration::from_secs(15));
        if backend == Backend::Sqlite {
            // Per connection: a 64 MiB page cache and memory-mapped reads keep the audit
            // log's indexes in memory; commits stay durable (synchronous=FULL); the WAL is
            // copied back every 64 MiB rather than every 4 MiB.
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    for pragma in [
                        "PRAGMA cache_size = -65536",
                        "PRAGMA mmap_size = 1073741824",
                        "PRAGMA temp_store = MEMORY",
                        "PRAGMA synchronous = FULL",
                        "PRAGMA wal_autocheckpoint = 16384",
                        "PRAGMA busy_timeout = 15000",
                    ] {
                        sqlx::query(pragma).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            });
        }
        if backend == Backend::Postgres {
            // Statements are prepared once per connection and run with a generic plan:
            // PostgreSQL would otherwise plan the first five runs of each statement
            // afresh, and planning a query over every day's partition of the audit log
            // takes longer than running it (the partitions it needs are chosen when it
            // runs). This halves the slowest audit-log lookups.
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("SET plan_cache_mode = force_generic_plan").execute(&mut *conn).await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers run beside the one writer; it is a property of the file.
            sqlx::raw_sql("PRAGMA journal_mode=WAL").execute(&pool).await?;
        }
        Ok(Store { pool, backend, key: Arc::new(key), writer: Arc::default() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn key(&self) -> &DataKey {
        &self.key
    }

    /// Seals a secret for `record_id` with the data key (AEAD; the id is bound to it).
    pub fn seal_secret(&self, record_id: &str, plaintext: &str) -> Result<String> {
        self.key.seal(record_id, plaintext)
    }

    /// Opens what [`Store::seal_secret`] sealed for the same `record_id`.
    pub fn open_secret(&self, record_id: &str, sealed: &str) -> Result<String> {
        self.key.open(record_id, sealed)
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue instead of failing on lock upgrade.
    pub async fn begin(&self) -> Result<Tx> {
        let (tx, writer) = match self.backend {
            Backend::Sqlite => {
                let guard = self.writer.clone().lock_owned().await;
                (self.pool.begin_with("BEGIN IMMEDIATE").await?, Some(guard))
            }
            Backend::Postgres => (self.pool.begin().await?, None),
        };
        Ok(Tx { tx, key: self.key.clone(), backend: self.backend, pending: Vec::new(), _writer: writer })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// One transaction: a state change, its audit event and its outbox rows commit together.
pub struct Tx {
    tx: Transaction<'static, Any>,
    key: Arc<DataKey>,
    backend: Backend,
    /// Audit events appended to the log when the transaction commits.
    pending: Vec<AuditRecord>,
    /// This process's SQLite write turn, held until commit or rollback.
    _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    /// Commits, writing `event` as the change's audit record in the same transaction.
    pub async fn commit(mut self, event: AuditRecord) -> Result<()> {
        self.pending.push(event);
        self.commit_pending().await
    }

    /// Commits with the audit events appended so far (at least one).
    pub(crate) async fn commit_pending(mut self) -> Result<()> {
        crate::audit::append_own(&mut self.tx, self.backend, &self.pending).await?;
        self.tx.commit().await?;
        Ok(())
    }

    /// Abandons the transaction; nothing of it is written.
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// Explains why a versioned `UPDATE … WHERE id = $ AND version = $` touched no row:
    /// the row is gone, or someone else changed it first.
    pub(crate) async fn stale(&mut self, table: &'static str, id: uuid::Uuid) -> StoreError {
        let sql = format!("SELECT version FROM {table} WHERE id = $1");
        match sqlx::query_scalar::<_, i64>(&sql).bind(id.to_string()).fetch_optional(&mut *self.tx).await {
            Ok(Some(current)) => StoreError::StaleVersion { current },
            Ok(None) => StoreError::NotFound,
            Err(e) => StoreError::Database(e),
        }
    }
}

/// Booleans are stored as 0/1 on both engines.
pub(crate) fn b2i(b: bool) -> i64 {
    i64::from(b)
}
#[cfg(test)]
mod send_checks {
    /// Axum handlers need `Send` futures; these fail to compile if a store call is not.
    #[allow(dead_code)]
    fn append_is_send(s: &crate::Store, e: &crate::AuditRecord, tx: crate::Tx) {
        fn is_send<T: Send>(_: T) {}
        is_send(s.record_audit(e));
        is_send(tx.commit(e.clone()));
    }
}
