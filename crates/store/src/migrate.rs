//! Versioned migrations. Each step is applied in its own transaction together with its
//! row in `schema_migrations`; a step's text is checksummed so an edited step that was
//! already applied is refused, as is a database newer than this binary.

use crate::{Backend, Result, Store, StoreError};
use sha2::{Digest, Sha256};

/// One migration step. `common` runs on both engines after `{serial}` is replaced by the
/// engine's identity column; `sqlite`/`postgres` hold the statements that differ.
#[derive(Debug)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub common: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

impl Migration {
    pub fn sql(&self, backend: Backend) -> String {
        let (serial, blob, empty, extra) = match backend {
            Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB", "zeroblob(8)", self.sqlite),
            Backend::Postgres => {
                ("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "BYTEA", "'\\x0000000000000000'::bytea", self.postgres)
            }
        };
        format!("{}\n{}", self.common.replace("{serial}", serial).replace("{blob}", blob).replace("{empty_frontier}", empty), extra)
    }

    fn checksum(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.common);
        h.update(self.sqlite);
        h.update(self.postgres);
        h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

pub static MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "registry, audit events and outbox",
        common: r#"
CREATE TABLE registry_entries (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    unique_key TEXT,
    active BIGINT NOT NULL,
    body TEXT NOT NULL,
    national_id_sealed TEXT,
    national_id_index TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX registry_entries_unique ON registry_entries (kind, unique_key);
CREATE INDEX registry_entries_kind_name ON registry_entries (kind, name_lower, id);
CREATE INDEX registry_entries_national_id ON registry_entries (national_id_index);
CREATE TABLE registry_owners (
    supplier_id TEXT NOT NULL,
    entry_id TEXT NOT NULL REFERENCES registry_entries (id),
    PRIMARY KEY (supplier_id, entry_id)
);
CREATE INDEX registry_owners_entry ON registry_owners (entry_id);
CREATE TABLE registry_refs (
    entry_id TEXT NOT NULL REFERENCES registry_entries (id),
    target_id TEXT NOT NULL,
    PRIMARY KEY (entry_id, target_id)
);
CREATE INDEX registry_refs_target ON registry_refs (target_id);
CREATE TABLE audit_events (
    seq {serial},
    id TEXT NOT NULL UNIQUE,
    occurred_at TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    supplier_id TEXT,
    action TEXT NOT NULL,
    resource_kind TEXT NOT NULL,
    resource_id TEXT,
    outcome TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX audit_events_resource ON audit_events (resource_id);
CREATE TABLE outbox (
    seq {serial},
    id TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    available_at TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    completed_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (completed_at, available_at);
"#,
        sqlite: r#"
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"#,
        postgres: r#"
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
"#,
    },
    Migration {
        version: 2,
        name: "local users and API tokens",
        common: r#"
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    supplier_id TEXT,
    must_change_password BIGINT NOT NULL,
    failed_attempts BIGINT NOT NULL,
    locked_until TEXT,
    active BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    supplier_id TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 3,
        name: "accounts and their role assignments",
        common: r#"
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES registry_entries (id),
    system_id TEXT NOT NULL REFERENCES registry_entries (id),
    agreement_id TEXT REFERENCES registry_entries (id),
    username TEXT NOT NULL,
    status TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (system_id, username)
);
CREATE INDEX accounts_person ON accounts (person_id);
CREATE INDEX accounts_agreement ON accounts (agreement_id);
CREATE INDEX accounts_status_end ON accounts (status, valid_to);
CREATE TABLE account_roles (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    role_id TEXT NOT NULL REFERENCES registry_entries (id),
    profile_id TEXT REFERENCES registry_entries (id),
    PRIMARY KEY (account_id, role_id)
);
CREATE INDEX account_roles_role ON account_roles (role_id);
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 4,
        name: "access requests, account lifecycle, emergency accounts and manual tasks",
        common: r#"
ALTER TABLE users ADD COLUMN department_id TEXT;
ALTER TABLE users ADD COLUMN person_id TEXT;
ALTER TABLE api_tokens ADD COLUMN department_id TEXT;
ALTER TABLE api_tokens ADD COLUMN person_id TEXT;
ALTER TABLE api_tokens ADD COLUMN user_id TEXT;
ALTER TABLE accounts ADD COLUMN kind TEXT NOT NULL DEFAULT 'regular';
ALTER TABLE accounts ADD COLUMN request_id TEXT;
ALTER TABLE accounts ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE accounts ADD COLUMN status_reason TEXT;
ALTER TABLE accounts ADD COLUMN activated_at TEXT;
ALTER TABLE accounts ADD COLUMN disabled_at TEXT;
ALTER TABLE accounts ADD COLUMN last_activity_at TEXT;
ALTER TABLE accounts ADD COLUMN created_by TEXT;
ALTER TABLE accounts ADD COLUMN department_id TEXT;
ALTER TABLE accounts ADD COLUMN purpose TEXT;
ALTER TABLE accounts ADD COLUMN signoff_due TEXT;
ALTER TABLE accounts ADD COLUMN signed_off_by TEXT;
ALTER TABLE accounts ADD COLUMN signed_off_at TEXT;
CREATE INDEX accounts_kind ON accounts (kind, signed_off_at);
CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES registry_entries (id),
    supplier_id TEXT,
    department_id TEXT NOT NULL,
    late BIGINT NOT NULL,
    wanted_start TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    submitted_at TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX requests_state ON requests (state, department_id);
CREATE INDEX requests_supplier ON requests (supplier_id, state);
CREATE INDEX requests_person ON requests (person_id);
CREATE TABLE person_evidence (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES registry_entries (id),
    kind TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    note TEXT
);
CREATE INDEX person_evidence_person ON person_evidence (person_id);
CREATE TABLE authenticators (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES registry_entries (id),
    kind TEXT NOT NULL,
    serial TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    identity_checked_by TEXT NOT NULL,
    status TEXT NOT NULL,
    billed_supplier_id TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (kind, serial)
);
CREATE INDEX authenticators_person ON authenticators (person_id);
CREATE TABLE username_quarantine (
    system_id TEXT NOT NULL,
    username TEXT NOT NULL,
    released_at TEXT NOT NULL,
    until TEXT NOT NULL,
    PRIMARY KEY (system_id, username)
);
CREATE INDEX username_quarantine_until ON username_quarantine (until);
CREATE TABLE manual_tasks (
    id TEXT PRIMARY KEY,
    outbox_id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    system_id TEXT NOT NULL,
    request_id TEXT,
    action TEXT NOT NULL,
    details TEXT NOT NULL,
    state TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    note TEXT
);
CREATE INDEX manual_tasks_state ON manual_tasks (state, created_at);
CREATE TABLE termination_reports (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    disabled_at TEXT NOT NULL,
    accounts BIGINT NOT NULL
);
CREATE TABLE deletion_confirmations (
    agreement_id TEXT PRIMARY KEY,
    confirmed_at TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    note TEXT
);
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 5,
        name: "tamper-evident audit log: Merkle leaves, day partitions, checkpoints, legal holds",
        common: r#"
ALTER TABLE audit_events RENAME TO audit_events_v1;
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    frontier {blob} NOT NULL,
    day BIGINT NOT NULL,
    staged BIGINT NOT NULL
);
INSERT INTO audit_head (id, frontier, day, staged) VALUES (1, {empty_frontier}, 0, 0);
CREATE TABLE audit_leaves (
    block BIGINT PRIMARY KEY,
    hashes {blob} NOT NULL,
    root {blob}
);
CREATE TABLE audit_days (
    day BIGINT PRIMARY KEY,
    first_seq BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    purged_at TEXT,
    held BIGINT,
    signature TEXT
);
CREATE TABLE audit_checkpoints (
    size BIGINT PRIMARY KEY,
    root TEXT NOT NULL,
    created_at TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE audit_chunks_held (
    first_seq BIGINT PRIMARY KEY,
    day BIGINT NOT NULL,
    count BIGINT NOT NULL,
    bodies {blob} NOT NULL
);
CREATE TABLE audit_index_held (
    key {blob} NOT NULL,
    seq BIGINT NOT NULL,
    chunk BIGINT NOT NULL,
    day BIGINT NOT NULL,
    PRIMARY KEY (key, seq)
);
CREATE TABLE audit_index_stage (
    key {blob} NOT NULL,
    seq BIGINT NOT NULL,
    chunk BIGINT NOT NULL,
    day BIGINT NOT NULL,
    PRIMARY KEY (key, seq)
);
CREATE TABLE audit_holds (
    id TEXT PRIMARY KEY,
    case_ref TEXT NOT NULL,
    reason TEXT NOT NULL,
    keys TEXT NOT NULL,
    from_day BIGINT NOT NULL,
    to_day BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    released_at TEXT,
    released_by TEXT
);
CREATE TABLE audit_batches (
    source TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    digest TEXT NOT NULL,
    first_seq BIGINT NOT NULL,
    count BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (source, idempotency_key)
);
CREATE TABLE audit_forward (
    target TEXT PRIMARY KEY,
    next_seq BIGINT NOT NULL
);
CREATE TABLE audit_extracts (
    id TEXT PRIMARY KEY,
    subject_sealed TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    names_approved_by TEXT,
    names_approved_at TEXT
);
ALTER TABLE api_tokens ADD COLUMN system_id TEXT;
"#,
        sqlite: r#"
CREATE VIEW audit_chunks_all AS SELECT first_seq, day, count, bodies FROM audit_chunks_held;
CREATE VIEW audit_index_all AS SELECT key, seq, chunk, day FROM audit_index_held UNION ALL SELECT key, seq, chunk, day FROM audit_index_stage;
"#,
        postgres: r#"
CREATE TABLE audit_chunks (
    first_seq BIGINT NOT NULL,
    day BIGINT NOT NULL,
    count BIGINT NOT NULL,
    bodies BYTEA NOT NULL
) PARTITION BY RANGE (day);
CREATE INDEX audit_chunks_first_seq ON audit_chunks (first_seq);
CREATE TABLE audit_index (
    key BYTEA NOT NULL,
    seq BIGINT NOT NULL,
    chunk BIGINT NOT NULL,
    day BIGINT NOT NULL
) PARTITION BY RANGE (day);
CREATE INDEX audit_index_key ON audit_index (key, seq);
CREATE VIEW audit_chunks_all AS
    SELECT first_seq, day, count, bodies FROM audit_chunks
    UNION ALL SELECT first_seq, day, count, bodies FROM audit_chunks_held;
CREATE VIEW audit_index_all AS
    SELECT key, seq, chunk, day FROM audit_index
    UNION ALL SELECT key, seq, chunk, day FROM audit_index_held
    UNION ALL SELECT key, seq, chunk, day FROM audit_index_stage;
"#,
    },
    Migration {
        version: 6,
        name: "web sessions, second factor, language and OpenID Connect subject of local users",
        common: r#"
ALTER TABLE users ADD COLUMN totp_sealed TEXT;
ALTER TABLE users ADD COLUMN totp_confirmed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN language TEXT;
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_oidc_subject ON users (oidc_subject);
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT,
    stage TEXT NOT NULL,
    csrf TEXT NOT NULL,
    pending TEXT,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX accounts_username ON accounts (username, id);
CREATE INDEX accounts_status_username ON accounts (status, username, id);
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 7,
        name: "audit log lookup keys recorded as runs (a batch's keys, a merge of them) and written in run order",
        common: r#"
CREATE TABLE audit_runs (
    staged BIGINT NOT NULL,
    day BIGINT NOT NULL,
    run BIGINT NOT NULL,
    PRIMARY KEY (staged, day, run)
);
INSERT INTO audit_runs (staged, day, run) SELECT 0, day, 0 FROM audit_days WHERE purged_at IS NULL;
"#,
        sqlite: r#"
DROP VIEW audit_index_all;
ALTER TABLE audit_index_stage RENAME TO audit_index_stage_v6;
CREATE TABLE audit_index_stage (
    run BIGINT NOT NULL,
    key BLOB NOT NULL,
    seq BIGINT NOT NULL,
    chunk BIGINT NOT NULL,
    day BIGINT NOT NULL,
    PRIMARY KEY (run, key, seq)
) WITHOUT ROWID;
INSERT INTO audit_index_stage (run, key, seq, chunk, day)
    SELECT (SELECT MIN(seq) FROM audit_index_stage_v6), key, seq, chunk, day FROM audit_index_stage_v6;
DROP TABLE audit_index_stage_v6;
INSERT INTO audit_runs (staged, day, run) SELECT DISTINCT 1, day, run FROM audit_index_stage;
"#,
        // PostgreSQL logs rows, not pages, and its planner cannot seek every run of
        // every day as cheaply as SQLite: the days' indexes stay on (key, seq), and only
        // the stage is ordered by run. Chunks are LZ4-compressed already: EXTERNAL keeps
        // PostgreSQL from trying to compress them again on their way to TOAST.
        postgres: r#"
DROP VIEW audit_index_all;
ALTER TABLE audit_index_stage ADD COLUMN run BIGINT NOT NULL DEFAULT 0;
UPDATE audit_index_stage SET run = (SELECT MIN(seq) FROM audit_index_stage);
ALTER TABLE audit_index_stage DROP CONSTRAINT audit_index_stage_pkey;
ALTER TABLE audit_index_stage ADD PRIMARY KEY (run, key, seq);
INSERT INTO audit_runs (staged, day, run) SELECT DISTINCT 1, day, run FROM audit_index_stage;
ALTER TABLE audit_index ADD COLUMN run BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_chunks ALTER COLUMN bodies SET STORAGE EXTERNAL;
CREATE VIEW audit_index_all AS
    SELECT key, seq, chunk, day FROM audit_index
    UNION ALL SELECT key, seq, chunk, day FROM audit_index_held
    UNION ALL SELECT key, seq, chunk, day FROM audit_index_stage WHERE run = ANY (ARRAY(SELECT run FROM audit_runs WHERE staged = 1));
"#,
    },
    Migration {
        version: 8,
        name: "when the signer of an emergency account's sign-off was last reminded; the state a locked account returns to",
        common: "ALTER TABLE accounts ADD COLUMN signoff_reminded_at TEXT;\nALTER TABLE accounts ADD COLUMN locked_from TEXT;",
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 9,
        name: "password history and the time a password was set (AUTH-2)",
        common: "CREATE TABLE password_history (user_id TEXT NOT NULL, password_hash TEXT NOT NULL, set_at TEXT NOT NULL);\nCREATE INDEX password_history_user ON password_history (user_id, set_at);\nALTER TABLE users ADD COLUMN password_changed_at TEXT;",
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 10,
        name: "the requests list in the order people read it: newest first",
        common: "CREATE INDEX requests_created ON requests (created_at, id);",
        sqlite: "",
        postgres: "",
    },
];

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
