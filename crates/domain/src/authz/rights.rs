//! The rights table (AUTH-4): what each role may do, and how far it reaches.
//!
//! Two tables, both data: role × CRUD action × resource kind → scope ([`RIGHTS`]), and
//! role × named permission → scope ([`PERMISSIONS`]) for every action that is more than
//! reading or writing a record (revoke, lock, tasks, holds, extracts, sign-offs, users,
//! the policy …). A missing row means "not allowed"; the pages offer only what a row
//! allows, and the use-case checks the same row again.

use super::UserRole;

/// Kinds of registry resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Municipality,
    Department,
    Supplier,
    Orderer,
    Person,
    Agreement,
    System,
    Role,
    Profile,
    JobProfile,
    ApiToken,
    /// Access requests (REQ-*).
    Request,
    /// Accounts in target systems and their evidence (ACC-*).
    Account,
    /// The audit log (LOG-*): reading, exporting, legal holds, citizen extracts.
    AuditLog,
}

impl ResourceKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ResourceKind::Municipality => "municipality",
            ResourceKind::Department => "department",
            ResourceKind::Supplier => "supplier",
            ResourceKind::Orderer => "orderer",
            ResourceKind::Person => "person",
            ResourceKind::Agreement => "agreement",
            ResourceKind::System => "system",
            ResourceKind::Role => "role",
            ResourceKind::Profile => "profile",
            ResourceKind::JobProfile => "job_profile",
            ResourceKind::ApiToken => "api_token",
            ResourceKind::Request => "request",
            ResourceKind::Account => "account",
            ResourceKind::AuditLog => "audit_log",
        }
    }
    /// Rows of a supplier-owned kind belong to one or more suppliers and are visible to
    /// a supplier's actor only when one of them is theirs.
    pub fn is_supplier_owned(&self) -> bool {
        SUPPLIER_DATA.contains(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Create,
    Update,
    Deactivate,
    /// Accept an agreement or record a security attestation on it.
    Sign,
}

/// How much of a resource kind an allowed action reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every row.
    All,
    /// Rows of the actor's department's area: the suppliers whose agreements belong to
    /// the department, and the requests and accounts of the department.
    OwnDepartment,
    /// Only rows owned by the actor's own supplier.
    OwnSupplier,
    /// Only the actor's own user.
    OwnPerson,
}

impl Scope {
    pub fn as_str(&self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::OwnDepartment => "own_department",
            Scope::OwnSupplier => "own_supplier",
            Scope::OwnPerson => "own_person",
        }
    }
}

/// The kinds of the municipality's catalogue, listed one by one: a new kind is closed to
/// everyone until it is added here or to a row of its own.
const CATALOGUE: &[ResourceKind] = &[
    ResourceKind::Municipality,
    ResourceKind::Department,
    ResourceKind::System,
    ResourceKind::Role,
    ResourceKind::Profile,
    ResourceKind::JobProfile,
];
/// The kinds that belong to suppliers.
const SUPPLIER_DATA: &[ResourceKind] = &[
    ResourceKind::Supplier,
    ResourceKind::Orderer,
    ResourceKind::Person,
    ResourceKind::Agreement,
    ResourceKind::Request,
    ResourceKind::Account,
];
const SUPPLIERS: &[ResourceKind] = &[ResourceKind::Supplier];
const PERSONS: &[ResourceKind] = &[ResourceKind::Person];
const AGREEMENTS: &[ResourceKind] = &[ResourceKind::Agreement];
const REQUESTS: &[ResourceKind] = &[ResourceKind::Request];
const ACCOUNTS: &[ResourceKind] = &[ResourceKind::Account];
const TOKENS: &[ResourceKind] = &[ResourceKind::ApiToken];

use Action::*;
use UserRole::*;

const WRITE: &[Action] = &[Create, Update, Deactivate];
const READ: &[Action] = &[Read];
const SIGN: &[Action] = &[Sign];
const CREATE: &[Action] = &[Create];
const UPDATE: &[Action] = &[Update];
const READ_WRITE: &[Action] = &[Read, Create, Update, Deactivate];

