//! Accounts outside the request flow: activation evidence (ACC-4), authenticators
//! (ACC-7), lock (ACC-9) and revocation (REQ-7).

use crate::provisioning::action;
use crate::{App, AppError, Result};
use domain::account::{AccountKind, AccountStatus, EvidenceKind};
use domain::audit_action::AuditAction;
use domain::authz::{Action, Actor, Permission, ResourceKind, Scope, UserRole};
use domain::codes;
use domain::error::FieldError;
use domain::registry::Person;
use domain::text::{Name, Text};
use domain::time::Date;
use serde_json::json;
use store::{AccountQuery, AccountRow, AuditRecord, AuthenticatorRow, EvidenceRow};
use uuid::Uuid;

/// An authenticator to record (ACC-7).
#[derive(Debug, Clone)]
pub struct NewAuthenticator {
    pub kind: Name,
    pub serial: Name,
    pub issued_on: Date,
    pub identity_checked_by: Name,
    pub billed_supplier_id: Option<Uuid>,
}

impl App {
    /// A person the actor may act on with `permission`: a supplier's actor only its own
    /// staff, a department head only the staff of their area's suppliers.
    pub(crate) async fn person_for(&self, actor: &Actor, person: Uuid, permission: Permission) -> Result<Person> {
        let scope = self.permit(actor, permission)?;
        let row = self.store.get_entry(person).await?.filter(|r| r.kind == "person").ok_or(AppError::NotFound)?;
        if !self.reach(actor, scope).await?.owns(&row.owners) {
            return Err(self.refuse(actor, permission.as_str(), "person", Some(person)).await);
        }
        serde_json::from_value(row.body).map_err(|e| AppError::Internal(e.to_string()))
    }

    /// An account the actor may see: a supplier's actor only those under its agreements,
    /// a department's roles only those of their department (a local administrator only
    /// its temp accounts).
    pub async fn account(&self, actor: &Actor, id: Uuid) -> Result<AccountRow> {
        let scope = self.allow(actor, Action::Read, ResourceKind::Account)?;
        let acc = self.store.account(id).await?.ok_or(AppError::NotFound)?;
        if !self.account_within(actor, scope, &acc).await? {
            return Err(self.refuse(actor, "account.read", "account", Some(id)).await);
        }
        Ok(acc)
    }

    /// Whether an account is within the reach of `scope`.
    pub(crate) async fn account_within(&self, actor: &Actor, scope: Scope, acc: &AccountRow) -> Result<bool> {
        Ok(match scope {
            Scope::All => true,
            Scope::OwnSupplier => match (acc.agreement_id, actor.supplier()) {
                (Some(a), Some(own)) => self.store.get_entry(a).await?.is_some_and(|e| e.owners.contains(&own)),
                _ => false,
            },
            Scope::OwnDepartment => {
                let temps_only = actor.role == UserRole::LocalAdministrator;
                (!temps_only || acc.kind == AccountKind::Emergency)
                    && self.reach(actor, scope).await?.covers_department(acc.department_id, acc.agreement_id)
            }
            Scope::OwnPerson => false,
        })
    }

    /// An account the actor may act on with `permission`.
    async fn account_for(&self, actor: &Actor, id: Uuid, permission: Permission) -> Result<AccountRow> {
        let scope = self.permit(actor, permission)?;
        let acc = self.store.account(id).await?.ok_or(AppError::NotFound)?;
        if !self.account_within(actor, scope, &acc).await? {
            return Err(self.refuse(actor, permission.as_str(), "account", Some(id)).await);
        }
        Ok(acc)
    }

