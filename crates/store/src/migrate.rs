//! Versioned migrations. Each step is applied in its own transaction together with its
//! row in `schema_migrations`; a step's text is checksummed so an edited step that was
//! already applied is refused, as is a database newer than this binary.

use crate::schema::MIGRATIONS;
use crate::{Backend, Result, Store, StoreError};

/// What `migrate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    pub from: i64,
    pub to: i64,
}

impl Store {
    /// The newest applied migration version (0 for an empty database).
    pub async fn schema_version(&self) -> Result<i64> {
        self.ensure_migrations_table().await?;
        let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations").fetch_one(&self.pool).await?;
        Ok(v.unwrap_or(0))
    }

    async fn ensure_migrations_table(&self) -> Result<()> {
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Applies every pending step.
    pub async fn migrate(&self) -> Result<MigrationReport> {
        self.migrate_to(MIGRATIONS.last().map(|m| m.version).unwrap_or(0)).await
    }

    /// Applies pending steps up to and including `target` (tests upgrade step by step).
    pub async fn migrate_to(&self, target: i64) -> Result<MigrationReport> {
        let from = self.schema_version().await?;
        let known = MIGRATIONS.last().map(|m| m.version).unwrap_or(0);
        if from > known {
            return Err(StoreError::Migration(format!(
                "the database is at schema version {from}, newer than this Portvagt knows ({known}); run a newer release"
            )));
        }
        let applied: Vec<(i64, String)> =
            sqlx::query_as("SELECT version, checksum FROM schema_migrations ORDER BY version").fetch_all(&self.pool).await?;
        for (version, checksum) in &applied {
            let m = MIGRATIONS
                .iter()
                .find(|m| m.version == *version)
                .ok_or_else(|| StoreError::Migration(format!("unknown applied migration {version}")))?;
            if &m.checksum() != checksum {
                return Err(StoreError::Migration(format!("migration {version} ({}) was changed after it was applied", m.name)));
            }
        }
        for m in MIGRATIONS.iter().filter(|m| m.version > from && m.version <= target) {
            let mut tx = self.pool.begin().await?;
            sqlx::raw_sql(&m.sql(self.backend))
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::Migration(format!("migration {} ({}) failed: {e}", m.version, m.name)))?;
            sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
                .bind(m.version)
                .bind(m.name)
                .bind(m.checksum())
                .bind(chrono::Utc::now().to_rfc3339())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version = m.version, name = m.name, "applied migration");
        }
        // The log's code writes the newest schema: the steps below wait for it.
        if target == MIGRATIONS.last().map(|m| m.version).unwrap_or(0) {
            self.upgrade_day_indexes().await?;
            self.adopt_legacy_audit().await?;
        }
        Ok(MigrationReport { from, to: self.schema_version().await? })
    }

    /// SQLite has no partitioned parent to add a column to: the day indexes made before
    /// version 7 get their `run` column here (all their keys are run 0, registered by
    /// the migration; their primary key stays `(key, seq)`), and the lookup views are
    /// rebuilt over the runs.
    async fn upgrade_day_indexes(&self) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        // Read first and write only when something is missing: every command migrates,
        // also while a server is writing to the same database.
        let days: Vec<i64> =
            sqlx::query_scalar("SELECT day FROM audit_days WHERE purged_at IS NULL ORDER BY day").fetch_all(&self.pool).await?;
        let mut without_run = Vec::new();
        for day in days {
            let table = crate::log::index_table(day);
            let has_run: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pragma_table_info($1) WHERE name = 'run'")
                .bind(&table)
                .fetch_one(&self.pool)
                .await?;
            if has_run == 0 {
                without_run.push(table);
            }
        }
        let view: Option<String> = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = 'audit_index_all'")
            .fetch_optional(&self.pool)
            .await?;
        if without_run.is_empty() && view.is_some_and(|v| v.contains("audit_runs")) {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for table in without_run {
            sqlx::query(&format!("ALTER TABLE {table} ADD COLUMN run BIGINT NOT NULL DEFAULT 0")).execute(&mut *tx).await?;
        }
        crate::log::refresh_views(&mut tx, self.backend).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves the audit events of schema versions before 5 into the Merkle log (in their
    /// order, bodies built from their columns) and drops the old table, in one
    /// transaction.
    async fn adopt_legacy_audit(&self) -> Result<()> {
        let exists: Option<String> = match self.backend {
            Backend::Sqlite => {
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit_events_v1'")
                    .fetch_optional(&self.pool)
                    .await?
            }
            Backend::Postgres => sqlx::query_scalar("SELECT to_regclass('audit_events_v1')::text").fetch_one(&self.pool).await?,
        };
        if exists.is_none() {
            return Ok(());
        }
        type Legacy = (String, String, String, String, String, String, Option<String>, String, String, Option<String>, String, String);
        let rows: Vec<Legacy> = sqlx::query_as(
            "SELECT id, occurred_at, actor_kind, actor_id, actor_name, actor_role, supplier_id, action, resource_kind, resource_id, outcome, details FROM audit_events_v1 ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut day = 0;
        let bodies: Vec<audit::event::EventBody> = rows
            .into_iter()
            .map(
                |(id, at, actor_kind, actor, actor_name, actor_role, supplier_id, action, resource_kind, resource_id, outcome, details)| {
                    if let Ok(t) = domain::time::Timestamp::parse(&at) {
                        day = crate::log::day_of(&t);
                    }
                    audit::event::EventBody {
                        v: 1,
                        id,
                        recorded_at: at.clone(),
                        at,
                        source: audit::event::SOURCE_PORTVAGT.into(),
                        actor,
                        actor_kind,
                        actor_name: Some(actor_name),
                        actor_role: Some(actor_role),
                        person_id: None,
                        supplier_id,
                        action,
                        resource_kind: Some(resource_kind),
                        resource_id,
                        subject: None,
                        subject_index: None,
                        criterion: None,
                        client_ip: None,
                        outcome,
                        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
                    }
                },
            )
            .collect();
        let mut tx = self.pool.begin().await?;
        crate::log::append::append(&mut tx, self.backend, &crate::log::append::prepare(&bodies), day).await?;
        sqlx::raw_sql("DROP TABLE audit_events_v1").execute(&mut *tx).await?;
        tx.commit().await?;
        tracing::info!(events = bodies.len(), "moved the audit events of earlier versions into the Merkle log");
        Ok(())
    }
}