/// The CRUD rights: role × actions × kinds → scope.
const RIGHTS: &[(UserRole, &[Action], &[ResourceKind], Scope)] = &[
    // The administrator runs the installation: the catalogue, suppliers' records and API
    // tokens, but neither the audit log (F-09) nor requests and accounts.
    (Administrator, READ_WRITE, CATALOGUE, Scope::All),
    (
        Administrator,
        READ_WRITE,
        &[ResourceKind::Supplier, ResourceKind::Orderer, ResourceKind::Person, ResourceKind::Agreement],
        Scope::All,
    ),
    (Administrator, READ_WRITE, TOKENS, Scope::All),
    (Administrator, READ, REQUESTS, Scope::All),
    (Administrator, READ, ACCOUNTS, Scope::All),
    (SecurityCoordinator, READ, CATALOGUE, Scope::All),
    (SecurityCoordinator, READ, SUPPLIER_DATA, Scope::All),
    (SecurityCoordinator, WRITE, CATALOGUE, Scope::All),
    (SecurityCoordinator, WRITE, SUPPLIER_DATA, Scope::All),
    (SecurityCoordinator, SIGN, AGREEMENTS, Scope::All),
    (SecurityOfficer, READ, CATALOGUE, Scope::All),
    (SecurityOfficer, READ, SUPPLIER_DATA, Scope::All),
    (SecurityOfficer, SIGN, AGREEMENTS, Scope::All),
    // A department head reads and acts on their area only (REQ-2, F-02, F-21).
    (DepartmentHead, READ, CATALOGUE, Scope::All),
    (DepartmentHead, READ, SUPPLIER_DATA, Scope::OwnDepartment),
    (SupplierOrderer, READ, CATALOGUE, Scope::All),
    (SupplierOrderer, READ, SUPPLIER_DATA, Scope::OwnSupplier),
    (SupplierOrderer, WRITE, PERSONS, Scope::OwnSupplier),
    (SupplierOrderer, SIGN, AGREEMENTS, Scope::OwnSupplier),
    // Requests: orderers and department heads ask; the steps are checked by
    // `request::may_take`.
    (SupplierOrderer, CREATE, REQUESTS, Scope::OwnSupplier),
    (SupplierOrderer, UPDATE, REQUESTS, Scope::OwnSupplier),
    (DepartmentHead, CREATE, REQUESTS, Scope::OwnDepartment),
    (DepartmentHead, UPDATE, REQUESTS, Scope::OwnDepartment),
    (SecurityCoordinator, UPDATE, REQUESTS, Scope::All),
    // A local administrator sees the temp accounts of their own unit (EMG-1, F-12).
    (LocalAdministrator, READ, ACCOUNTS, Scope::OwnDepartment),
    (LocalAdministrator, READ, CATALOGUE, Scope::All),
    // EMG-1: a temp's employer is picked from the suppliers.
    (LocalAdministrator, READ, SUPPLIERS, Scope::All),
    (ItOperator, READ, CATALOGUE, Scope::All),
    (ItOperator, READ, SUPPLIER_DATA, Scope::All),
    (Dpo, READ, CATALOGUE, Scope::All),
    (Dpo, READ, SUPPLIER_DATA, Scope::All),
    (Auditor, READ, CATALOGUE, Scope::All),
    (Auditor, READ, SUPPLIER_DATA, Scope::All),
];

/// Declares the named permissions in one list: the enum, [`Permission::ALL`] and the
/// names used in audit events and the closing reports.
macro_rules! permissions {
    ($($(#[$doc:meta])* $name:ident = $s:literal,)*) => {
        /// Every action beyond reading and writing records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Permission {
            $($(#[$doc])* $name,)*
        }
        impl Permission {
            pub const ALL: &[Permission] = &[$(Permission::$name,)*];
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Permission::$name => $s,)*
                }
            }
        }
    };
}

