//! The one place where a use-case asks whether its actor may act (AUTH-4): the rights
//! table's CRUD rows and named permissions, turned into how far the actor reaches, and
//! refusals for objects outside that reach recorded as evidence (F-08, SEC-1).

use crate::{App, AppError, Result};
use domain::audit_action::AuditAction;
use domain::authz::{Action, Actor, ActorKind, Permission, ResourceKind, Scope, authorize, permits};
use domain::error::FieldError;
use serde_json::json;
use store::AuditRecord;
use uuid::Uuid;

/// How far an actor reaches with one right: everything, or the rows owned by some
/// suppliers (their own, or those whose agreements belong to their department), and for
/// department-bound rows (requests, accounts) their department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reach {
    pub scope: Scope,
    pub suppliers: Vec<Uuid>,
    pub department: Option<Uuid>,
    /// The agreements of the department's area (an account or request under one of
    /// them is the department's even when it names no department itself).
    pub agreements: Vec<Uuid>,
}

impl Reach {
    /// Whether a row owned by `owners` is within reach. A department reaches the
    /// municipality's own staff too (persons of no supplier).
    pub fn owns(&self, owners: &[Uuid]) -> bool {
        match self.scope {
            Scope::All => true,
            Scope::OwnDepartment if owners.is_empty() => true,
            _ => owners.iter().any(|o| self.suppliers.contains(o)),
        }
    }
    /// Whether a department-bound row (a request, an account) is within reach: made for
    /// the department, or under one of its agreements.
    pub fn covers_department(&self, department: Option<Uuid>, agreement: Option<Uuid>) -> bool {
        match self.scope {
            Scope::All => true,
            Scope::OwnDepartment => {
                (department.is_some() && department == self.department) || agreement.is_some_and(|a| self.agreements.contains(&a))
            }
            Scope::OwnSupplier | Scope::OwnPerson => false,
        }
    }
    /// The owners to list by, or `None` for every row.
    pub fn owned_by(&self) -> Option<&[Uuid]> {
        (self.scope != Scope::All).then_some(self.suppliers.as_slice())
    }
}

impl App {
    /// Whether the rights table lets the actor take this action on this kind at all (the
    /// pages offer only what would be allowed; the use-case checks again).
    pub fn may(&self, actor: &Actor, action: Action, kind: ResourceKind) -> bool {
        self.crud_scope(actor, action, kind).is_some()
    }

    /// Whether the actor holds a named permission (the menu and buttons ask this).
    pub fn can(&self, actor: &Actor, permission: Permission) -> bool {
        self.permission_scope(actor, permission).is_some()
    }

    fn crud_scope(&self, actor: &Actor, action: Action, kind: ResourceKind) -> Option<Scope> {
        if actor.kind == ActorKind::System {
            return Some(Scope::All);
        }
        authorize(actor.role, action, kind)
    }

    pub(crate) fn permission_scope(&self, actor: &Actor, permission: Permission) -> Option<Scope> {
        if actor.kind == ActorKind::System {
            return Some(Scope::All);
        }
        // F-05: the supplier's HR system is a machine token that stands for no person;
        // a person's login or token never acts as it.
        if permission == Permission::SyncStaff && (actor.kind != ActorKind::ApiToken || actor.person.is_some()) {
            return None;
        }
        // SEC-3: a supplier's log control is read, judged and signed by its authorised
        // orderer, a person; the HR system's token stands for no one.
        if matches!(permission, Permission::SeeLogControl | Permission::ReviewLogControl)
            && actor.supplier().is_some()
            && actor.person.is_none()
        {
            return None;
        }
        permits(actor.role, permission)
    }

    /// The CRUD check before a use-case runs.
    pub(crate) fn allow(&self, actor: &Actor, action: Action, kind: ResourceKind) -> Result<Scope> {
        self.crud_scope(actor, action, kind).ok_or(AppError::Forbidden)
    }

    /// The permission check before a use-case runs.
    pub(crate) fn permit(&self, actor: &Actor, permission: Permission) -> Result<Scope> {
        self.permission_scope(actor, permission).ok_or(AppError::Forbidden)
    }

