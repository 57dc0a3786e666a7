//! Emergency temp accounts (EMG-1, EMG-2) and supplier support accounts (EMG-3).

use crate::provisioning::action;
use crate::{App, AppError, Result};
use domain::account::{self, AccountKind, AccountStatus};
use domain::audit_action::AuditAction;
use domain::authz::{Actor, Permission, Scope, UserRole};
use domain::codes;
use domain::error::FieldError;
use domain::registry::{Agreement, Person, Profile};
use domain::text::{Name, Text};
use domain::time::{Date, Timestamp};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use store::{AccountInsert, AccountQuery, AccountRow, AuditRecord, NewEntry};
use uuid::Uuid;

/// A temp account to create in an emergency (EMG-1).
#[derive(Debug, Clone)]
pub struct EmergencyInput {
    /// The temp's name; a person is created for them.
    pub name: Name,
    /// The temp's employer, when a supplier: recorded as the person's affiliation.
    pub supplier_id: Option<Uuid>,
    /// Why the temp is needed now; the unit's leader reads it before signing off.
    pub reason: Option<Text>,
    pub profiles: Vec<Uuid>,
    /// The last day of the temp account.
    pub valid_to: Date,
    /// Create it although a live temp account has the same name (another person).
    pub same_name_confirmed: bool,
}

/// What the local administrator hands over after creating a temp account (EMG-1): the
/// accounts, one per system, and the initial password, shown this once.
#[derive(Debug, Clone)]
pub struct EmergencyReceipt {
    pub accounts: Vec<AccountRow>,
    pub initial_password: String,
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

/// A line of the coordinator's emergency reconciliation, and of a unit leader's
/// sign-offs (EMG-2).
#[derive(Debug, Clone, Serialize)]
pub struct EmergencyLine {
    pub account_id: Uuid,
    /// The temp: one person per creation, with an account per system.
    pub person_id: Uuid,
    pub username: String,
    pub person_name: String,
    pub system_name: String,
    pub status: AccountStatus,
    pub valid_to: Option<Date>,
    /// Why the temp account was made, as the local administrator wrote it.
    pub reason: Option<String>,
    pub created_by: Option<String>,
    pub created_at: Timestamp,
    pub department_id: Option<Uuid>,
    pub department_name: String,
    /// Who signs off: the unit's leaders who use Portvagt (department heads of the
    /// unit), else the head the registry names.
    pub signer: Option<String>,
    /// The registry's substitute for the head during a long absence (T p.61).
    pub signer_substitute: Option<String>,
    pub signoff_due: Option<Timestamp>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<Timestamp>,
    pub reminded_at: Option<Timestamp>,
    /// No sign-off and the deadline has passed.
    pub overdue: bool,
}

impl App {
    /// EMG-2: only the leader of the unit a temp account was made in decides on it; a
    /// temp account of another unit is not shown to exist (the attempt is recorded).
    async fn own_unit(&self, actor: &Actor, acc: &AccountRow) -> Result<()> {
        let scope = self.permit(actor, Permission::SignOffEmergency)?;
        if !self.reach(actor, scope).await?.covers_department(acc.department_id, None) {
            return Err(self.refuse(actor, Permission::SignOffEmergency.as_str(), "account", Some(acc.id)).await);
        }
        Ok(())
    }