permissions! {
    /// REQ-2: approve (or reject) requests: first the department, then the coordinator.
    ApproveRequests = "approve_requests",
    /// ACC-4: record that a person was informed, trained or identified.
    RecordEvidence = "record_evidence",
    /// ACC-7: record an e-ID card, token or phone issued to a person.
    RecordAuthenticator = "record_authenticator",
    /// report that a person has left, which ends their accounts.
    ReportLeaver = "report_leaver",
    /// ORG-3, X-4: the supplier's HR system keeps its staff in step (inbound SCIM).
    SyncStaff = "sync_staff",
    /// REQ-7: end one account at once, bypassing approvals.
    RevokeAccount = "revoke_account",
    /// REQ-7, ACC-6: close all of a person's accounts at once.
    ClosePersonAccounts = "close_person_accounts",
    /// ACC-9: lock an account on suspected compromise.
    LockAccount = "lock_account",
    /// ACC-9: lift a lock.
    UnlockAccount = "unlock_account",
    /// PRV-1, PRV-2: work the manual tasks and follow provisioning.
    HandleTasks = "handle_tasks",
    /// LCM-*: run the daily lifecycle and report sign-ons.
    RunLifecycle = "run_lifecycle",
    /// AGR-6: confirm the deletion of personal data after an engagement.
    ConfirmDeletion = "confirm_deletion",
    /// the termination reports.
    SeeTerminationReports = "see_termination_reports",
    /// EMG-1: create a temp account at any hour.
    CreateEmergency = "create_emergency",
    /// EMG-1: delete a temp account.
    DeleteEmergency = "delete_emergency",
    /// EMG-2: sign off (or order deleted) a unit's temp accounts.
    SignOffEmergency = "sign_off_emergency",
    /// EMG-1, EMG-2: see temp accounts and their sign-offs.
    SeeEmergency = "see_emergency",
    /// EMG-2: remind a unit leader of a sign-off.
    RemindSignOff = "remind_sign_off",
    /// EMG-3: ask for a supplier support account.
    RequestSupport = "request_support",
    /// EMG-3: approve a supplier support account.
    ApproveSupport = "approve_support",
    /// EMG-3: follow support accounts.
    SeeSupport = "see_support",
    /// LOG-6: search and export the audit log, and verify it.
    SearchLog = "search_log",
    /// LOG-1: read the search criterion a user of a target system searched by (it may
    /// itself be a CPR number): for those who examine misuse, not every log reader.
    SeeSearchCriteria = "see_search_criteria",
    /// LOG-2: a target system reports its log events.
    IngestLog = "ingest_log",
    /// LOG-4: place a legal hold.
    PlaceHold = "place_hold",
    /// LOG-4: release a legal hold.
    ReleaseHold = "release_hold",
    /// import a supplier's client list (the care system, or the coordinator).
    ImportClientList = "import_client_list",
    /// see a supplier's client list: how many clients, and its imports.
    SeeClientLists = "see_client_lists",
    /// SEC-1: make a security report of a period.
    RunSecurityReport = "run_security_report",
    /// SEC-1: read security reports (a department head: those handed to the department).
    SeeSecurityReports = "see_security_reports",
    /// SEC-2: look into a report and conclude it (the coordinator; the department head
    /// of the area it was handed to).
    InvestigateSecurityReport = "investigate_security_report",
    /// SEC-3: draw a supplier's log-control package.
    DrawLogControl = "draw_log_control",
    /// SEC-3: follow log-control packages (a supplier: its own).
    SeeLogControl = "see_log_control",
    /// SEC-3: judge a package's entries, reveal a data subject, and sign it off (the
    /// supplier's authorised orderer).
    ReviewLogControl = "review_log_control",
    /// make a citizen's extract.
    MakeExtract = "make_extract",
    /// approve showing the names in an extract (the second person).
    ApproveNames = "approve_names",
    /// manage Portvagt's users and end their sessions.
    ManageUsers = "manage_users",
    /// Issue and revoke API tokens.
    ManageTokens = "manage_tokens",
    /// OPS-3: change the municipality's policy preset.
    ChangePolicy = "change_policy",
    /// AUTH-2: change one's own password.
    ChangeOwnPassword = "change_own_password",
}

use Permission as P;
use Scope::{All, OwnDepartment, OwnPerson, OwnSupplier};

/// Everyone who works in Portvagt as a person (not a machine client).
const PEOPLE: &[(UserRole, Scope)] = &[
    (Administrator, OwnPerson),
    (SecurityOfficer, OwnPerson),
    (SecurityCoordinator, OwnPerson),
    (DepartmentHead, OwnPerson),
    (SupplierOrderer, OwnPerson),
    (LocalAdministrator, OwnPerson),
    (ItOperator, OwnPerson),
    (Dpo, OwnPerson),
    (Auditor, OwnPerson),
];
const STAFF_RECORDS: &[(UserRole, Scope)] = &[(SupplierOrderer, OwnSupplier), (DepartmentHead, OwnDepartment), (SecurityCoordinator, All)];
const LOG_KEEPERS: &[(UserRole, Scope)] = &[(SecurityOfficer, All), (Dpo, All)];

