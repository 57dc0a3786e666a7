//! Who may do what: roles, organisations and the rights table (AUTH-4).
//!
//! Rights are data — role × action × resource → scope — checked in one place,
//! [`authorize`], before a use-case runs.

use crate::codes;
use crate::error::FieldError;
use uuid::Uuid;

/// The roles of the requirement catalogue, plus the Portvagt administrator who runs
/// the installation (users, API tokens, policy preset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UserRole {
    Administrator,
    /// Øverste sikkerhedsansvarlig.
    SecurityOfficer,
    /// IT-sikkerhedskoordinator.
    SecurityCoordinator,
    /// Afdelingsleder / sekretariat.
    DepartmentHead,
    /// Behörig beställare at a supplier.
    SupplierOrderer,
    /// Lokal administrator (emergency temp accounts).
    LocalAdministrator,
    /// IT operator / service desk.
    ItOperator,
    /// Databeskyttelsesrådgiver.
    Dpo,
    /// Revisor, read-only.
    Auditor,
    /// A target system's machine client: reports its log events (LOG-2) and nothing else.
    TargetSystem,
}

impl UserRole {
    pub const ALL: [UserRole; 10] = [
        UserRole::Administrator,
        UserRole::SecurityOfficer,
        UserRole::SecurityCoordinator,
        UserRole::DepartmentHead,
        UserRole::SupplierOrderer,
        UserRole::LocalAdministrator,
        UserRole::ItOperator,
        UserRole::Dpo,
        UserRole::Auditor,
        UserRole::TargetSystem,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            UserRole::Administrator => "administrator",
            UserRole::SecurityOfficer => "security_officer",
            UserRole::SecurityCoordinator => "security_coordinator",
            UserRole::DepartmentHead => "department_head",
            UserRole::SupplierOrderer => "supplier_orderer",
            UserRole::LocalAdministrator => "local_administrator",
            UserRole::ItOperator => "it_operator",
            UserRole::Dpo => "dpo",
            UserRole::Auditor => "auditor",
            UserRole::TargetSystem => "target_system",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    /// Roles that belong to a supplier organisation rather than the municipality.
    pub fn is_supplier_role(&self) -> bool {
        matches!(self, UserRole::SupplierOrderer)
    }
    /// Roles whose decisions give someone access (approve, revoke, create temporary
    /// accounts, manage users): the policy can demand a second factor for them.
    pub fn can_grant_access(&self) -> bool {
        matches!(
            self,
            UserRole::Administrator
                | UserRole::SecurityOfficer
                | UserRole::SecurityCoordinator
                | UserRole::DepartmentHead
                | UserRole::LocalAdministrator
        )
    }
}

/// The organisation an actor acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "supplier_id", rename_all = "snake_case")]
pub enum Organisation {
    Municipality,
    Supplier(Uuid),
}

/// Checks that a role and an organisation fit together (a supplier orderer belongs to
/// a supplier; every other role to the municipality), and that the roles acting for a
/// department (department head, local administrator) name one; a local administrator is
/// also a named person, since their number is capped (EMG-1).
pub fn check_scope(
    role: UserRole,
    supplier_id: Option<Uuid>,
    department_id: Option<Uuid>,
    person_id: Option<Uuid>,
) -> Result<Organisation, FieldError> {
    let org = organisation_for(role, supplier_id)?;
    if matches!(role, UserRole::DepartmentHead | UserRole::LocalAdministrator) && department_id.is_none() {
        return Err(FieldError::new("department_id", codes::MISSING_FIELD));
    }
    if role == UserRole::LocalAdministrator && person_id.is_none() {
        return Err(FieldError::new("person_id", codes::MISSING_FIELD));
    }
    Ok(org)
}

/// Checks that a role and an organisation fit together (a supplier orderer belongs to
/// a supplier; every other role to the municipality).
pub fn organisation_for(role: UserRole, supplier_id: Option<Uuid>) -> Result<Organisation, FieldError> {
    match (role.is_supplier_role(), supplier_id) {
        (true, Some(s)) => Ok(Organisation::Supplier(s)),
        (true, None) => Err(FieldError::new("supplier_id", codes::ROLE_NEEDS_SUPPLIER)),
        (false, None) => Ok(Organisation::Municipality),
        (false, Some(_)) => Err(FieldError::new("supplier_id", codes::ROLE_FORBIDS_SUPPLIER)),
    }
}

/// Who is calling: a person logged in, or a machine client's API token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Uuid,
    pub name: String,
    pub role: UserRole,
    pub organisation: Organisation,
    /// The department a department head or local administrator acts for.
    pub department: Option<Uuid>,
    /// The registry person behind a user (a supplier's orderer is one on the list).
    pub person: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    ApiToken,
    /// Portvagt itself: the scheduler, the CLI's `demo` loader.
    System,
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Actor {
            kind: ActorKind::System,
            id: Uuid::nil(),
            name: name.to_string(),
            role: UserRole::Administrator,
            organisation: Organisation::Municipality,
            department: None,
            person: None,
        }
    }
    pub fn supplier(&self) -> Option<Uuid> {
        match self.organisation {
            Organisation::Supplier(s) => Some(s),
            Organisation::Municipality => None,
        }
    }
}

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
        matches!(
            self,
            ResourceKind::Supplier
                | ResourceKind::Orderer
                | ResourceKind::Person
                | ResourceKind::Agreement
                | ResourceKind::Request
                | ResourceKind::Account
        )
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every row.
    All,
    /// Only rows owned by the actor's own supplier.
    OwnSupplier,
}