    /// How far `scope` reaches for this actor.
    pub(crate) async fn reach(&self, actor: &Actor, scope: Scope) -> Result<Reach> {
        let (suppliers, agreements) = match scope {
            Scope::All | Scope::OwnPerson => Default::default(),
            Scope::OwnSupplier => (actor.supplier().into_iter().collect(), Vec::new()),
            Scope::OwnDepartment => match actor.department {
                Some(d) => self.area_of_department(d).await?,
                None => Default::default(),
            },
        };
        Ok(Reach { scope, suppliers, department: actor.department, agreements })
    }

    /// REQ-2: a department's area: the agreements that belong to it — by the agreement's
    /// department, or, for an agreement that names none, by owning one of the systems it
    /// covers — and their suppliers.
    async fn area_of_department(&self, department: Uuid) -> Result<(Vec<Uuid>, Vec<Uuid>)> {
        let dept = department.to_string();
        let q = store::ListQuery { kind: "agreement", limit: 100_000, ..Default::default() };
        let (rows, _) = self.store.list_entries(&q).await?;
        let q = store::ListQuery { kind: "system", limit: 100_000, ..Default::default() };
        let owned_systems: Vec<String> = self
            .store
            .list_entries(&q)
            .await?
            .0
            .into_iter()
            .filter(|r| r.body.get("owner_department_id").and_then(|d| d.as_str()) == Some(dept.as_str()))
            .map(|r| r.id.to_string())
            .collect();
        let belongs = |body: &serde_json::Value| match body.get("department_id").and_then(|d| d.as_str()) {
            Some(d) => d == dept,
            None => body
                .pointer("/scope/systems")
                .and_then(|v| v.as_array())
                .is_some_and(|systems| systems.iter().filter_map(|x| x.as_str()).any(|x| owned_systems.iter().any(|o| o == x))),
        };
        let area: Vec<store::EntryRow> = rows.into_iter().filter(|r| belongs(&r.body)).collect();
        let agreements = area.iter().map(|r| r.id).collect();
        let mut suppliers: Vec<Uuid> = area.into_iter().flat_map(|r| r.owners).collect();
        suppliers.sort();
        suppliers.dedup();
        Ok((suppliers, agreements))
    }

    /// F-08: a refusal of an authenticated caller for an object outside their reach is
    /// evidence: recorded (who, what, which id) and answered as if the object did not
    /// exist. Recording never changes the answer.
    pub(crate) async fn refuse(&self, actor: &Actor, what: &str, kind: &str, id: Option<Uuid>) -> AppError {
        self.record_refusal(actor, what, kind, id).await;
        AppError::NotFound
    }

    /// As [`App::refuse`], for a refusal that names its reason on a field.
    pub(crate) async fn refuse_with(&self, actor: &Actor, what: &str, kind: &str, id: Option<Uuid>, e: FieldError) -> AppError {
        self.record_refusal(actor, what, kind, id).await;
        AppError::Invalid(e)
    }

    /// F-10: a request refused for going over a rate limit, recorded (the caller when a
    /// token names one, else the client's address).
    pub async fn record_rate_limited(&self, actor: Option<&Actor>, client: &str, kind: &str, path: &str) {
        let actor = actor.cloned().unwrap_or_else(|| Actor { name: client.to_string(), ..Actor::system("rate limit") });
        let details = json!({ "limit": kind, "path": path, "client": client });
        let e = AuditRecord::new(&actor, AuditAction::RequestRateLimited, "request", None, self.now()).outcome("denied").details(details);
        if let Err(err) = self.store.record_audit(&e).await {
            tracing::warn!(error = %err, "could not record a rate-limited request");
        }
    }

    pub(crate) async fn record_refusal(&self, actor: &Actor, what: &str, kind: &str, id: Option<Uuid>) {
        if actor.kind == ActorKind::System {
            return;
        }
        let e = AuditRecord::new(actor, AuditAction::AccessDenied, kind, id, self.now())
            .outcome("denied")
            .details(json!({ "attempted": what }));
        if let Err(err) = self.store.record_audit(&e).await {
            tracing::warn!(error = %err, "could not record a refused attempt");
        }
    }
}
