//! The oversight migrations: suppliers' client lists (X-11), security reports (SEC-1,
//! SEC-2), log-control packages (SEC-3) and e-mail (NOT-1).

use super::Migration;

pub(super) const CLIENT_LISTS: Migration = Migration {
    version: 12,
    name: "suppliers' client lists, kept as blind indexes, and their imports (X-11)",
    common: r#"
CREATE TABLE client_relations (
    supplier_id TEXT NOT NULL,
    subject_index TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    PRIMARY KEY (supplier_id, subject_index, valid_from)
);
CREATE INDEX client_relations_subject ON client_relations (subject_index, supplier_id);
CREATE TABLE client_list_imports (
    id TEXT PRIMARY KEY,
    supplier_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    mode TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    automatic BIGINT NOT NULL,
    total BIGINT NOT NULL,
    added BIGINT NOT NULL,
    removed BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    unchanged BIGINT NOT NULL
);
CREATE INDEX client_list_imports_supplier ON client_list_imports (supplier_id, imported_at);
"#,
    sqlite: "",
    postgres: "",
};

pub(super) const SECURITY_REPORTS: Migration = Migration {
    version: 13,
    name: "security reports and their cases (SEC-1, SEC-2)",
    common: r#"
CREATE TABLE security_reports (
    id TEXT PRIMARY KEY,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    automatic BIGINT NOT NULL,
    state TEXT NOT NULL,
    department_id TEXT,
    investigator TEXT,
    conclusion TEXT,
    closed_at TEXT,
    closed_by TEXT,
    delete_after TEXT,
    hold_id TEXT,
    findings BIGINT NOT NULL,
    high BIGINT NOT NULL,
    events BIGINT NOT NULL,
    body TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX security_reports_created ON security_reports (created_at, id);
CREATE INDEX security_reports_state ON security_reports (state, delete_after);
"#,
    sqlite: "",
    postgres: "",
};

pub(super) const LOG_CONTROL: Migration = Migration {
    version: 14,
    name: "log-control packages the supplier reviews and signs off (SEC-3)",
    common: r#"
CREATE TABLE log_control_packages (
    id TEXT PRIMARY KEY,
    supplier_id TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    seq_from BIGINT NOT NULL,
    seq_to BIGINT NOT NULL,
    seed_hash TEXT NOT NULL,
    seed TEXT NOT NULL,
    candidates BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    state TEXT NOT NULL,
    due_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    automatic BIGINT NOT NULL,
    signed_at TEXT,
    signed_by TEXT,
    statement TEXT,
    case_id TEXT,
    reminded_at TEXT,
    escalated_at TEXT,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX log_control_packages_period ON log_control_packages (supplier_id, period_from, period_to);
CREATE INDEX log_control_packages_created ON log_control_packages (created_at, id);
CREATE TABLE log_control_entries (
    package_id TEXT NOT NULL REFERENCES log_control_packages (id),
    n BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    system_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    username TEXT NOT NULL,
    person_id TEXT,
    action TEXT NOT NULL,
    subject_index TEXT NOT NULL,
    pseudonym BIGINT NOT NULL,
    reasons TEXT NOT NULL,
    judgement TEXT,
    reason_code TEXT,
    note TEXT,
    judged_by TEXT,
    judged_at TEXT,
    PRIMARY KEY (package_id, n)
);
"#,
    sqlite: "",
    postgres: "",
};

pub(super) const MAIL: Migration = Migration {
    version: 15,
    name: "users' e-mail addresses, the notices waiting for their digest and the digests sent (NOT-1)",
    common: r#"
ALTER TABLE users ADD COLUMN email TEXT;
CREATE TABLE mail_notices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    mailed_at TEXT
);
CREATE INDEX mail_notices_user ON mail_notices (user_id, mailed_at);
CREATE TABLE mail_digests (
    user_id TEXT NOT NULL,
    day TEXT NOT NULL,
    outbox_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, day)
);
"#,
    sqlite: "",
    postgres: "",
};