/// Which resources a rights row covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Covers {
    /// Municipality profile, departments, systems, roles, profiles, job profiles.
    Catalogue,
    /// Suppliers, orderers, agreements, persons.
    SupplierData,
    /// The supplier records only (names and numbers, no persons).
    Suppliers,
    /// Persons only.
    Persons,
    /// Agreements only.
    Agreements,
    /// Access requests.
    Requests,
    /// Accounts and their evidence.
    Accounts,
    /// The audit log.
    AuditLog,
    Everything,
}

impl Covers {
    fn includes(self, kind: ResourceKind) -> bool {
        match self {
            Covers::Everything => true,
            Covers::Catalogue => !kind.is_supplier_owned() && !matches!(kind, ResourceKind::ApiToken | ResourceKind::AuditLog),
            Covers::AuditLog => kind == ResourceKind::AuditLog,
            Covers::SupplierData => kind.is_supplier_owned(),
            Covers::Requests => kind == ResourceKind::Request,
            Covers::Accounts => kind == ResourceKind::Account,
            Covers::Suppliers => kind == ResourceKind::Supplier,
            Covers::Persons => kind == ResourceKind::Person,
            Covers::Agreements => kind == ResourceKind::Agreement,
        }
    }
}

use Action::*;
use Covers::*;
use UserRole::*;

const WRITE: &[Action] = &[Create, Update, Deactivate];
const READ: &[Action] = &[Read];
const SIGN: &[Action] = &[Sign];
const CREATE: &[Action] = &[Create];
const DEACTIVATE: &[Action] = &[Deactivate];
const UPDATE: &[Action] = &[Update];

