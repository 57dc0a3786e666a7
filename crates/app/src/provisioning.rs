//! Carrying out approved requests (PRV-1, PRV-2): account changes and their provisioning
//! actions, written as outbox rows in the transaction that approves; the worker that
//! turns outbox rows into work; and the manual connector — a task list for the IT
//! operator, who confirms or fails each action. A failed action is queued again with
//! back-off until it is confirmed.

use crate::requests::{LIVE, Loaded};
use crate::{App, AppError, Result};
use connectors::{AccountSpec, Connector, ConnectorError, Provision};
use domain::account::{self, AccountKind, AccountStatus, EvidenceKind};
use domain::audit_action::AuditAction;
use domain::authz::{Actor, Permission, Scope};
use domain::codes;
use domain::error::FieldError;
use domain::registry::{Agreement, Person, Role, Supplier, System};
use domain::request::{AccessRequest, RequestKind, Step};
use domain::time::Timestamp;
use serde_json::{Value, json};
use std::collections::HashSet;
use store::{AccountInsert, AccountQuery, AccountRow, AuditRecord, OutboxMessage, TaskRow, Tx};
use uuid::Uuid;

pub(crate) const PROVISION: &str = "provision";

/// A provisioning action for the outbox.
pub(crate) fn action(kind: &str, acc: &AccountRow, request_id: Option<Uuid>, extra: Value) -> OutboxMessage {
    let mut payload = json!({
        "action": kind,
        "account_id": acc.id,
        "system_id": acc.system_id,
        "username": acc.username,
        "request_id": request_id,
    });
    if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            p.insert(k.clone(), v.clone());
        }
    }
    OutboxMessage { id: Uuid::now_v7(), topic: PROVISION.into(), payload }
}

