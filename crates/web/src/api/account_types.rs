//! The bodies of the accounts API: accounts, evidence, authenticators, emergency and
//! support accounts, manual tasks, sign-ons and the lifecycle's reports, with their
//! OpenAPI schemas.

use domain::account::{AccountKind, AccountStatus, EvidenceKind};
use domain::text::{Name, Text};
use domain::time::{Date, Timestamp};
use serde::{Deserialize, Serialize};
use store::AccountRow;
use utoipa::ToSchema;
use uuid::Uuid;

/// A role held through an account, and the profile it came with.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleGrant {
    pub role_id: Uuid,
    pub profile_id: Option<Uuid>,
}

/// An account in a target system.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOut {
    pub id: Uuid,
    pub person_id: Uuid,
    pub system_id: Uuid,
    pub agreement_id: Option<Uuid>,
    pub username: String,
    pub status: AccountStatus,
    pub kind: AccountKind,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub request_id: Option<Uuid>,
    pub version: i64,
    pub status_reason: Option<String>,
    pub activated_at: Option<Timestamp>,
    pub disabled_at: Option<Timestamp>,
    /// The last sign-on a target system reported; inactivity counts from it.
    pub last_activity_at: Option<Timestamp>,
    pub created_by: Option<String>,
    pub department_id: Option<Uuid>,
    /// The task of a support account (EMG-3).
    pub purpose: Option<String>,
    /// Emergency accounts: when the unit leader's sign-off is due, and who gave it.
    pub signoff_due: Option<Timestamp>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub roles: Vec<RoleGrant>,
}

impl From<AccountRow> for AccountOut {
    fn from(a: AccountRow) -> Self {
        AccountOut {
            id: a.id,
            person_id: a.person_id,
            system_id: a.system_id,
            agreement_id: a.agreement_id,
            username: a.username,
            status: a.status,
            kind: a.kind,
            valid_from: a.valid_from,
            valid_to: a.valid_to,
            request_id: a.request_id,
            version: a.version,
            status_reason: a.status_reason,
            activated_at: a.activated_at,
            disabled_at: a.disabled_at,
            last_activity_at: a.last_activity_at,
            created_by: a.created_by,
            department_id: a.department_id,
            purpose: a.purpose,
            signoff_due: a.signoff_due,
            signed_off_by: a.signed_off_by,
            signed_off_at: a.signed_off_at,
            created_at: a.created_at,
            roles: a.roles.into_iter().map(|(role_id, profile_id)| RoleGrant { role_id, profile_id }).collect(),
        }
    }
}

/// A reason, for locking (ACC-9) and revoking (REQ-7).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    pub reason: Text,
}

/// ACC-4 evidence for a person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceInput {
    pub kind: EvidenceKind,
    #[serde(default)]
    pub note: Option<Text>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceOut {
    pub id: Uuid,
    pub kind: String,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
    pub note: Option<String>,
}

/// ACC-7: an e-ID card, token or phone issued to a person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthenticatorInput {
    /// e.g. `eid_card`, `token`, `phone`.
    pub kind: Name,
    pub serial: Name,
    pub issued_on: Date,
    /// Who checked the holder's identity at hand-over.
    pub identity_checked_by: Name,
    /// The supplier billed for it (G Autentisering).
    #[serde(default)]
    pub billed_supplier_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthenticatorOut {
    pub id: Uuid,
    pub kind: String,
    pub serial: String,
    pub issued_on: Date,
    pub identity_checked_by: String,
    pub status: String,
    pub billed_supplier_id: Option<Uuid>,
}

/// What still stands before activation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivationOut {
    /// Evidence kinds (`confidentiality_declaration`, …) and `attestation:<kind>` entries.
    pub missing: Vec<String>,
}