/// The rights table. A missing row means "not allowed".
const RIGHTS: &[(UserRole, &[Action], Covers, Scope)] = &[
    (Administrator, READ, Everything, Scope::All),
    (Administrator, WRITE, Everything, Scope::All),
    (SecurityCoordinator, READ, Catalogue, Scope::All),
    (SecurityCoordinator, READ, SupplierData, Scope::All),
    (SecurityCoordinator, WRITE, Catalogue, Scope::All),
    (SecurityCoordinator, WRITE, SupplierData, Scope::All),
    (SecurityCoordinator, SIGN, Agreements, Scope::All),
    (SecurityOfficer, READ, Catalogue, Scope::All),
    (SecurityOfficer, READ, SupplierData, Scope::All),
    (SecurityOfficer, SIGN, Agreements, Scope::All),
    (DepartmentHead, READ, Catalogue, Scope::All),
    (DepartmentHead, READ, SupplierData, Scope::All),
    (SupplierOrderer, READ, Catalogue, Scope::All),
    (SupplierOrderer, READ, SupplierData, Scope::OwnSupplier),
    (SupplierOrderer, WRITE, Persons, Scope::OwnSupplier),
    (SupplierOrderer, SIGN, Agreements, Scope::OwnSupplier),
    // Requests: orderers and department heads ask; the steps are checked by
    // `request::may_take`. Accounts: orderers record evidence and authenticators for
    // their own staff; the coordinator locks, the security officer revokes.
    (SupplierOrderer, CREATE, Requests, Scope::OwnSupplier),
    (SupplierOrderer, UPDATE, Requests, Scope::OwnSupplier),
    (SupplierOrderer, UPDATE, Accounts, Scope::OwnSupplier),
    (DepartmentHead, CREATE, Requests, Scope::All),
    (DepartmentHead, UPDATE, Requests, Scope::All),
    (DepartmentHead, UPDATE, Accounts, Scope::All),
    (SecurityCoordinator, UPDATE, Requests, Scope::All),
    (SecurityCoordinator, UPDATE, Accounts, Scope::All),
    (SecurityCoordinator, DEACTIVATE, Accounts, Scope::All),
    (SecurityOfficer, DEACTIVATE, Accounts, Scope::All),
    (SecurityOfficer, UPDATE, Accounts, Scope::All),
    (LocalAdministrator, CREATE, Accounts, Scope::All),
    (LocalAdministrator, DEACTIVATE, Accounts, Scope::All),
    (ItOperator, UPDATE, Accounts, Scope::All),
    (LocalAdministrator, READ, Catalogue, Scope::All),
    // EMG-1: a temp's employer is picked from the suppliers.
    (LocalAdministrator, READ, Suppliers, Scope::All),
    (ItOperator, READ, Catalogue, Scope::All),
    (ItOperator, READ, SupplierData, Scope::All),
    (Dpo, READ, Catalogue, Scope::All),
    (Dpo, READ, SupplierData, Scope::All),
    (Auditor, READ, Catalogue, Scope::All),
    (Auditor, READ, SupplierData, Scope::All),
    // The audit log: target systems append; the security officer and the DPO read it,
    // place legal holds and produce citizen extracts; the coordinator and auditors read.
    (TargetSystem, CREATE, Covers::AuditLog, Scope::All),
    (SecurityOfficer, READ, Covers::AuditLog, Scope::All),
    (SecurityOfficer, UPDATE, Covers::AuditLog, Scope::All),
    (Dpo, READ, Covers::AuditLog, Scope::All),
    (Dpo, UPDATE, Covers::AuditLog, Scope::All),
    (SecurityCoordinator, READ, Covers::AuditLog, Scope::All),
    (Auditor, READ, Covers::AuditLog, Scope::All),
];

/// The one authorisation check: `Some(scope)` when `role` may do `action` on `kind`.
pub fn authorize(role: UserRole, action: Action, kind: ResourceKind) -> Option<Scope> {
    RIGHTS
        .iter()
        .filter(|(r, actions, covers, _)| *r == role && actions.contains(&action) && covers.includes(kind))
        .map(|(_, _, _, scope)| *scope)
        // The widest matching row wins.
        .min_by_key(|s| match s {
            Scope::All => 0,
            Scope::OwnSupplier => 1,
        })
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
    fn supplier_roles_need_a_supplier_and_municipal_roles_refuse_one() {
        let s = Uuid::now_v7();
        assert_eq!(organisation_for(SupplierOrderer, Some(s)), Ok(Organisation::Supplier(s)));
        assert_eq!(organisation_for(SupplierOrderer, None).unwrap_err().code, codes::ROLE_NEEDS_SUPPLIER);
        assert_eq!(organisation_for(Auditor, Some(s)).unwrap_err().code, codes::ROLE_FORBIDS_SUPPLIER);
    }
}
