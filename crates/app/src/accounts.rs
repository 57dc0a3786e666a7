//! Accounts outside the request flow: activation evidence (ACC-4), authenticators
//! (ACC-7), lock (ACC-9) and revocation (REQ-7), emergency temp accounts (EMG-1, EMG-2),
//! supplier support accounts (EMG-3), the daily lifecycle (ACC-5, AGR-1, X-3, ACC-3) and
//! the end of consultant engagements (AGR-6).

use crate::provisioning::action;
use crate::{App, AppError, Result};
use domain::account::{self, AccountKind, AccountStatus, DisableReason, EvidenceKind, LifecycleAccount};
use domain::authz::{Action, Actor, ResourceKind, Scope, UserRole};
use domain::codes;
use domain::error::FieldError;
use domain::registry::{Agreement, Person, Profile};
use domain::text::{Name, Text};
use domain::time::{Date, Timestamp};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use store::{AccountInsert, AccountQuery, AccountRow, AuditRecord, AuthenticatorRow, EvidenceRow, NewEntry};
use uuid::Uuid;

/// What the daily run did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LifecycleReport {
    pub disabled_end_date: usize,
    pub disabled_agreement_ended: usize,
    pub disabled_inactive: usize,
    pub support_activated: usize,
    pub usernames_released: u64,
    pub requests_expired: usize,
    pub emergency_signoffs_overdue: usize,
    pub deletion_confirmations_overdue: usize,
}

/// An authenticator to record (ACC-7).
#[derive(Debug, Clone)]
pub struct NewAuthenticator {
    pub kind: Name,
    pub serial: Name,
    pub issued_on: Date,
    pub identity_checked_by: Name,
    pub billed_supplier_id: Option<Uuid>,
}

/// A temp account to create in an emergency (EMG-1).
#[derive(Debug, Clone)]
pub struct EmergencyInput {
    /// The temp's name; a person is created for them.
    pub name: Name,
    pub profiles: Vec<Uuid>,
    /// The last day of the temp account.
    pub valid_to: Date,
}

/// A support account to request (EMG-3).
#[derive(Debug, Clone)]
pub struct SupportInput {
    pub person_id: Uuid,
    pub agreement_id: Uuid,
    pub profiles: Vec<Uuid>,
    pub valid_from: Date,
    pub valid_to: Date,
    pub purpose: Text,
}

/// A line of the coordinator's emergency reconciliation (EMG-2).
#[derive(Debug, Clone, Serialize)]
pub struct EmergencyLine {
    pub account_id: Uuid,
    pub username: String,
    pub person_name: String,
    pub status: AccountStatus,
    pub created_by: Option<String>,
    pub created_at: Timestamp,
    pub signoff_due: Option<Timestamp>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<Timestamp>,
    /// No sign-off and the deadline has passed.
    pub overdue: bool,
}

/// A consultant engagement whose deletion confirmation is missing (AGR-6).
#[derive(Debug, Clone, Serialize)]
pub struct OverdueDeletion {
    pub agreement_id: Uuid,
    pub title: String,
    pub supplier_id: Uuid,
    pub ended: Date,
    pub due: Date,
}

impl App {
    fn account_scope(&self, actor: &Actor, action: Action) -> Result<Scope> {
        self.allow(actor, action, ResourceKind::Account)
    }

    /// A person the actor may act on: a supplier's actor only its own staff.
    async fn person_for(&self, actor: &Actor, person: Uuid) -> Result<Person> {
        let scope = self.account_scope(actor, Action::Update)?;
        let row = self.store.get_entry(person).await?.filter(|r| r.kind == "person").ok_or(AppError::NotFound)?;
        if scope == Scope::OwnSupplier && !actor.supplier().is_some_and(|s| row.owners.contains(&s)) {
            return Err(AppError::NotFound);
        }
        serde_json::from_value(row.body).map_err(|e| AppError::Internal(e.to_string()))
    }