    /// RPT-1: the dashboard's figures and when they were counted; a supplier's actor
    /// sees its own supplier's. Counting runs over every account, so the figures are
    /// kept for [`crate::DASHBOARD_MAX_AGE_SECS`] per scope.
    pub async fn dashboard(&self, actor: &Actor) -> Result<(store::DashboardFigures, domain::time::Timestamp)> {
        // The same reach as the accounts and requests lists the figures open.
        let scope = match self.allow(actor, Action::Read, ResourceKind::Account)? {
            Scope::All => store::DashboardScope::default(),
            Scope::OwnSupplier => store::DashboardScope { supplier: actor.supplier().or(Some(Uuid::nil())), ..Default::default() },
            Scope::OwnDepartment => store::DashboardScope {
                department: actor.department.or(Some(Uuid::nil())),
                agreements: self.reach(actor, Scope::OwnDepartment).await?.agreements,
                ..Default::default()
            },
            Scope::OwnPerson => return Err(AppError::Forbidden),
        };
        let now = self.now();
        let cached = self.dashboard_cache.lock().unwrap_or_else(|e| e.into_inner()).get(&scope).cloned();
        if let Some((at, figures)) = cached
            && (now.0 - at.0).num_seconds() < crate::DASHBOARD_MAX_AGE_SECS
            && at <= now
        {
            return Ok((figures, at));
        }
        let today = now.date();
        let until = domain::time::Date(today.0 + chrono::Duration::days(30));
        let figures = self.store.dashboard(&scope, today, until, &last_twelve_months(today)).await?;
        self.dashboard_cache.lock().unwrap_or_else(|e| e.into_inner()).insert(scope, (now, figures.clone()));
        Ok((figures, now))
    }

    /// Lists accounts; a supplier's actor sees only its own.
    pub async fn list_accounts(&self, actor: &Actor, mut q: AccountQuery) -> Result<(Vec<AccountRow>, u64)> {
        match self.allow(actor, Action::Read, ResourceKind::Account)? {
            Scope::All => {}
            Scope::OwnSupplier => q.supplier_id = actor.supplier().or(Some(Uuid::nil())),
            Scope::OwnDepartment => {
                let reach = self.reach(actor, Scope::OwnDepartment).await?;
                q.department_id = actor.department.or(Some(Uuid::nil()));
                q.or_agreements = reach.agreements;
                if actor.role == UserRole::LocalAdministrator {
                    q.kind = Some(AccountKind::Emergency.as_str());
                    q.or_agreements = Vec::new();
                }
            }
            Scope::OwnPerson => return Ok((Vec::new(), 0)),
        }
        Ok(self.store.list_accounts(&q).await?)
    }

    /// ACC-4: records that a person was informed of the duty of confidentiality (§152),
    /// trained, or had their identity checked; accounts waiting for it are activated.
    pub async fn record_evidence(&self, actor: &Actor, person: Uuid, kind: EvidenceKind, note: Option<Text>) -> Result<Vec<EvidenceRow>> {
        self.person_for(actor, person, Permission::RecordEvidence).await?;
        let now = self.now();
        let row = EvidenceRow {
            id: Uuid::now_v7(),
            person_id: person,
            kind: serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
            recorded_at: now,
            recorded_by: actor.name.clone(),
            note: note.map(|n| n.to_string()),
        };
        let mut tx = self.store.begin().await?;
        tx.insert_evidence(&row).await?;
        let waiting = self
            .store
            .list_accounts(&AccountQuery {
                person_id: Some(person),
                statuses: vec![AccountStatus::AwaitingActivation.as_str()],
                limit: 500,
                ..Default::default()
            })
            .await?
            .0;
        tx.commit(AuditRecord::new(actor, AuditAction::PersonEvidence, "person", Some(person), now).details(json!({ "kind": kind })))
            .await?;
        // Activation is its own change: the evidence is committed first, so it counts.
        for acc in waiting {
            let mut tx = self.store.begin().await?;
            if self.try_activate(&mut tx, actor, &acc, now).await? {
                tx.commit(AuditRecord::new(actor, AuditAction::AccountActivationCheck, "account", Some(acc.id), now)).await?;
            } else {
                tx.rollback().await?;
            }
        }
        Ok(self.store.evidence(person).await?)
    }

