//! Who may do what: roles, organisations and the rights table (AUTH-4).
//!
//! Rights are data — role × action × resource → scope, and role × named permission →
//! scope — in [`rights`], checked in one place before a use-case runs.

mod rights;
pub use rights::*;

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
    /// Roles that take one of two steps that must be taken by two people (approving a
    /// request, approving an extract's names): their tokens must name the person behind
    /// them, so that two tokens cannot be one person twice (F-11).
    pub fn needs_a_person(&self) -> bool {
        matches!(
            self,
            UserRole::DepartmentHead
                | UserRole::SecurityCoordinator
                | UserRole::SecurityOfficer
                | UserRole::Dpo
                | UserRole::LocalAdministrator
        )
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
    /// Whether this actor is the one recorded as `id` (with the registry person
    /// `person`): the same user or token, or the same person through another token or
    /// session (four eyes, REQ-2, X-1).
    pub fn is(&self, id: Uuid, person: Option<Uuid>) -> bool {
        self.id == id || (self.person.is_some() && self.person == person) || self.person == Some(id)
    }
    /// Who stands behind the actor: the registry person when known, else the user or token.
    pub fn who(&self) -> Uuid {
        self.person.unwrap_or(self.id)
    }
    pub fn supplier(&self) -> Option<Uuid> {
        match self.organisation {
            Organisation::Supplier(s) => Some(s),
            Organisation::Municipality => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supplier_roles_need_a_supplier_and_municipal_roles_refuse_one() {
        let s = Uuid::now_v7();
        assert_eq!(organisation_for(UserRole::SupplierOrderer, Some(s)), Ok(Organisation::Supplier(s)));
        assert_eq!(organisation_for(UserRole::SupplierOrderer, None).unwrap_err().code, codes::ROLE_NEEDS_SUPPLIER);
        assert_eq!(organisation_for(UserRole::Auditor, Some(s)).unwrap_err().code, codes::ROLE_FORBIDS_SUPPLIER);
    }
}