    /// An account the actor may see: a supplier's actor only those under its agreements.
    pub async fn account(&self, actor: &Actor, id: Uuid) -> Result<AccountRow> {
        if actor.role != UserRole::LocalAdministrator {
            self.account_scope(actor, Action::Read)?;
        }
        let acc = self.store.account(id).await?.ok_or(AppError::NotFound)?;
        if let Some(own) = actor.supplier() {
            let owned = match acc.agreement_id {
                Some(a) => self.store.get_entry(a).await?.is_some_and(|e| e.owners.contains(&own)),
                None => false,
            };
            if !owned {
                return Err(AppError::NotFound);
            }
        } else if actor.role == UserRole::LocalAdministrator && acc.kind != AccountKind::Emergency {
            return Err(AppError::NotFound);
        }
        Ok(acc)
    }

    /// Lists accounts; a supplier's actor sees only its own.
    pub async fn list_accounts(&self, actor: &Actor, mut q: AccountQuery) -> Result<(Vec<AccountRow>, u64)> {
        match actor.supplier() {
            Some(own) => q.supplier_id = Some(own),
            None if actor.role == UserRole::LocalAdministrator => q.kind = Some(AccountKind::Emergency.as_str()),
            None => {}
        }
        if actor.role != UserRole::LocalAdministrator {
            self.account_scope(actor, Action::Read)?;
        }
        Ok(self.store.list_accounts(&q).await?)
    }

    /// ACC-4: records that a person was informed of the duty of confidentiality (§152),
    /// trained, or had their identity checked; accounts waiting for it are activated.
    pub async fn record_evidence(&self, actor: &Actor, person: Uuid, kind: EvidenceKind, note: Option<Text>) -> Result<Vec<EvidenceRow>> {
        self.person_for(actor, person).await?;
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
        tx.commit(AuditRecord::new(actor, "person.evidence", "person", Some(person), now).details(json!({ "kind": kind }))).await?;
        // Activation is its own change: the evidence is committed first, so it counts.
        for acc in waiting {
            let mut tx = self.store.begin().await?;
            if self.try_activate(&mut tx, actor, &acc, now).await? {
                tx.commit(AuditRecord::new(actor, "account.activation_check", "account", Some(acc.id), now)).await?;
            } else {
                tx.rollback().await?;
            }
        }
        Ok(self.store.evidence(person).await?)
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
        let p = self.person_for(actor, person).await?;
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
        tx.commit(AuditRecord::new(actor, "person.authenticator", "person", Some(person), now).details(json!({ "kind": row.kind })))
            .await?;
        Ok(self.store.authenticators(person).await?)
    }

    pub async fn authenticators(&self, actor: &Actor, person: Uuid) -> Result<Vec<AuthenticatorRow>> {
        self.get::<Person>(actor, person).await?;
        Ok(self.store.authenticators(person).await?)
    }