/// EMG-1: a temp account for a temp, at any hour.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencyIn {
    pub name: Name,
    /// The temp's employer, when a supplier.
    #[serde(default)]
    pub supplier_id: Option<Uuid>,
    /// Why the temp is needed now, for the unit's leader who signs off.
    #[serde(default)]
    pub reason: Option<Text>,
    /// Profiles within the policy's emergency scope.
    pub profiles: Vec<Uuid>,
    /// At most the policy's `emergency.validity_max_days` ahead.
    pub valid_to: Date,
    /// Create it although a live temp account has the same name (another person).
    #[serde(default)]
    pub same_name_confirmed: bool,
}

/// EMG-3: a supplier support account for one task and period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportIn {
    pub person_id: Uuid,
    pub agreement_id: Uuid,
    pub profiles: Vec<Uuid>,
    pub valid_from: Date,
    pub valid_to: Date,
    pub purpose: Text,
}

/// The line of the emergency reconciliation (documentation of [`EmergencyLine`]).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct EmergencyLineDoc {
    account_id: Uuid,
    /// The temp: one person per creation, with an account per system.
    person_id: Uuid,
    username: String,
    person_name: String,
    system_name: String,
    status: AccountStatus,
    valid_to: Option<Date>,
    /// Why the temp account was made.
    reason: Option<String>,
    created_by: Option<String>,
    created_at: Timestamp,
    department_id: Option<Uuid>,
    department_name: String,
    /// Who signs off: the unit's department heads in Portvagt, else the registry's head.
    signer: Option<String>,
    /// The registry's substitute for the head.
    signer_substitute: Option<String>,
    signoff_due: Option<Timestamp>,
    signed_off_by: Option<String>,
    signed_off_at: Option<Timestamp>,
    /// When the coordinator last reminded the signer.
    reminded_at: Option<Timestamp>,
    overdue: bool,
}

/// A manual provisioning task (PRV-1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskOut {
    pub id: Uuid,
    pub account_id: Uuid,
    pub system_id: Uuid,
    pub request_id: Option<Uuid>,
    /// create, enable, disable, set_groups, set_expiry
    pub action: String,
    /// What to do: username, roles, end date; for a creation the initial password, to be
    /// set with "must change at next logon". Cleared once the task is decided.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// open, confirmed, failed
    pub state: String,
    pub attempt: i64,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<String>,
    pub note: Option<String>,
}

impl From<store::TaskRow> for TaskOut {
    fn from(t: store::TaskRow) -> Self {
        TaskOut {
            id: t.id,
            account_id: t.account_id,
            system_id: t.system_id,
            request_id: t.request_id,
            action: t.action,
            details: t.details,
            state: t.state,
            attempt: t.attempt,
            created_at: t.created_at,
            decided_at: t.decided_at,
            decided_by: t.decided_by,
            note: t.note,
        }
    }
}

/// Sign-ons seen by a target system.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOnsInput {
    pub sign_ons: Vec<SignOn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOn {
    pub username: Name,
    pub at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignOnsOut {
    /// How many named an account of the system.
    pub matched: usize,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    #[serde(default)]
    pub note: Option<String>,
}

/// AGR-6: the supplier's confirmation that personal data was deleted.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeletionInput {
    #[serde(default)]
    pub note: Option<Text>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct OverdueDeletionDoc {
    agreement_id: Uuid,
    title: String,
    supplier_id: Uuid,
    ended: Date,
    due: Date,
}

/// A provisioning action through a connector that failed and waits for a retry.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct FailingActionDoc {
    id: Uuid,
    /// The action: `action`, `account_id`, `system_id`, `username`, …
    #[schema(value_type = Object)]
    payload: serde_json::Value,
    attempts: i64,
    last_error: String,
    next_attempt_at: Timestamp,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct TerminationReportDoc {
    person_id: Uuid,
    reported_at: Timestamp,
    reported_by: String,
    disabled_at: Timestamp,
    accounts: i64,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct LifecycleReportDoc {
    disabled_end_date: usize,
    disabled_agreement_ended: usize,
    /// Persons whose affiliation with the supplier ended (ORG-4).
    disabled_affiliation_ended: usize,
    disabled_inactive: usize,
    support_activated: usize,
    usernames_released: u64,
    requests_expired: usize,
    emergency_signoffs_overdue: usize,
    deletion_confirmations_overdue: usize,
}