/// A test failpoint: with `PORTVAGT_FAILPOINT_PAUSE_AFTER_SEND_MS` set, the worker
/// pauses between carrying an action out and recording its result, so a test can kill
/// the process exactly there (PRV-2). Unset in production.
async fn failpoint_after_send() {
    static PAUSE: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    if let Some(ms) = *PAUSE.get_or_init(|| std::env::var("PORTVAGT_FAILPOINT_PAUSE_AFTER_SEND_MS").ok().and_then(|v| v.parse().ok())) {
        tracing::warn!(pause_ms = ms, "failpoint: action sent, pausing before recording its result");
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

/// A failed action's payload for its next attempt.
fn retry_payload(payload: &Value, attempt: i64) -> Value {
    let mut p = payload.clone();
    p["attempt"] = json!(attempt + 1);
    // A password already handed to a person (an emergency account's receipt) must be
    // the one set, whichever attempt succeeds; any other is made afresh each attempt.
    let handed_over = p.get("password_handed_over").and_then(|v| v.as_bool()).unwrap_or(false);
    if let Some(o) = p.as_object_mut()
        && !handed_over
    {
        o.remove("initial_password");
    }
    p
}

/// When to try again after failed attempt number `attempt`: 15 minutes after the first,
/// doubling up to 16 hours.
fn retry_at(now: Timestamp, attempt: i64) -> Timestamp {
    Timestamp(now.0 + chrono::Duration::minutes(15 * (1 << (attempt - 1).clamp(0, 6))))
}

pub(crate) fn body<R: serde::de::DeserializeOwned>(v: Value) -> Result<R> {
    serde_json::from_value(v).map_err(|e| AppError::Internal(e.to_string()))
}

impl App {
    pub(crate) async fn record<R: domain::registry::Record>(&self, id: Uuid) -> Result<R> {
        let row = self.store.get_entry(id).await?.filter(|r| r.kind == R::KIND.as_str()).ok_or(AppError::NotFound)?;
        body(row.body)
    }

    /// Writes the account changes of an approved request and their provisioning actions
    /// into `tx`. Returns how many accounts it touched.
    pub(crate) async fn carry_out(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        request_id: Uuid,
        req: &AccessRequest,
        loaded: &Loaded,
        now: Timestamp,
    ) -> Result<usize> {
        match req.kind {
            RequestKind::NewAccount => {
                let system_id = req.system_id.ok_or(FieldError::new("system_id", codes::MISSING_FIELD))?;
                let system: System = self.record(system_id).await?;
                let supplier = match req.supplier_id {
                    Some(s) => Some(self.record::<Supplier>(s).await?.name.to_string()),
                    None => None,
                };
                let taken: HashSet<String> = self.store.unavailable_usernames(system_id).await?.into_iter().collect();
                let pattern = system.username_pattern.as_ref().map(|p| p.to_string()).unwrap_or_else(|| "{initials:3}{n}".into());
                let department = self.record::<domain::registry::Department>(req.department_id).await.ok().map(|d| d.code.to_string());
                let parts = account::NameParts {
                    person: loaded.person.name.as_str(),
                    supplier: supplier.as_deref(),
                    department: department.as_deref(),
                };
                let username = account::generate_username(&pattern, parts, &taken)?;
                let roles: Vec<(Uuid, Option<Uuid>)> =
                    loaded.profiles.iter().flat_map(|(pid, p)| p.roles.iter().map(move |r| (*r, Some(*pid)))).collect();
                let insert = AccountInsert {
                    id: Uuid::now_v7(),
                    person_id: req.person_id,
                    system_id,
                    agreement_id: req.agreement_id,
                    username,
                    status: AccountStatus::Provisioning,
                    kind: AccountKind::Regular,
                    valid_from: req.wanted_start,
                    valid_to: req.end_date,
                    request_id: Some(request_id),
                    created_by: actor.name.clone(),
                    department_id: Some(req.department_id),
                    purpose: None,
                    signoff_due: None,
                    roles,
                };
                self.create_account(tx, actor, &insert, Some(request_id), (false, None), now).await?;
                Ok(1)
            }
            RequestKind::ChangeRoles => {
                let acc = self
                    .store
                    .account(req.account_id.ok_or(FieldError::new("account_id", codes::MISSING_FIELD))?)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let roles: Vec<(Uuid, Option<Uuid>)> =
                    loaded.profiles.iter().flat_map(|(pid, p)| p.roles.iter().map(move |r| (*r, Some(*pid)))).collect();
                tx.set_account_roles(acc.id, &roles).await?;
                let codes = self.role_codes(&roles).await?;
                tx.enqueue(&action("set_groups", &acc, Some(request_id), json!({ "roles": codes })), now).await?;
                tx.append_audit(
                    &AuditRecord::new(actor, AuditAction::AccountChangeRoles, "account", Some(acc.id), now)
                        .details(json!({ "request_id": request_id })),
                )
                .await?;
                Ok(1)
            }
            RequestKind::Extension => {
                let acc = self
                    .store
                    .account(req.account_id.ok_or(FieldError::new("account_id", codes::MISSING_FIELD))?)
                    .await?
                    .ok_or(AppError::NotFound)?;
                tx.set_account_end(acc.id, req.end_date).await?;
                tx.enqueue(&action("set_expiry", &acc, Some(request_id), json!({ "valid_to": req.end_date })), now).await?;
                tx.append_audit(
                    &AuditRecord::new(actor, AuditAction::AccountExtend, "account", Some(acc.id), now)
                        .details(json!({ "valid_to": req.end_date })),
                )
                .await?;
                Ok(1)
            }
            RequestKind::Termination => {
                let mut accounts: Vec<AccountRow> = match req.account_id {
                    Some(id) => self.store.account(id).await?.into_iter().filter(|a| a.status.is_live()).collect(),
                    None => self.live_accounts_of(req.person_id).await?,
                };
                // A supplier's termination ends the person's work for that supplier: the
                // accounts under its agreements, not those another supplier ordered.
                if let Some(supplier) = req.supplier_id {
                    let mut agreements: Vec<Uuid> = accounts.iter().filter_map(|a| a.agreement_id).collect();
                    agreements.sort();
                    agreements.dedup();
                    let own: HashSet<Uuid> = self
                        .store
                        .get_entries(&agreements)
                        .await?
                        .into_iter()
                        .filter(|e| e.owners.contains(&supplier))
                        .map(|e| e.id)
                        .collect();
                    accounts.retain(|a| a.agreement_id.is_some_and(|g| own.contains(&g)));
                }
                // A department head's termination ends the accounts of their department.
                if req.supplier_id.is_none() && self.permit(actor, Permission::ReportLeaver).ok() == Some(Scope::OwnDepartment) {
                    accounts.retain(|a| a.department_id == Some(req.department_id));
                }
                for acc in &accounts {
                    self.end_account(tx, actor, acc, (AccountStatus::Terminated, "terminated"), Some(request_id), now).await?;
                }
                // a leaver's own Portvagt sessions and tokens end at once, and the
                // time from the report to the disabling is recorded.
                if req.account_id.is_none() {
                    tx.revoke_person_tokens(req.person_id, now).await?;
                    tx.end_person_sessions(req.person_id, now).await?;
                }
                tx.insert_termination_report(req.person_id, req.submitted_at.unwrap_or(now), &actor.name, now, accounts.len() as u64)
                    .await?;
                Ok(accounts.len())
            }
        }
    }

    pub(crate) async fn live_accounts_of(&self, person: Uuid) -> Result<Vec<AccountRow>> {
        Ok(self
            .store
            .list_accounts(&AccountQuery { person_id: Some(person), statuses: LIVE.to_vec(), limit: 1000, ..Default::default() })
            .await?
            .0)
    }

    pub(crate) async fn role_codes(&self, roles: &[(Uuid, Option<Uuid>)]) -> Result<Vec<String>> {
        let ids: Vec<Uuid> = roles.iter().map(|(r, _)| *r).collect();
        let mut codes: Vec<String> =
            self.store.get_entries(&ids).await?.into_iter().filter_map(|e| body::<Role>(e.body).ok()).map(|r| r.code.to_string()).collect();
        codes.sort();
        Ok(codes)
    }

    /// Inserts an account and queues its creation in the target system (and its
    /// enabling, when `enabled`).
    pub(crate) async fn create_account(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        a: &AccountInsert,
        request_id: Option<Uuid>,
        (enabled, handed_over_password): (bool, Option<&str>),
        now: Timestamp,
    ) -> Result<()> {
        tx.insert_account(a, now).await?;
        let row = self.account_stub(a);
        let codes = self.role_codes(&a.roles).await?;
        let mut extra = json!({ "roles": codes, "valid_to": a.valid_to, "enabled": enabled, "must_change_password": true });
        if let Some(pw) = handed_over_password {
            // Sealed with the data key while it waits in the outbox.
            extra["initial_password"] = json!(self.store.seal_secret(&a.id.to_string(), pw)?);
            extra["password_handed_over"] = json!(true);
        }
        tx.enqueue(&action("create", &row, request_id, extra), now).await?;
        tx.append_audit(
            &AuditRecord::new(actor, AuditAction::AccountCreate, "account", Some(a.id), now)
                .details(json!({ "username": a.username, "kind": a.kind, "request_id": request_id })),
        )
        .await?;
        Ok(())
    }

    fn account_stub(&self, a: &AccountInsert) -> AccountRow {
        AccountRow {
            id: a.id,
            person_id: a.person_id,
            system_id: a.system_id,
            agreement_id: a.agreement_id,
            username: a.username.clone(),
            status: a.status,
            kind: a.kind,
            valid_from: a.valid_from,
            valid_to: a.valid_to,
            request_id: a.request_id,
            version: 1,
            status_reason: None,
            activated_at: None,
            disabled_at: None,
            last_activity_at: None,
            created_by: Some(a.created_by.clone()),
            department_id: a.department_id,
            purpose: a.purpose.clone(),
            signoff_due: a.signoff_due,
            signed_off_by: None,
            signed_off_at: None,
            signoff_reminded_at: None,
            created_at: self.now(),
            roles: a.roles.clone(),
        }
    }

    /// Disables, locks or terminates an account and queues the disabling in the target
    /// system; a terminated account's username goes into quarantine (ACC-3).
    pub(crate) async fn end_account(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        acc: &AccountRow,
        (status, reason): (AccountStatus, &str),
        request_id: Option<Uuid>,
        now: Timestamp,
    ) -> Result<()> {
        tx.set_account_status(acc.id, status, Some(reason), acc.version, now).await?;
        if status == AccountStatus::Terminated {
            let policy = self.active_preset().await?.policy;
            tx.quarantine_username(acc.system_id, &acc.username, now, account::quarantine_until(now, &policy)).await?;
        }
        // An account that ends for good: what was still to be done for it is called off.
        // A creation nobody was handed yet never happened: nothing to disable. One the IT
        // operator had as a task may have been carried out: the disabling says so. A lock
        // calls nothing off: the account comes back when it is lifted.
        let (handed, unhanded) = if status == AccountStatus::Terminated {
            tx.call_off_actions(acc.id, &["create", "enable", "set_groups", "set_expiry"], &actor.name, now).await?
        } else {
            (0, 0)
        };
        if handed > 0 {
            tx.enqueue(&action("disable", acc, request_id, json!({ "reason": reason, "if_created": true })), now).await?;
        } else if unhanded == 0 {
            tx.enqueue(&action("disable", acc, request_id, json!({ "reason": reason })), now).await?;
        }
        tx.append_audit(
            &AuditRecord::new(actor, AuditAction::of_status(status), "account", Some(acc.id), now)
                .details(json!({ "reason": reason, "creation_called_off": handed + unhanded > 0 })),
        )
        .await?;
        Ok(())
    }

    /// ACC-4, AGR-4: what still stands before an account of `person` under `agreement`
    /// may be activated.
    pub(crate) async fn activation_missing(&self, person: Uuid, agreement: Option<Uuid>) -> Result<Vec<String>> {
        let policy = self.active_preset().await?.policy;
        let recorded: Vec<EvidenceKind> =
            self.store.evidence(person).await?.into_iter().filter_map(|e| serde_json::from_value(Value::String(e.kind)).ok()).collect();
        let mut missing: Vec<String> = account::missing_evidence(&policy, &recorded)
            .into_iter()
            .map(|k| serde_json::to_value(k).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())
            .collect();
        if let Some(a) = agreement
            && policy.accounts.attestations_block_activation.value
        {
            let agreement: Agreement = self.record(a).await?;
            missing.extend(agreement.missing_attestations(&policy.accounts.required_attestations.value).into_iter().map(|k| {
                format!("attestation:{}", serde_json::to_value(k).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())
            }));
        }
        Ok(missing)
    }

    /// Activates an account waiting for activation if nothing stands before it.
    pub(crate) async fn try_activate(&self, tx: &mut Tx, actor: &Actor, acc: &AccountRow, now: Timestamp) -> Result<bool> {
        if acc.status != AccountStatus::AwaitingActivation || !self.activation_missing(acc.person_id, acc.agreement_id).await?.is_empty() {
            return Ok(false);
        }
        tx.set_account_status(acc.id, AccountStatus::Active, None, acc.version, now).await?;
        tx.enqueue(&action("enable", acc, acc.request_id, json!({})), now).await?;
        tx.append_audit(&AuditRecord::new(actor, AuditAction::AccountActivate, "account", Some(acc.id), now)).await?;
        Ok(true)
    }

    /// The outbox worker, once: every due provisioning action becomes a task for the
    /// IT operator. (LDAP and SCIM connectors will carry out their systems' actions
    /// directly; until they are configured, those actions are manual tasks too.)
    /// Returns how many actions it dispatched. Safe to run again after a crash: an
    /// action's task is created at most once.
    pub async fn process_outbox(&self) -> Result<usize> {
        let now = self.now();
        let messages = self.store.pending_messages(PROVISION, now, 500).await?;
        let worker = Actor::system("outbox");
        for m in &messages {
            let p = &m.payload;
            let id_of = |k: &str| p.get(k).and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok());
            let (Some(account_id), Some(system_id)) = (id_of("account_id"), id_of("system_id")) else {
                let mut tx = self.store.begin().await?;
                tx.retry_message(m.id, "malformed provisioning action", Timestamp(now.0 + chrono::Duration::days(3650))).await?;
                tx.commit(AuditRecord::new(&worker, AuditAction::ProvisionMalformed, "outbox", Some(m.id), now).outcome("failed")).await?;
                continue;
            };
            // A system with a configured connector: carried out directly, retried with
            // back-off while the target is down.
            let system = self.store.get_entry(system_id).await?.map(|e| e.body);
            let code = system.as_ref().and_then(|b| b.get("code").and_then(|c| c.as_str()).map(String::from));
            if let Some(connector) = self.connector_for(system.as_ref()) {
                let outcome = self.run_connector(connector, p, account_id).await;
                failpoint_after_send().await;
                let mut tx = self.store.begin().await?;
                let action_name = p.get("action").and_then(|v| v.as_str()).unwrap_or("unknown").to_string();
                match outcome {
                    Ok(()) => {
                        tx.complete_message(m.id, now).await?;
                        self.action_done(&mut tx, &worker, account_id, &action_name, p, id_of("request_id"), now).await?;
                        tx.commit(
                            AuditRecord::new(&worker, AuditAction::ProvisionDone, "account", Some(account_id), now)
                                .details(json!({ "action": action_name, "system": code })),
                        )
                        .await?;
                    }
                    Err(e) => {
                        // A refusal waits a day for someone to fix the target; an outage is
                        // retried sooner. Either way it shows as failing.
                        let attempt = m.attempts + 1;
                        let at = if e.is_retryable() { retry_at(now, attempt) } else { Timestamp(now.0 + chrono::Duration::hours(24)) };
                        tx.retry_message(m.id, &e.to_string(), at).await?;
                        tx.commit(
                            AuditRecord::new(&worker, AuditAction::ProvisionFailed, "account", Some(account_id), now)
                                .outcome("failed")
                                .details(json!({ "action": action_name, "system": code, "error": e.to_string(), "attempt": attempt })),
                        )
                        .await?;
                    }
                }
                continue;
            }
            // ACC-8: the initial password is made when the action is carried out, to the
            // target system's rules, and is set with "must change at next logon".
            let mut details = p.clone();
            if let Some(pw) = self.handed_over_password(p, account_id)? {
                details["initial_password"] = json!(pw);
            } else if p.get("action").and_then(|v| v.as_str()) == Some("create") {
                let policy = self.active_preset().await?.policy;
                details["initial_password"] = json!(account::generate_password(&policy.target_password, &mut rand::rngs::OsRng));
            }
            let task = TaskRow {
                id: Uuid::now_v7(),
                outbox_id: m.id,
                account_id,
                system_id,
                request_id: id_of("request_id"),
                action: p.get("action").and_then(|v| v.as_str()).unwrap_or("unknown").to_string(),
                details,
                state: "open".into(),
                attempt: p.get("attempt").and_then(|v| v.as_i64()).unwrap_or(1),
                created_at: now,
                decided_at: None,
                decided_by: None,
                note: None,
            };
            let mut tx = self.store.begin().await?;
            tx.insert_task(&task).await?;
            tx.complete_message(m.id, now).await?;
            tx.commit(
                AuditRecord::new(&worker, AuditAction::ProvisionTaskCreated, "account", Some(account_id), now)
                    .details(json!({ "action": task.action, "task_id": task.id })),
            )
            .await?;
        }
        Ok(messages.len())
    }

    /// Provisioning actions through connectors that failed and wait for a retry
    /// (PRV-2), for the coordinator and the IT operator. The initial password is never in
    /// them: it is made at each attempt.
    pub async fn failing_actions(&self, actor: &Actor) -> Result<Vec<store::FailingMessage>> {
        self.permit(actor, Permission::HandleTasks)?;
        Ok(self.store.failing_messages(PROVISION).await?)
    }

    /// Manual tasks, for the IT operator and the coordinator; `state` filters
    /// (`open`, `confirmed`, `failed`).
    pub async fn list_tasks(&self, actor: &Actor, state: Option<&str>) -> Result<Vec<TaskRow>> {
        self.permit(actor, Permission::HandleTasks)?;
        Ok(self.store.list_tasks(state, None).await?)
    }

    /// The operator carried out the action in the target system. A confirmed creation
    /// activates the account when its evidence is complete; the request is fulfilled
    /// when its last action is confirmed.
    pub async fn confirm_task(&self, actor: &Actor, id: Uuid, note: Option<String>) -> Result<TaskRow> {
        self.decide_task(actor, id, true, note).await
    }

    /// The operator could not carry out the action: it is queued again with back-off and
    /// stays visible to the coordinator as failing.
    pub async fn fail_task(&self, actor: &Actor, id: Uuid, note: String) -> Result<TaskRow> {
        if note.trim().is_empty() {
            return Err(FieldError::new("note", codes::REASON_REQUIRED).into());
        }
        self.decide_task(actor, id, false, Some(note)).await
    }

    async fn decide_task(&self, actor: &Actor, id: Uuid, confirmed: bool, note: Option<String>) -> Result<TaskRow> {
        self.permit(actor, Permission::HandleTasks)?;
        let task = self.store.task(id).await?.ok_or(AppError::NotFound)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if !tx.decide_task(id, if confirmed { "confirmed" } else { "failed" }, &actor.name, note.as_deref(), now).await? {
            tx.rollback().await?;
            return Err(FieldError::with("state", codes::ILLEGAL_TRANSITION, task.state).into());
        }
        if confirmed {
            self.action_done(&mut tx, actor, task.account_id, &task.action, &task.details, task.request_id, now).await?;
        } else {
            // Tried again after back-off, and shown as failing with the operator's reason.
            let mut payload = retry_payload(&task.details, task.attempt);
            if let Some(pw) = payload.get("initial_password").and_then(|v| v.as_str()).map(String::from) {
                // A handed-over password goes back into the queue sealed, as it came.
                payload["initial_password"] = json!(self.store.seal_secret(&task.account_id.to_string(), &pw)?);
            }
            let retry = OutboxMessage { id: Uuid::now_v7(), topic: PROVISION.into(), payload };
            let at = retry_at(now, task.attempt);
            tx.enqueue_at(&retry, now, at).await?;
            tx.retry_message(retry.id, note.as_deref().unwrap_or_default(), at).await?;
        }
        let action = if confirmed { AuditAction::TaskConfirm } else { AuditAction::TaskFail };
        tx.commit(
            AuditRecord::new(actor, action, "account", Some(task.account_id), now)
                .details(json!({ "task_id": id, "action": task.action, "note": note })),
        )
        .await?;
        self.store.task(id).await?.ok_or(AppError::NotFound)
    }

    /// What follows once an action is carried out in the target system: a created
    /// account awaits activation (or is active at once when it was created enabled, and
    /// activates if nothing stands before it); the request is fulfilled when its last
    /// action is done.
    #[allow(clippy::too_many_arguments)]
    async fn action_done(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        account_id: Uuid,
        action: &str,
        details: &Value,
        request_id: Option<Uuid>,
        now: Timestamp,
    ) -> Result<()> {
        if action == "create"
            && let Some(acc) = self.store.account(account_id).await?
            && acc.status == AccountStatus::Provisioning
        {
            let enabled = details.get("enabled").and_then(|v| v.as_bool()).unwrap_or(false);
            let next = if enabled { AccountStatus::Active } else { AccountStatus::AwaitingActivation };
            let version = tx.set_account_status(acc.id, next, None, acc.version, now).await?;
            let acc = AccountRow { status: next, version, ..acc };
            self.try_activate(tx, actor, &acc, now).await?;
        }
        if let Some(request_id) = request_id
            && tx.outstanding_for_request(request_id).await? == 0
        {
            self.fulfil(tx, actor, request_id, now).await?;
        }
        Ok(())
    }

    /// The connector that carries out a system's actions: the one configured for its code,
    /// when it is of the kind the system's record names. `None`: manual tasks.
    pub(crate) fn connector_for(&self, system: Option<&Value>) -> Option<&Connector> {
        let system = system?;
        let code = system.get("code").and_then(|c| c.as_str())?;
        let kind = system.get("connector").and_then(|c| c.as_str()).unwrap_or("manual");
        self.connectors.get(code).filter(|c| c.kind() == kind)
    }

    /// The initial password a create action carries because it was handed to the
    /// person already (an emergency account's receipt), opened from its seal.
    fn handed_over_password(&self, p: &Value, account_id: Uuid) -> Result<Option<String>> {
        if !p.get("password_handed_over").and_then(|v| v.as_bool()).unwrap_or(false) {
            return Ok(None);
        }
        match p.get("initial_password").and_then(|v| v.as_str()) {
            Some(sealed) => Ok(Some(self.store.open_secret(&account_id.to_string(), sealed)?)),
            None => Ok(None),
        }
    }

    /// Carries one action out through a connector.
    async fn run_connector(&self, connector: &Connector, p: &Value, account_id: Uuid) -> std::result::Result<(), ConnectorError> {
        let username = p.get("username").and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let groups = |p: &Value| -> Vec<String> {
            p.get("roles")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|g| g.as_str().map(String::from)).collect())
                .unwrap_or_default()
        };
        let valid_to = p.get("valid_to").and_then(|v| v.as_str()).and_then(|d| domain::time::Date::parse(d).ok());
        match p.get("action").and_then(|v| v.as_str()).unwrap_or_default() {
            "create" => {
                let acc = self.store.account(account_id).await.map_err(|e| ConnectorError::Unavailable(e.to_string()))?;
                let name = match acc {
                    Some(a) => self.person_name(a.person_id).await.unwrap_or_default(),
                    None => username.clone(),
                };
                let mut spec = AccountSpec::from_name(&username, &name);
                spec.groups = groups(p);
                spec.valid_to = valid_to;
                spec.enabled = p.get("enabled").and_then(|v| v.as_bool()).unwrap_or(false);
                // ACC-8: made now, to the target's rules, set with "must change" — unless
                // one was handed to the person already.
                spec.initial_password =
                    match self.handed_over_password(p, account_id).map_err(|e| ConnectorError::Unavailable(e.to_string()))? {
                        Some(pw) => Some(pw),
                        None => {
                            let policy = self.active_preset().await.map_err(|e| ConnectorError::Unavailable(e.to_string()))?.policy;
                            Some(account::generate_password(&policy.target_password, &mut rand::rngs::OsRng))
                        }
                    };
                connector.create(&spec).await
            }
            "enable" => connector.set_enabled(&username, true).await,
            "disable" => connector.set_enabled(&username, false).await,
            "set_groups" => connector.set_groups(&username, &groups(p)).await,
            "set_expiry" => connector.set_expiry(&username, valid_to).await,
            other => Err(ConnectorError::Rejected(format!("unknown action {other}"))),
        }
    }

    async fn fulfil(&self, tx: &mut Tx, actor: &Actor, request_id: Uuid, now: Timestamp) -> Result<()> {
        let Some(row) = self.store.request(request_id).await? else { return Ok(()) };
        let mut req: AccessRequest = body(row.body)?;
        if req.apply(Step::Fulfil, actor, None, now).is_ok() {
            let b = serde_json::to_value(&req).map_err(|e| AppError::Internal(e.to_string()))?;
            tx.update_request(request_id, &b, row.version, now).await?;
            tx.append_audit(&AuditRecord::new(actor, AuditAction::RequestFulfilled, "request", Some(request_id), now)).await?;
        }
        Ok(())
    }

    /// The persons and profiles named by ids, for task and account views.
    pub async fn person_name(&self, id: Uuid) -> Result<String> {
        Ok(self.record::<Person>(id).await.map(|p| p.name.to_string()).unwrap_or_default())
    }
}