/// The named permissions: who holds each, and how far it reaches.
pub const PERMISSIONS: &[(Permission, &[(UserRole, Scope)])] = &[
    (P::ApproveRequests, &[(DepartmentHead, OwnDepartment), (SecurityCoordinator, All)]),
    (P::RecordEvidence, STAFF_RECORDS),
    (P::RecordAuthenticator, STAFF_RECORDS),
    (P::ReportLeaver, STAFF_RECORDS),
    // Only a machine token without a person (the supplier's HR system), see `Actor`.
    (P::SyncStaff, &[(SupplierOrderer, OwnSupplier)]),
    (P::RevokeAccount, &[(SecurityOfficer, All)]),
    (P::ClosePersonAccounts, &[(SecurityOfficer, All)]),
    (P::LockAccount, &[(SecurityCoordinator, All)]),
    (P::UnlockAccount, &[(SecurityCoordinator, All)]),
    (P::HandleTasks, &[(ItOperator, All), (SecurityCoordinator, All)]),
    (P::RunLifecycle, &[(ItOperator, All), (Administrator, All), (SecurityCoordinator, All)]),
    (P::ConfirmDeletion, &[(SupplierOrderer, OwnSupplier), (SecurityCoordinator, All)]),
    (P::SeeTerminationReports, &[(SecurityCoordinator, All), (SecurityOfficer, All), (Auditor, All), (Dpo, All)]),
    (P::CreateEmergency, &[(LocalAdministrator, OwnDepartment)]),
    (P::DeleteEmergency, &[(LocalAdministrator, OwnDepartment)]),
    (P::SignOffEmergency, &[(DepartmentHead, OwnDepartment)]),
    (
        P::SeeEmergency,
        &[
            (SecurityCoordinator, All),
            (SecurityOfficer, All),
            (Auditor, All),
            (DepartmentHead, OwnDepartment),
            (LocalAdministrator, OwnDepartment),
        ],
    ),
    (P::RemindSignOff, &[(SecurityCoordinator, All)]),
    (P::RequestSupport, &[(SupplierOrderer, OwnSupplier), (SecurityCoordinator, All)]),
    (P::ApproveSupport, &[(SecurityOfficer, All)]),
    (P::SeeSupport, &[(SecurityOfficer, All), (SecurityCoordinator, All)]),
    (P::SearchLog, &[(SecurityOfficer, All), (Dpo, All), (SecurityCoordinator, All), (Auditor, All)]),
    (P::SeeSearchCriteria, &[(SecurityOfficer, All), (Dpo, All), (Auditor, All)]),
    (P::IngestLog, &[(TargetSystem, All)]),
    (P::PlaceHold, LOG_KEEPERS),
    (P::ReleaseHold, LOG_KEEPERS),
    // the care system sends each supplier's clients; the coordinator may too.
    (P::ImportClientList, &[(TargetSystem, All), (SecurityCoordinator, All)]),
    (P::SeeClientLists, &[(SecurityCoordinator, All), (SecurityOfficer, All), (Dpo, All), (Auditor, All), (SupplierOrderer, OwnSupplier)]),
    (P::RunSecurityReport, &[(SecurityCoordinator, All), (SecurityOfficer, All)]),
    (P::SeeSecurityReports, &[(SecurityCoordinator, All), (SecurityOfficer, All), (Auditor, All), (DepartmentHead, OwnDepartment)]),
    (P::InvestigateSecurityReport, &[(SecurityCoordinator, All), (DepartmentHead, OwnDepartment)]),
    (P::DrawLogControl, &[(SecurityCoordinator, All), (SecurityOfficer, All)]),
    (P::SeeLogControl, &[(SecurityCoordinator, All), (SecurityOfficer, All), (Dpo, All), (Auditor, All), (SupplierOrderer, OwnSupplier)]),
    (P::ReviewLogControl, &[(SupplierOrderer, OwnSupplier)]),
    (P::MakeExtract, LOG_KEEPERS),
    (P::ApproveNames, LOG_KEEPERS),
    (P::ManageUsers, &[(Administrator, All)]),
    (P::ManageTokens, &[(Administrator, All)]),
    (P::ChangePolicy, &[(Administrator, All)]),
    (P::ChangeOwnPassword, PEOPLE),
];

/// The CRUD check: `Some(scope)` when `role` may do `action` on `kind`; the widest
/// matching row wins.
pub fn authorize(role: UserRole, action: Action, kind: ResourceKind) -> Option<Scope> {
    RIGHTS
        .iter()
        .filter(|(r, actions, kinds, _)| *r == role && actions.contains(&action) && kinds.contains(&kind))
        .map(|(_, _, _, scope)| *scope)
        .min()
}