    /// EMG-1: a local administrator creates a temp account at any hour, limited to the
    /// emergency scope. It is active at once; the unit leader signs it off afterwards.
    pub async fn create_emergency_account(&self, actor: &Actor, input: EmergencyInput) -> Result<EmergencyReceipt> {
        if !self.can(actor, Permission::CreateEmergency) {
            return Err(AppError::Forbidden);
        }
        let department = actor.department.ok_or(AppError::Forbidden)?;
        let policy = self.active_preset().await?.policy;
        let now = self.now();
        account::check_emergency_validity(now.date(), input.valid_to, &policy)?;
        if let Some(supplier) = input.supplier_id {
            self.record::<domain::registry::Supplier>(supplier)
                .await
                .map_err(|_| FieldError::new("supplier_id", codes::UNKNOWN_REFERENCE))?;
        }
        if !input.same_name_confirmed {
            let same = self.live_emergency_usernames_of(input.name.as_str()).await?;
            if !same.is_empty() {
                return Err(FieldError::with("name", codes::EMERGENCY_NAME_EXISTS, same.join(", ")).into());
            }
        }
        let mut profiles: Vec<(Uuid, Profile)> = Vec::new();
        for (i, id) in input.profiles.iter().enumerate() {
            let p: Profile = self.record(*id).await.map_err(|_| FieldError::new(format!("profiles[{i}]"), codes::UNKNOWN_REFERENCE))?;
            profiles.push((*id, p));
        }
        let codes_: Vec<String> = profiles.iter().map(|(_, p)| p.code.to_string()).collect();
        account::check_emergency_scope(&policy, &codes_)?;
        let person_id = Uuid::now_v7();
        let affiliations = input
            .supplier_id
            .map(|supplier_id| domain::registry::Affiliation {
                supplier_id,
                from: now.date(),
                to: Some(input.valid_to),
                employee_ref: None,
            })
            .into_iter()
            .collect();
        let person = Person { name: input.name.clone(), email: None, affiliations, national_id: None, national_id_on_file: false };
        let password = account::generate_password(&policy.target_password, &mut rand::rngs::OsRng);
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
            &AuditRecord::new(actor, AuditAction::RegistryCreate, "person", Some(person_id), now)
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
                purpose: input.reason.as_ref().map(|r| r.to_string()),
                signoff_due: Some(account::signoff_due(now, &policy)),
                roles,
            };
            self.create_account(&mut tx, actor, &insert, None, (true, Some(&password)), now).await?;
            ids.push(insert.id);
        }
        tx.commit(
            AuditRecord::new(actor, AuditAction::EmergencyCreate, "person", Some(person_id), now).details(json!({ "accounts": ids })),
        )
        .await?;
        let mut accounts = Vec::new();
        for id in ids {
            accounts.extend(self.store.account(id).await?);
        }
        Ok(EmergencyReceipt { accounts, initial_password: password })
    }

    /// The usernames of live temp accounts whose person has this name (any case).
    async fn live_emergency_usernames_of(&self, name: &str) -> Result<Vec<String>> {
        let (accounts, _) = self
            .store
            .list_accounts(&AccountQuery { kind: Some(AccountKind::Emergency.as_str()), limit: 10_000, ..Default::default() })
            .await?;
        let live: Vec<AccountRow> = accounts.into_iter().filter(|a| a.status.is_live()).collect();
        let names = self.names(&live.iter().map(|a| a.person_id).collect::<Vec<_>>()).await?;
        let wanted = name.trim().to_lowercase();
        let mut out: Vec<String> = live
            .into_iter()
            .filter(|a| names.get(&a.person_id).is_some_and(|n| n.trim().to_lowercase() == wanted))
            .map(|a| a.username)
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// EMG-1, EMG-2: a local administrator deletes a temp account; the deletion needs its
    /// own sign-off.
    pub async fn delete_emergency_account(&self, actor: &Actor, id: Uuid) -> Result<AccountRow> {
        let scope = self.permit(actor, Permission::DeleteEmergency)?;
        let acc = self.account(actor, id).await?;
        if !self.account_within(actor, scope, &acc).await? {
            return Err(self.refuse(actor, Permission::DeleteEmergency.as_str(), "account", Some(id)).await);
        }
        if acc.kind != AccountKind::Emergency || acc.status == AccountStatus::Terminated {
            return Err(FieldError::with("id", codes::ILLEGAL_TRANSITION, acc.status.as_str()).into());
        }
        let policy = self.active_preset().await?.policy;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.end_account(&mut tx, actor, &acc, (AccountStatus::Terminated, "emergency account deleted"), None, now).await?;
        tx.reset_signoff(id, account::signoff_due(now, &policy)).await?;
        tx.commit(AuditRecord::new(actor, AuditAction::EmergencyDelete, "account", Some(id), now)).await?;
        self.account(actor, id).await
    }

    /// EMG-2: the unit's leader signs off a temp account's creation or deletion.
    pub async fn sign_off_emergency(&self, actor: &Actor, id: Uuid) -> Result<AccountRow> {
        let acc = self.signoff_of_own_unit(actor, id).await?;
        self.decide_signoffs(actor, &[acc], None).await?;
        self.store.account(id).await?.ok_or(AppError::NotFound)
    }

    /// EMG-2: instead of signing off, the unit's leader orders a temp account deleted: it
    /// ends at once (closed in its target system like any ending), and the leader's
    /// decision is its sign-off. The reason is required and kept in the audit trail.
    pub async fn order_emergency_deletion(&self, actor: &Actor, id: Uuid, reason: Text) -> Result<AccountRow> {
        let acc = self.signoff_of_own_unit(actor, id).await?;
        if acc.status == AccountStatus::Terminated {
            return Err(FieldError::with("id", codes::ILLEGAL_TRANSITION, acc.status.as_str()).into());
        }
        self.decide_signoffs(actor, &[acc], Some(&reason)).await?;
        self.store.account(id).await?.ok_or(AppError::NotFound)
    }

    /// EMG-2: the unit's leader signs off one temp — every account of theirs that waits,
    /// one per system — at once, as the paper form covered the temp.
    pub async fn sign_off_emergency_temp(&self, actor: &Actor, person: Uuid) -> Result<Vec<AccountRow>> {
        let accounts = self.waiting_signoffs_of(actor, person).await?;
        self.decide_signoffs(actor, &accounts, None).await
    }

    /// EMG-2: the unit's leader orders every account of one temp deleted, with the reason.
    pub async fn order_emergency_deletion_temp(&self, actor: &Actor, person: Uuid, reason: Text) -> Result<Vec<AccountRow>> {
        let accounts = self.waiting_signoffs_of(actor, person).await?;
        self.decide_signoffs(actor, &accounts, Some(&reason)).await
    }

    /// Signs the accounts off in one transaction, each with its audit event; with a
    /// reason, ends the live ones first (the deletion the leader orders).
    async fn decide_signoffs(&self, actor: &Actor, accounts: &[AccountRow], deletion: Option<&Text>) -> Result<Vec<AccountRow>> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        for acc in accounts {
            if deletion.is_some() && acc.status != AccountStatus::Terminated {
                self.end_account(&mut tx, actor, acc, (AccountStatus::Terminated, "deletion ordered by the unit's leader"), None, now)
                    .await?;
            }
            if !tx.sign_off_account(acc.id, &actor.name, now).await? {
                tx.rollback().await?;
                return Err(FieldError::new("id", codes::ALREADY_SIGNED_OFF).into());
            }
            let event = match deletion {
                Some(reason) => AuditRecord::new(actor, AuditAction::EmergencyDeletionOrdered, "account", Some(acc.id), now)
                    .details(json!({ "reason": reason.as_str() })),
                None => AuditRecord::new(actor, AuditAction::EmergencySignOff, "account", Some(acc.id), now),
            };
            tx.append_audit(&event).await?;
        }
        let ids: Vec<Uuid> = accounts.iter().map(|a| a.id).collect();
        tx.commit(
            AuditRecord::new(actor, AuditAction::EmergencySignoffsDecided, "account", ids.first().copied(), now)
                .details(json!({ "accounts": ids })),
        )
        .await?;
        let mut out = Vec::new();
        for id in ids {
            out.extend(self.store.account(id).await?);
        }
        Ok(out)
    }

    /// An emergency account waiting for the sign-off of the actor's own unit: another
    /// unit's, or one already signed off, is refused.
    async fn signoff_of_own_unit(&self, actor: &Actor, id: Uuid) -> Result<AccountRow> {
        self.permit(actor, Permission::SignOffEmergency)?;
        let acc = self.store.account(id).await?.filter(|a| a.kind == AccountKind::Emergency).ok_or(AppError::NotFound)?;
        self.own_unit(actor, &acc).await?;
        if acc.signed_off_at.is_some() {
            return Err(FieldError::new("id", codes::ALREADY_SIGNED_OFF).into());
        }
        Ok(acc)
    }

    /// A temp's accounts that wait for a sign-off; none (all decided) is refused, and so
    /// is any of another unit.
    async fn waiting_signoffs_of(&self, actor: &Actor, person: Uuid) -> Result<Vec<AccountRow>> {
        self.permit(actor, Permission::SignOffEmergency)?;
        let query = AccountQuery { person_id: Some(person), kind: Some(AccountKind::Emergency.as_str()), limit: 100, ..Default::default() };
        let (accounts, _) = self.store.list_accounts(&query).await?;
        if accounts.is_empty() {
            return Err(AppError::NotFound);
        }
        for acc in &accounts {
            self.own_unit(actor, acc).await?;
        }
        let waiting: Vec<AccountRow> = accounts.into_iter().filter(|a| a.signed_off_at.is_none()).collect();
        if waiting.is_empty() {
            return Err(FieldError::new("id", codes::ALREADY_SIGNED_OFF).into());
        }
        Ok(waiting)
    }

    /// EMG-2: who signs off a unit's temp accounts: (the unit's name, its department
    /// heads who use Portvagt — else the head the registry names —, the registry's
    /// substitute).
    pub async fn signers_of_unit(&self, unit: Uuid) -> Result<(String, Option<String>, Option<String>)> {
        let Ok(d) = self.record::<domain::registry::Department>(unit).await else { return Ok(Default::default()) };
        let leaders: Vec<String> = self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| u.active && u.role == UserRole::DepartmentHead && u.department_id == Some(unit))
            .map(|u| u.display_name)
            .collect();
        let signer = if leaders.is_empty() { d.head.as_ref().map(|h| h.name.to_string()) } else { Some(leaders.join(", ")) };
        Ok((d.name.to_string(), signer, d.substitute.as_ref().map(|s| s.name.to_string())))
    }

    /// EMG-2: the coordinator reminds the unit's leader of a sign-off that waits. The
    /// reminder is recorded on the account and in the audit trail, and queued as a
    /// notification for the leader (without personal data).
    pub async fn remind_emergency_signoff(&self, actor: &Actor, id: Uuid) -> Result<AccountRow> {
        self.permit(actor, Permission::RemindSignOff)?;
        let acc = self.store.account(id).await?.filter(|a| a.kind == AccountKind::Emergency).ok_or(AppError::NotFound)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if !tx.remind_signoff(id, now).await? {
            tx.rollback().await?;
            return Err(FieldError::new("id", codes::ALREADY_SIGNED_OFF).into());
        }
        let note =
            json!({ "kind": "emergency_signoff_reminder", "account_id": id, "department_id": acc.department_id, "due": acc.signoff_due });
        tx.enqueue(&store::OutboxMessage { id: Uuid::now_v7(), topic: "notify".into(), payload: note.clone() }, now).await?;
        tx.commit(AuditRecord::new(actor, AuditAction::EmergencyRemind, "account", Some(id), now).details(note)).await?;
        self.store.account(id).await?.ok_or(AppError::NotFound)
    }

    /// EMG-2: the coordinator's reconciliation of temp accounts against sign-offs
    /// (unsigned ones past their deadline flagged, with who must sign); a unit leader
    /// sees only their own unit's.
    pub async fn emergency_reconciliation(&self, actor: &Actor) -> Result<Vec<EmergencyLine>> {
        let own_unit = match self.permit(actor, Permission::SeeEmergency)? {
            Scope::All => None,
            _ => Some(actor.department.ok_or(AppError::Forbidden)?),
        };
        let now = self.now();
        let (mut accounts, _) = self
            .store
            .list_accounts(&AccountQuery { kind: Some(AccountKind::Emergency.as_str()), limit: 10_000, ..Default::default() })
            .await?;
        if let Some(unit) = own_unit {
            accounts.retain(|a| a.department_id == Some(unit));
        }
        let mut ids: Vec<Uuid> = accounts.iter().flat_map(|a| [a.person_id, a.system_id]).collect();
        ids.sort();
        ids.dedup();
        let names = self.names(&ids).await?;
        let mut units: HashMap<Uuid, (String, Option<String>, Option<String>)> = HashMap::new();
        for unit in accounts.iter().filter_map(|a| a.department_id) {
            if let std::collections::hash_map::Entry::Vacant(e) = units.entry(unit) {
                e.insert(self.signers_of_unit(unit).await?);
            }
        }
        let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
        let mut lines: Vec<EmergencyLine> = accounts
            .into_iter()
            .map(|a| {
                let (department_name, signer, signer_substitute) = a.department_id.and_then(|d| units.get(&d).cloned()).unwrap_or_default();
                EmergencyLine {
                    account_id: a.id,
                    person_id: a.person_id,
                    person_name: name(&a.person_id),
                    system_name: name(&a.system_id),
                    username: a.username,
                    status: a.status,
                    valid_to: a.valid_to,
                    reason: a.purpose,
                    created_by: a.created_by,
                    created_at: a.created_at,
                    department_id: a.department_id,
                    department_name,
                    signer,
                    signer_substitute,
                    signoff_due: a.signoff_due,
                    overdue: a.signed_off_at.is_none() && a.signoff_due.is_some_and(|d| d < now),
                    signed_off_by: a.signed_off_by,
                    signed_off_at: a.signed_off_at,
                    reminded_at: a.signoff_reminded_at,
                }
            })
            .collect();
        // Who created and who signed off, by their names rather than their usernames.
        let usernames: Vec<String> = lines.iter().flat_map(|l| [l.created_by.clone(), l.signed_off_by.clone()]).flatten().collect();
        let people = self.display_names(&usernames).await;
        for l in &mut lines {
            for by in [&mut l.created_by, &mut l.signed_off_by].into_iter().flatten() {
                if let Some(n) = people.get(by.as_str()) {
                    *by = n.clone();
                }
            }
        }
        lines.sort_by_key(|l| (!l.overdue, l.signed_off_at.is_some(), l.created_at));
        Ok(lines)
    }

    /// EMG-3: a supplier support account with wide access, for one task and period; it is
    /// not active until the security officer approves it.
    pub async fn request_support_account(&self, actor: &Actor, input: SupportInput) -> Result<AccountRow> {
        self.permit(actor, Permission::RequestSupport)?;
        self.person_for(actor, input.person_id, Permission::RequestSupport).await.map_err(|e| match e {
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
            AuditRecord::new(actor, AuditAction::SupportRequest, "account", Some(insert.id), now)
                .details(json!({ "purpose": insert.purpose, "valid_to": input.valid_to })),
        )
        .await?;
        self.store.account(insert.id).await?.ok_or(AppError::NotFound)
    }

    /// EMG-3: the security officer approves a support account; it is created and enabled
    /// for the approved period (from its first day when approved ahead of it).
    pub async fn approve_support_account(&self, actor: &Actor, id: Uuid) -> Result<AccountRow> {
        self.permit(actor, Permission::ApproveSupport)?;
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
        tx.commit(AuditRecord::new(actor, AuditAction::SupportApprove, "account", Some(id), now)).await?;
        self.store.account(id).await?.ok_or(AppError::NotFound)
    }
}