    /// ACC-9: the coordinator locks an account at once on suspected compromise.
    pub async fn lock_account(&self, actor: &Actor, id: Uuid, reason: Text) -> Result<AccountRow> {
        if actor.role != UserRole::SecurityCoordinator {
            return Err(AppError::Forbidden);
        }
        let acc = self.account(actor, id).await?;
        if !matches!(acc.status, AccountStatus::Active | AccountStatus::AwaitingActivation) {
            return Err(FieldError::with("id", codes::ACCOUNT_NOT_ACTIVE, acc.status.as_str()).into());
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.end_account(&mut tx, actor, &acc, (AccountStatus::Locked, reason.as_str()), None, now).await?;
        tx.commit(AuditRecord::new(actor, "account.lock_ordered", "account", Some(id), now)).await?;
        self.account(actor, id).await
    }

    /// Lifts a lock: the account is enabled again.
    pub async fn unlock_account(&self, actor: &Actor, id: Uuid) -> Result<AccountRow> {
        if actor.role != UserRole::SecurityCoordinator {
            return Err(AppError::Forbidden);
        }
        let acc = self.account(actor, id).await?;
        if acc.status != AccountStatus::Locked {
            return Err(FieldError::with("id", codes::ILLEGAL_TRANSITION, acc.status.as_str()).into());
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.set_account_status(id, AccountStatus::Active, None, acc.version, now).await?;
        tx.enqueue(&action("enable", &acc, None, json!({})), now).await?;
        tx.commit(AuditRecord::new(actor, "account.unlock", "account", Some(id), now)).await?;
        self.account(actor, id).await
    }

    /// REQ-7: the security officer revokes any account at once, bypassing approvals,
    /// with a reason.
    pub async fn revoke_account(&self, actor: &Actor, id: Uuid, reason: &str) -> Result<AccountRow> {
        if actor.role != UserRole::SecurityOfficer {
            return Err(AppError::Forbidden);
        }
        if reason.trim().is_empty() {
            return Err(FieldError::new("reason", codes::REASON_REQUIRED).into());
        }
        let acc = self.account(actor, id).await?;
        if acc.status == AccountStatus::Terminated {
            return Err(FieldError::with("id", codes::ILLEGAL_TRANSITION, acc.status.as_str()).into());
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.end_account(&mut tx, actor, &acc, (AccountStatus::Terminated, reason.trim()), None, now).await?;
        tx.commit(AuditRecord::new(actor, "account.revoke", "account", Some(id), now).details(json!({ "reason": reason.trim() }))).await?;
        self.account(actor, id).await
    }

    /// EMG-1: a local administrator creates a temp account at any hour, limited to the
    /// emergency scope. It is active at once; the unit leader signs it off afterwards.
    pub async fn create_emergency_account(&self, actor: &Actor, input: EmergencyInput) -> Result<Vec<AccountRow>> {
        if actor.role != UserRole::LocalAdministrator {
            return Err(AppError::Forbidden);
        }
        let department = actor.department.ok_or(AppError::Forbidden)?;
        let policy = self.active_preset().await?.policy;
        let now = self.now();
        if input.valid_to < now.date() {
            return Err(FieldError::new("valid_to", codes::ENDS_BEFORE_START).into());
        }
        let mut profiles: Vec<(Uuid, Profile)> = Vec::new();
        for (i, id) in input.profiles.iter().enumerate() {
            let p: Profile = self.record(*id).await.map_err(|_| FieldError::new(format!("profiles[{i}]"), codes::UNKNOWN_REFERENCE))?;
            profiles.push((*id, p));
        }
        let codes_: Vec<String> = profiles.iter().map(|(_, p)| p.code.to_string()).collect();
        account::check_emergency_scope(&policy, &codes_)?;
        let person_id = Uuid::now_v7();
        let person = Person { name: input.name.clone(), email: None, affiliations: vec![], national_id: None, national_id_on_file: false };
        let mut by_system: HashMap<Uuid, Vec<(Uuid, Profile)>> = HashMap::new();
        for (id, p) in profiles {
            by_system.entry(p.system_id).or_default().push((id, p));
        }
        let mut systems: Vec<Uuid> = by_system.keys().copied().collect();
        systems.sort();
        let mut tx = self.store.begin().await?;
        let entry = NewEntry {
            id: person_id,
            kind: "person",
            name: person.name.to_string(),
            unique_key: None,
            body: serde_json::to_value(&person).map_err(|e| AppError::Internal(e.to_string()))?,
            national_id: None,
            owners: vec![],
            references: vec![],
        };
        tx.insert_entry(&entry, now).await?;
        tx.append_audit(
            &AuditRecord::new(actor, "registry.create", "person", Some(person_id), now)
                .details(json!({ "name": entry.name, "emergency": true })),
        )
        .await?;
        let mut ids = Vec::new();
        for system_id in systems {
            let system: domain::registry::System = self.record(system_id).await?;
            let taken = self.store.unavailable_usernames(system_id).await?.into_iter().collect();
            let pattern = system.username_pattern.as_ref().map(|p| p.to_string()).unwrap_or_else(|| "{initials:3}{n}".into());
            let parts = account::NameParts { person: input.name.as_str(), ..Default::default() };
            let username = account::generate_username(&format!("vik{pattern}"), parts, &taken)?;
            let roles = by_system[&system_id].iter().flat_map(|(pid, p)| p.roles.iter().map(move |r| (*r, Some(*pid)))).collect();
            let insert = AccountInsert {
                id: Uuid::now_v7(),
                person_id,
                system_id,
                agreement_id: None,
                username,
                status: AccountStatus::Active,
                kind: AccountKind::Emergency,
                valid_from: now.date(),
                valid_to: Some(input.valid_to),
                request_id: None,
                created_by: actor.name.clone(),
                department_id: Some(department),
                purpose: None,
                signoff_due: Some(account::signoff_due(now, &policy)),
                roles,
            };
            self.create_account(&mut tx, actor, &insert, None, true, now).await?;
            ids.push(insert.id);
        }
        tx.commit(AuditRecord::new(actor, "emergency.create", "person", Some(person_id), now).details(json!({ "accounts": ids }))).await?;
        let mut out = Vec::new();
        for id in ids {
            out.extend(self.store.account(id).await?);
        }
        Ok(out)
    }

    /// EMG-1, EMG-2: a local administrator deletes a temp account; the deletion needs its
    /// own sign-off.
    pub async fn delete_emergency_account(&self, actor: &Actor, id: Uuid) -> Result<AccountRow> {
        if actor.role != UserRole::LocalAdministrator {
            return Err(AppError::Forbidden);
        }
        let acc = self.account(actor, id).await?;
        if acc.kind != AccountKind::Emergency || acc.status == AccountStatus::Terminated {
            return Err(FieldError::with("id", codes::ILLEGAL_TRANSITION, acc.status.as_str()).into());
        }
        let policy = self.active_preset().await?.policy;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.end_account(&mut tx, actor, &acc, (AccountStatus::Terminated, "emergency account deleted"), None, now).await?;
        tx.reset_signoff(id, account::signoff_due(now, &policy)).await?;
        tx.commit(AuditRecord::new(actor, "emergency.delete", "account", Some(id), now)).await?;
        self.account(actor, id).await
    }

    /// EMG-2: the unit's leader signs off a temp account's creation or deletion.
    pub async fn sign_off_emergency(&self, actor: &Actor, id: Uuid) -> Result<AccountRow> {
        let acc = self.store.account(id).await?.filter(|a| a.kind == AccountKind::Emergency).ok_or(AppError::NotFound)?;
        if actor.role != UserRole::DepartmentHead || actor.department.is_none() || actor.department != acc.department_id {
            return Err(FieldError::new("department", codes::NOT_YOUR_AREA).into());
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if !tx.sign_off_account(id, &actor.name, now).await? {
            tx.rollback().await?;
            return Err(FieldError::new("id", codes::ALREADY_SIGNED_OFF).into());
        }
        tx.commit(AuditRecord::new(actor, "emergency.sign_off", "account", Some(id), now)).await?;
        self.store.account(id).await?.ok_or(AppError::NotFound)
    }

    /// EMG-2: the coordinator's reconciliation of temp accounts against sign-offs;
    /// unsigned ones past their deadline are flagged.
    pub async fn emergency_reconciliation(&self, actor: &Actor) -> Result<Vec<EmergencyLine>> {
        if !matches!(actor.role, UserRole::SecurityCoordinator | UserRole::SecurityOfficer | UserRole::Auditor) {
            return Err(AppError::Forbidden);
        }
        let now = self.now();
        let (accounts, _) = self
            .store
            .list_accounts(&AccountQuery { kind: Some(AccountKind::Emergency.as_str()), limit: 10_000, ..Default::default() })
            .await?;
        let names = self.names(&accounts.iter().map(|a| a.person_id).collect::<Vec<_>>()).await?;
        let mut lines: Vec<EmergencyLine> = accounts
            .into_iter()
            .map(|a| EmergencyLine {
                account_id: a.id,
                person_name: names.get(&a.person_id).cloned().unwrap_or_default(),
                username: a.username,
                status: a.status,
                created_by: a.created_by,
                created_at: a.created_at,
                signoff_due: a.signoff_due,
                overdue: a.signed_off_at.is_none() && a.signoff_due.is_some_and(|d| d < now),
                signed_off_by: a.signed_off_by,
                signed_off_at: a.signed_off_at,
            })
            .collect();
        lines.sort_by_key(|l| (!l.overdue, l.signed_off_at.is_some(), l.created_at));
        Ok(lines)
    }

    /// EMG-3: a supplier support account with wide access, for one task and period; it is
    /// not active until the security officer approves it.
    pub async fn request_support_account(&self, actor: &Actor, input: SupportInput) -> Result<AccountRow> {
        if !matches!(actor.role, UserRole::SecurityCoordinator | UserRole::SupplierOrderer) {
            return Err(AppError::Forbidden);
        }
        self.person_for(actor, input.person_id).await.map_err(|e| match e {
            AppError::NotFound => AppError::Invalid(FieldError::new("person_id", codes::UNKNOWN_REFERENCE)),
            other => other,
        })?;
        let agreement: Agreement =
            self.record(input.agreement_id).await.map_err(|_| FieldError::new("agreement_id", codes::UNKNOWN_REFERENCE))?;
        if actor.supplier().is_some_and(|s| s != agreement.supplier_id) {
            return Err(FieldError::new("agreement_id", codes::UNKNOWN_REFERENCE).into());
        }
        let policy = self.active_preset().await?.policy;
        account::check_support_period(input.valid_from, input.valid_to, &policy)?;
        if input.valid_to > agreement.valid_to {
            return Err(FieldError::with("valid_to", codes::END_AFTER_AGREEMENT, agreement.valid_to).into());
        }
        let mut profiles = Vec::new();
        for (i, id) in input.profiles.iter().enumerate() {
            let p: Profile = self.record(*id).await.map_err(|_| FieldError::new(format!("profiles[{i}]"), codes::UNKNOWN_REFERENCE))?;
            profiles.push((*id, p));
        }
        let system_id = profiles.first().map(|(_, p)| p.system_id).ok_or(FieldError::new("profiles", codes::LIST_EMPTY))?;
        if let Some(i) = profiles.iter().position(|(_, p)| p.system_id != system_id) {
            return Err(FieldError::new(format!("profiles[{i}]"), codes::WRONG_SYSTEM).into());
        }
        let person: Person = self.record(input.person_id).await?;
        let system: domain::registry::System = self.record(system_id).await?;
        let taken = self.store.unavailable_usernames(system_id).await?.into_iter().collect();
        let username = account::generate_username(
            "sup{initials:3}{n}",
            account::NameParts { person: person.name.as_str(), ..Default::default() },
            &taken,
        )?;
        let now = self.now();
        let insert = AccountInsert {
            id: Uuid::now_v7(),
            person_id: input.person_id,
            system_id,
            agreement_id: Some(input.agreement_id),
            username,
            status: AccountStatus::PendingApproval,
            kind: AccountKind::Support,
            valid_from: input.valid_from,
            valid_to: Some(input.valid_to),
            request_id: None,
            created_by: actor.name.clone(),
            department_id: Some(system.owner_department_id),
            purpose: Some(input.purpose.to_string()),
            signoff_due: None,
            roles: profiles.iter().flat_map(|(pid, p)| p.roles.iter().map(move |r| (*r, Some(*pid)))).collect(),
        };
        let mut tx = self.store.begin().await?;
        tx.insert_account(&insert, now).await?;
        tx.commit(
            AuditRecord::new(actor, "support.request", "account", Some(insert.id), now)
                .details(json!({ "purpose": insert.purpose, "valid_to": input.valid_to })),
        )
        .await?;
        self.store.account(insert.id).await?.ok_or(AppError::NotFound)
    }

    /// EMG-3: the security officer approves a support account; it is created and enabled
    /// for the approved period (from its first day when approved ahead of it).
    pub async fn approve_support_account(&self, actor: &Actor, id: Uuid) -> Result<AccountRow> {
        if actor.role != UserRole::SecurityOfficer {
            return Err(AppError::Forbidden);
        }
        let acc = self.store.account(id).await?.filter(|a| a.kind == AccountKind::Support).ok_or(AppError::NotFound)?;
        if acc.status != AccountStatus::PendingApproval {
            return Err(FieldError::with("id", codes::ILLEGAL_TRANSITION, acc.status.as_str()).into());
        }
        let now = self.now();
        if acc.valid_to.is_some_and(|t| t < now.date()) {
            return Err(FieldError::new("valid_to", codes::START_IN_PAST).into());
        }
        let started = acc.valid_from <= now.date();
        let mut tx = self.store.begin().await?;
        let status = if started { AccountStatus::Provisioning } else { AccountStatus::AwaitingActivation };
        tx.set_account_status(id, status, Some("approved by the security officer"), acc.version, now).await?;
        let codes_: Vec<String> = Vec::new();
        tx.enqueue(
            &action(
                "create",
                &acc,
                None,
                json!({ "roles": codes_, "valid_to": acc.valid_to, "enabled": started, "must_change_password": true }),
            ),
            now,
        )
        .await?;
        tx.commit(AuditRecord::new(actor, "support.approve", "account", Some(id), now)).await?;
        self.store.account(id).await?.ok_or(AppError::NotFound)
    }

    /// ACC-5, AGR-1, X-3, EMG-3, ACC-3, REQ-6, EMG-2, AGR-6: the daily run, without
    /// anybody acting. Disables accounts past their end date, under ended agreements, or
    /// unused too long; starts approved support accounts on their first day; releases
    /// quarantined usernames; expires requests left undecided long past their wanted
    /// start; and escalates overdue sign-offs and deletion confirmations to the
    /// coordinator (a notification without personal data). Running it twice in a day
    /// changes nothing the second time.
    pub async fn run_lifecycle(&self) -> Result<LifecycleReport> {
        let actor = Actor::system("lifecycle");
        let now = self.now();
        let today = now.date();
        let policy = self.active_preset().await?.policy;
        let mut report = LifecycleReport::default();

        let rows = self.store.lifecycle_accounts().await?;
        let mut agreement_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.agreement_id).collect();
        agreement_ids.sort();
        agreement_ids.dedup();
        let agreements: HashMap<Uuid, (Date, bool)> = self
            .store
            .get_entries(&agreement_ids)
            .await?
            .into_iter()
            .filter_map(|e| serde_json::from_value::<Agreement>(e.body).ok().map(|a| (e.id, (a.valid_to, e.active))))
            .collect();
        let view: Vec<LifecycleAccount> = rows
            .iter()
            .map(|r| LifecycleAccount {
                id: r.id,
                status: r.status,
                kind: r.kind,
                valid_to: r.valid_to,
                agreement: r.agreement_id.and_then(|a| agreements.get(&a).copied()),
                // Only a recorded sign-on counts: an account nobody has reported on is not
                // taken for unused.
                last_activity: r.last_activity_at,
            })
            .collect();
        let to_disable = account::daily_disable(&view, &policy, now);
        let by_id: HashMap<Uuid, &store::LifecycleRow> = rows.iter().map(|r| (r.id, r)).collect();
        let mut tx = self.store.begin().await?;
        let reason_name = |r: &DisableReason| serde_json::to_value(r).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        for reason in [DisableReason::EndDate, DisableReason::AgreementEnded, DisableReason::Inactive] {
            let ids: Vec<Uuid> = to_disable.iter().filter(|(_, r)| *r == reason).map(|(id, _)| *id).collect();
            for chunk in ids.chunks(100) {
                tx.disable_accounts(chunk, &reason_name(&reason), now).await?;
            }
            let mut messages = Vec::with_capacity(ids.len());
            let mut events = Vec::with_capacity(ids.len());
            for id in &ids {
                let r = by_id[id];
                let payload = json!({ "action": "disable", "account_id": id, "system_id": r.system_id, "username": r.username, "request_id": null, "reason": reason_name(&reason) });
                messages.push(store::OutboxMessage { id: Uuid::now_v7(), topic: crate::provisioning::PROVISION.into(), payload });
                events.push(AuditRecord::new(&actor, "account.disabled", "account", Some(*id), now).details(json!({ "reason": reason })));
                if reason == DisableReason::Inactive {
                    // the owner's orderer is told (a link, no personal data).
                    let note = json!({ "kind": "account_disabled_inactive", "account_id": id });
                    messages.push(store::OutboxMessage { id: Uuid::now_v7(), topic: "notify".into(), payload: note });
                }
            }
            tx.enqueue_many(&messages, now).await?;
            tx.append_audit_many(&events).await?;
            match reason {
                DisableReason::EndDate => report.disabled_end_date = ids.len(),
                DisableReason::AgreementEnded => report.disabled_agreement_ended = ids.len(),
                _ => report.disabled_inactive = ids.len(),
            }
        }
        // EMG-3: approved support accounts start on their first day.
        for r in rows.iter().filter(|r| r.kind == AccountKind::Support && r.status == AccountStatus::AwaitingActivation) {
            if let Some(acc) = self.store.account(r.id).await?
                && acc.valid_from <= today
                && acc.valid_to.is_none_or(|t| t >= today)
            {
                tx.set_account_status(acc.id, AccountStatus::Active, Some("support period started"), acc.version, now).await?;
                tx.enqueue(&action("enable", &acc, None, json!({})), now).await?;
                tx.append_audit(&AuditRecord::new(&actor, "account.active", "account", Some(acc.id), now)).await?;
                report.support_activated += 1;
            }
        }
        report.usernames_released = tx.release_quarantine(now).await?;
        tx.commit(AuditRecord::new(&actor, "lifecycle.run", "lifecycle", None, now).details(json!(report))).await?;
        // Requests nobody decided within a month after the wanted start expire.
        let open = self
            .store
            .list_requests(&store::RequestQuery { states: vec!["submitted", "department_approved"], limit: 10_000, ..Default::default() })
            .await?
            .0;
        for row in open {
            let mut req: domain::request::AccessRequest =
                serde_json::from_value(row.body.clone()).map_err(|e| AppError::Internal(e.to_string()))?;
            if (today.0 - req.wanted_start.0).num_days() > 30 && req.apply(domain::request::Step::Expire, &actor, None, now).is_ok() {
                let mut tx = self.store.begin().await?;
                let body = serde_json::to_value(&req).map_err(|e| AppError::Internal(e.to_string()))?;
                tx.update_request(row.id, &body, row.version, now).await?;
                tx.commit(AuditRecord::new(&actor, "request.expired", "request", Some(row.id), now)).await?;
                report.requests_expired += 1;
            }
        }
        let coordinator = Actor { role: UserRole::SecurityCoordinator, ..actor.clone() };
        report.emergency_signoffs_overdue = self.emergency_reconciliation(&coordinator).await?.iter().filter(|l| l.overdue).count();
        report.deletion_confirmations_overdue = self.overdue_deletions(&coordinator).await?.len();
        // Escalate at most once a day, however often the run is started.
        let escalated_recently = match self.store.last_audit_at("lifecycle.escalate").await? {
            Some(t) => Timestamp::parse(&t).is_ok_and(|t| now.0 - t.0 < chrono::Duration::hours(20)),
            None => false,
        };
        if report.emergency_signoffs_overdue + report.deletion_confirmations_overdue > 0 && !escalated_recently {
            let mut tx = self.store.begin().await?;
            let note = json!({ "kind": "escalation", "emergency_signoffs_overdue": report.emergency_signoffs_overdue, "deletion_confirmations_overdue": report.deletion_confirmations_overdue });
            tx.enqueue(&store::OutboxMessage { id: Uuid::now_v7(), topic: "notify".into(), payload: note.clone() }, now).await?;
            tx.commit(AuditRecord::new(&actor, "lifecycle.escalate", "lifecycle", None, now).details(note)).await?;
        }
        Ok(report)
    }

    /// AGR-6: the supplier confirms that all personal data from a consultant engagement
    /// was deleted.
    pub async fn confirm_deletion(&self, actor: &Actor, agreement_id: Uuid, note: Option<Text>) -> Result<()> {
        let agreement = self.get::<Agreement>(actor, agreement_id).await?;
        if !matches!(actor.role, UserRole::SupplierOrderer | UserRole::SecurityCoordinator) {
            return Err(AppError::Forbidden);
        }
        if !agreement.data.consultant_engagement {
            return Err(FieldError::new("agreement_id", codes::INVALID_VALUE).into());
        }
        let now = self.now();
        if agreement.data.valid_to >= now.date() {
            return Err(FieldError::with("agreement_id", codes::NOT_ENDED, agreement.data.valid_to).into());
        }
        let mut tx = self.store.begin().await?;
        if !tx.confirm_deletion(agreement_id, &actor.name, note.as_ref().map(|n| n.as_str()), now).await? {
            tx.rollback().await?;
            return Err(FieldError::new("agreement_id", codes::ALREADY_ACCEPTED).into());
        }
        tx.commit(AuditRecord::new(actor, "agreement.deletion_confirmed", "agreement", Some(agreement_id), now)).await?;
        Ok(())
    }

    /// AGR-6: ended consultant engagements whose deletion confirmation is overdue.
    pub async fn overdue_deletions(&self, actor: &Actor) -> Result<Vec<OverdueDeletion>> {
        let scope = self.allow(actor, Action::Read, ResourceKind::Agreement)?;
        let days = i64::from(self.active_preset().await?.policy.engagement.deletion_confirmation_days.value);
        let today = self.now().date();
        let confirmed: Vec<Uuid> = self.store.deletion_confirmations().await?.into_iter().map(|(a, _)| a).collect();
        let owned_by = match (scope, actor.supplier()) {
            (Scope::OwnSupplier, Some(s)) => vec![s],
            _ => vec![],
        };
        let (rows, _) =
            self.store.list_entries(&store::ListQuery { kind: "agreement", owned_by, limit: 100_000, ..Default::default() }).await?;
        let mut out = Vec::new();
        for row in rows {
            let a: Agreement = serde_json::from_value(row.body).map_err(|e| AppError::Internal(e.to_string()))?;
            let due = Date(a.valid_to.0 + chrono::Duration::days(days));
            if a.consultant_engagement && due < today && !confirmed.contains(&row.id) {
                out.push(OverdueDeletion {
                    agreement_id: row.id,
                    title: a.title.to_string(),
                    supplier_id: a.supplier_id,
                    ended: a.valid_to,
                    due,
                });
            }
        }
        Ok(out)
    }

    /// a target system (or its log export) reports sign-ons, so that inactivity can
    /// be measured: `(username, time)` pairs for one system, the latest per account
    /// kept. For the IT operator's or administrator's token. Returns how many matched an
    /// account; unknown usernames are counted out, not refused (they are the security
    /// report's business, SEC-1).
    pub async fn record_sign_ons(&self, actor: &Actor, system_id: Uuid, sign_ons: &[(String, Timestamp)]) -> Result<usize> {
        if !matches!(actor.role, UserRole::ItOperator | UserRole::Administrator) {
            return Err(AppError::Forbidden);
        }
        let _: domain::registry::System =
            self.record(system_id).await.map_err(|_| FieldError::new("system_id", codes::UNKNOWN_REFERENCE))?;
        let now = self.now();
        if let Some(i) = sign_ons.iter().position(|(_, at)| *at > now) {
            return Err(FieldError::new(format!("sign_ons[{i}].at"), codes::INVALID_VALUE).into());
        }
        let mut tx = self.store.begin().await?;
        let mut matched = 0;
        for (username, at) in sign_ons {
            if tx.record_sign_on(system_id, username, *at).await? {
                matched += 1;
            }
        }
        tx.commit(
            AuditRecord::new(actor, "account.sign_ons", "system", Some(system_id), now)
                .details(json!({ "reported": sign_ons.len(), "matched": matched })),
        )
        .await?;
        Ok(matched)
    }

    /// the termination reports, with the time from report to disable.
    pub async fn termination_reports(&self, actor: &Actor) -> Result<Vec<store::TerminationReport>> {
        if !matches!(actor.role, UserRole::SecurityCoordinator | UserRole::SecurityOfficer | UserRole::Auditor | UserRole::Dpo) {
            return Err(AppError::Forbidden);
        }
        Ok(self.store.termination_reports().await?)
    }
}