    /// The kinds of evidence recorded for persons the actor has just listed (and so may
    /// see): one query for a whole page. Persons the actor may not see are left out.
    /// ACC-4: the kinds of evidence each person has, with when each was last recorded.
    pub async fn evidence_kinds(
        &self,
        actor: &Actor,
        persons: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, Vec<(String, domain::time::Timestamp)>>> {
        let scope = self.allow(actor, Action::Read, ResourceKind::Person)?;
        let mut kinds = self.store.evidence_kinds(persons).await?;
        if scope != Scope::All {
            let reach = self.reach(actor, scope).await?;
            // One read for the whole page of persons, not one per person.
            let visible: std::collections::HashSet<Uuid> =
                self.store.get_entries(persons).await?.into_iter().filter(|e| reach.owns(&e.owners)).map(|e| e.id).collect();
            kinds.retain(|p, _| visible.contains(p));
        }
        Ok(kinds)
    }

    pub async fn evidence(&self, actor: &Actor, person: Uuid) -> Result<Vec<EvidenceRow>> {
        self.get::<Person>(actor, person).await?;
        Ok(self.store.evidence(person).await?)
    }

    /// What still stands before the person's accounts under `agreement` may be activated.
    pub async fn activation_status(&self, actor: &Actor, person: Uuid, agreement: Option<Uuid>) -> Result<Vec<String>> {
        self.get::<Person>(actor, person).await?;
        self.activation_missing(person, agreement).await
    }

    /// ACC-7: records an e-ID card, token or phone issued to a person.
    pub async fn add_authenticator(&self, actor: &Actor, person: Uuid, a: NewAuthenticator) -> Result<Vec<AuthenticatorRow>> {
        let p = self.person_for(actor, person, Permission::RecordAuthenticator).await?;
        if let Some(s) = a.billed_supplier_id
            && !p.affiliations.iter().any(|x| x.supplier_id == s)
        {
            return Err(FieldError::new("billed_supplier_id", codes::NOT_AFFILIATED).into());
        }
        let now = self.now();
        let row = AuthenticatorRow {
            id: Uuid::now_v7(),
            person_id: person,
            kind: a.kind.to_string(),
            serial: a.serial.to_string(),
            issued_on: a.issued_on,
            identity_checked_by: a.identity_checked_by.to_string(),
            status: "issued".into(),
            billed_supplier_id: a.billed_supplier_id,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_authenticator(&row, now).await?;
        tx.commit(
            AuditRecord::new(actor, AuditAction::PersonAuthenticator, "person", Some(person), now).details(json!({ "kind": row.kind })),
        )
        .await?;
        Ok(self.store.authenticators(person).await?)
    }

    pub async fn authenticators(&self, actor: &Actor, person: Uuid) -> Result<Vec<AuthenticatorRow>> {
        self.get::<Person>(actor, person).await?;
        Ok(self.store.authenticators(person).await?)
    }

    /// ACC-9: the coordinator locks an account at once on suspected compromise.
    pub async fn lock_account(&self, actor: &Actor, id: Uuid, reason: Text) -> Result<AccountRow> {
        let acc = self.account_for(actor, id, Permission::LockAccount).await?;
        if !matches!(acc.status, AccountStatus::Active | AccountStatus::AwaitingActivation) {
            return Err(FieldError::with("id", codes::ACCOUNT_NOT_ACTIVE, acc.status.as_str()).into());
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.end_account(&mut tx, actor, &acc, (AccountStatus::Locked, reason.as_str()), None, now).await?;
        tx.set_locked_from(id, acc.status).await?;
        tx.commit(AuditRecord::new(actor, AuditAction::AccountLockOrdered, "account", Some(id), now)).await?;
        self.account(actor, id).await
    }

    /// Lifts a lock: the account returns to the state it was locked from (ACC-4, ACC-9).
    /// One that was still waiting for its evidence waits again, and becomes active only
    /// when nothing stands before it any more; only an account that returns to active is
    /// enabled in its target system.
    pub async fn unlock_account(&self, actor: &Actor, id: Uuid) -> Result<AccountRow> {
        let acc = self.account_for(actor, id, Permission::UnlockAccount).await?;
        if acc.status != AccountStatus::Locked {
            return Err(FieldError::with("id", codes::ILLEGAL_TRANSITION, acc.status.as_str()).into());
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let back_to = match tx.locked_from(id).await? {
            Some(AccountStatus::AwaitingActivation) => AccountStatus::AwaitingActivation,
            _ => AccountStatus::Active,
        };
        let version = tx.set_account_status(id, back_to, None, acc.version, now).await?;
        if back_to == AccountStatus::Active {
            tx.enqueue(&action("enable", &acc, None, json!({})), now).await?;
        } else {
            self.try_activate(&mut tx, actor, &AccountRow { status: back_to, version, ..acc.clone() }, now).await?;
        }
        tx.commit(AuditRecord::new(actor, AuditAction::AccountUnlock, "account", Some(id), now).details(json!({ "to": back_to.as_str() })))
            .await?;
        self.account(actor, id).await
    }

    /// REQ-7: the security officer revokes any account at once, bypassing approvals,
    /// with a reason.
    pub async fn revoke_account(&self, actor: &Actor, id: Uuid, reason: &str) -> Result<AccountRow> {
        self.permit(actor, Permission::RevokeAccount)?;
        if reason.trim().is_empty() {
            return Err(FieldError::new("reason", codes::REASON_REQUIRED).into());
        }
        let acc = self.account_for(actor, id, Permission::RevokeAccount).await?;
        if acc.status == AccountStatus::Terminated {
            return Err(FieldError::with("id", codes::ILLEGAL_TRANSITION, acc.status.as_str()).into());
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.end_account(&mut tx, actor, &acc, (AccountStatus::Terminated, reason.trim()), None, now).await?;
        tx.commit(
            AuditRecord::new(actor, AuditAction::AccountRevoke, "account", Some(id), now).details(json!({ "reason": reason.trim() })),
        )
        .await?;
        self.account(actor, id).await
    }

    /// REQ-7, ACC-6: the security officer closes every live account of a person at once
    /// (an incident), in one transaction with one audit event per account. Returns the
    /// person's accounts afterwards.
    pub async fn revoke_person(&self, actor: &Actor, person: Uuid, reason: &str) -> Result<Vec<AccountRow>> {
        self.permit(actor, Permission::ClosePersonAccounts)?;
        if reason.trim().is_empty() {
            return Err(FieldError::new("reason", codes::REASON_REQUIRED).into());
        }
        self.get::<Person>(actor, person).await?;
        let query = AccountQuery { person_id: Some(person), limit: 1000, ..Default::default() };
        let (accounts, _) = self.list_accounts(actor, query.clone()).await?;
        let live: Vec<&AccountRow> = accounts.iter().filter(|a| a.status != AccountStatus::Terminated).collect();
        if live.is_empty() {
            return Err(FieldError::new("person_id", codes::NOTHING_TO_CLOSE).into());
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        for acc in &live {
            self.end_account(&mut tx, actor, acc, (AccountStatus::Terminated, reason.trim()), None, now).await?;
            tx.append_audit(
                &AuditRecord::new(actor, AuditAction::AccountRevoke, "account", Some(acc.id), now)
                    .details(json!({ "reason": reason.trim(), "all_of_person": true })),
            )
            .await?;
        }
        tx.commit(
            AuditRecord::new(actor, AuditAction::PersonRevokeAll, "person", Some(person), now)
                .details(json!({ "reason": reason.trim(), "accounts": live.iter().map(|a| a.id).collect::<Vec<_>>() })),
        )
        .await?;
        Ok(self.list_accounts(actor, query).await?.0)
    }
}

/// The twelve months up to and including `today`'s, oldest first, as `YYYY-MM`.
fn last_twelve_months(today: domain::time::Date) -> Vec<String> {
    use chrono::Datelike;
    let (mut y, mut m) = (today.0.year(), today.0.month());
    let mut out = Vec::with_capacity(12);
    for _ in 0..12 {
        out.push(format!("{y:04}-{m:02}"));
        if m == 1 {
            (y, m) = (y - 1, 12);
        } else {
            m -= 1;
        }
    }
    out.reverse();
    out
}