/// The permission check: `Some(scope)` when `role` holds `permission`.
pub fn permits(role: UserRole, permission: Permission) -> Option<Scope> {
    PERMISSIONS.iter().filter(|(p, _)| *p == permission).flat_map(|(_, holders)| holders.iter()).find(|(r, _)| *r == role).map(|(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supplier_orderer_reaches_only_own_supplier_data_and_writes_only_persons() {
        // REQ: AUTH-4
        assert_eq!(authorize(SupplierOrderer, Read, ResourceKind::Agreement), Some(Scope::OwnSupplier));
        assert_eq!(authorize(SupplierOrderer, Read, ResourceKind::System), Some(Scope::All));
        assert_eq!(authorize(SupplierOrderer, Create, ResourceKind::Person), Some(Scope::OwnSupplier));
        for kind in [ResourceKind::Supplier, ResourceKind::Agreement, ResourceKind::Orderer, ResourceKind::System] {
            assert_eq!(authorize(SupplierOrderer, Create, kind), None, "{kind:?}");
        }
        assert_eq!(authorize(SupplierOrderer, Read, ResourceKind::ApiToken), None);
    }

    #[test]
    fn auditors_and_dpo_read_everything_and_change_nothing() {
        for role in [Auditor, Dpo] {
            for kind in [ResourceKind::Supplier, ResourceKind::Person, ResourceKind::System] {
                assert_eq!(authorize(role, Read, kind), Some(Scope::All));
                for action in [Create, Update, Deactivate, Sign] {
                    assert_eq!(authorize(role, action, kind), None);
                }
            }
        }
    }

    #[test]
    fn every_kind_is_listed_somewhere_and_a_kind_not_listed_is_closed() {
        // REQ: AUTH-4
        let all = [
            ResourceKind::Municipality,
            ResourceKind::Department,
            ResourceKind::Supplier,
            ResourceKind::Orderer,
            ResourceKind::Person,
            ResourceKind::Agreement,
            ResourceKind::System,
            ResourceKind::Role,
            ResourceKind::Profile,
            ResourceKind::JobProfile,
            ResourceKind::ApiToken,
            ResourceKind::Request,
            ResourceKind::Account,
        ];
        for kind in all {
            assert!(RIGHTS.iter().any(|(_, _, kinds, _)| kinds.contains(&kind)), "{kind:?} has no row");
        }
        // The audit log is reached only through the named permissions.
        for role in UserRole::ALL {
            for action in [Read, Create, Update, Deactivate, Sign] {
                assert_eq!(authorize(role, action, ResourceKind::AuditLog), None, "{role:?}");
            }
        }
    }

    #[test]
    fn the_administrator_runs_the_installation_but_reads_no_citizens_log() {
        // REQ: AUTH-4, LOG-6, X-1
        for p in [P::SearchLog, P::MakeExtract, P::ApproveNames, P::PlaceHold, P::RevokeAccount] {
            assert_eq!(permits(Administrator, p), None, "{p:?}");
        }
        for p in [P::ManageUsers, P::ManageTokens, P::ChangePolicy] {
            assert_eq!(permits(Administrator, p), Some(All));
            for role in UserRole::ALL.into_iter().filter(|r| *r != Administrator) {
                assert_eq!(permits(role, p), None, "{role:?} {p:?}");
            }
        }
    }

    #[test]
    fn department_roles_reach_their_department_only() {
        // REQ: REQ-2, EMG-1
        assert_eq!(authorize(DepartmentHead, Create, ResourceKind::Request), Some(OwnDepartment));
        assert_eq!(authorize(DepartmentHead, Read, ResourceKind::Person), Some(OwnDepartment));
        assert_eq!(permits(DepartmentHead, P::RecordEvidence), Some(OwnDepartment));
        assert_eq!(permits(DepartmentHead, P::ReportLeaver), Some(OwnDepartment));
        assert_eq!(permits(LocalAdministrator, P::DeleteEmergency), Some(OwnDepartment));
        assert_eq!(authorize(LocalAdministrator, Read, ResourceKind::Account), Some(OwnDepartment));
    }

    #[test]
    fn every_permission_has_a_row_and_a_name() {
        for p in Permission::ALL {
            assert!(PERMISSIONS.iter().any(|(q, _)| q == p), "{p:?}");
            assert!(!p.as_str().is_empty());
        }
        assert_eq!(PERMISSIONS.len(), Permission::ALL.len());
    }
}
