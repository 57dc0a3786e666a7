//! The schema's migration steps, oldest first. A step is never edited once released:
//! a change is a new step.

use crate::Backend;

mod oversight;
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

    pub(crate) fn checksum(&self) -> String {
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
    Migration {
        version: 11,
        name: "names and usernames searched by any part: the account's search text, trigram indexes",
        common: r#"
ALTER TABLE accounts ADD COLUMN search_text TEXT;
UPDATE accounts SET search_text = LOWER(username) || ' ' || COALESCE((SELECT r.name_lower FROM registry_entries r WHERE r.id = accounts.person_id), '');
DROP INDEX accounts_username;
CREATE INDEX accounts_username ON accounts (username, id, search_text);
CREATE TABLE name_search (
    n {serial},
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
INSERT INTO name_search (id, name) SELECT id, name_lower FROM registry_entries;
CREATE TABLE account_search (
    n {serial},
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
INSERT INTO account_search (id, name) SELECT id, search_text FROM accounts;
"#,
        sqlite: r#"
CREATE VIRTUAL TABLE name_search_fts USING fts5(name, content = 'name_search', content_rowid = 'n', tokenize = 'trigram');
INSERT INTO name_search_fts (name_search_fts) VALUES ('rebuild');
CREATE TRIGGER name_search_ai AFTER INSERT ON name_search BEGIN
    INSERT INTO name_search_fts (rowid, name) VALUES (new.n, new.name);
END;
CREATE TRIGGER name_search_ad AFTER DELETE ON name_search BEGIN
    INSERT INTO name_search_fts (name_search_fts, rowid, name) VALUES ('delete', old.n, old.name);
END;
CREATE TRIGGER name_search_au AFTER UPDATE ON name_search BEGIN
    INSERT INTO name_search_fts (name_search_fts, rowid, name) VALUES ('delete', old.n, old.name);
    INSERT INTO name_search_fts (rowid, name) VALUES (new.n, new.name);
END;
CREATE VIRTUAL TABLE account_search_fts USING fts5(name, content = 'account_search', content_rowid = 'n', tokenize = 'trigram');
INSERT INTO account_search_fts (account_search_fts) VALUES ('rebuild');
CREATE TRIGGER account_search_ai AFTER INSERT ON account_search BEGIN
    INSERT INTO account_search_fts (rowid, name) VALUES (new.n, new.name);
END;
CREATE TRIGGER account_search_ad AFTER DELETE ON account_search BEGIN
    INSERT INTO account_search_fts (account_search_fts, rowid, name) VALUES ('delete', old.n, old.name);
END;
CREATE TRIGGER account_search_au AFTER UPDATE ON account_search BEGIN
    INSERT INTO account_search_fts (account_search_fts, rowid, name) VALUES ('delete', old.n, old.name);
    INSERT INTO account_search_fts (rowid, name) VALUES (new.n, new.name);
END;
"#,
        postgres: r#"
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX name_search_trgm ON name_search USING gin (name gin_trgm_ops);
CREATE INDEX account_search_trgm ON account_search USING gin (name gin_trgm_ops);
"#,
    },
    oversight::CLIENT_LISTS,
    oversight::SECURITY_REPORTS,
    oversight::LOG_CONTROL,
    oversight::MAIL,
];
