//! The daily lifecycle without anybody acting (ACC-5, AGR-1, X-3, ACC-3, EMG-3), the
//! sign-ons that make inactivity measurable, the end of consultant engagements (AGR-6)
//! and the termination reports.

use crate::provisioning::action;
use crate::{App, AppError, Result};
use domain::account::{self, AccountKind, AccountStatus, DisableReason, LifecycleAccount};
use domain::audit_action::AuditAction;
use domain::authz::{Action, Actor, Permission, ResourceKind, UserRole};
use domain::codes;
use domain::error::FieldError;
use domain::registry::Agreement;
use domain::text::Text;
use domain::time::{Date, Timestamp};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use store::AuditRecord;
use uuid::Uuid;

/// What the daily run did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LifecycleReport {
    pub disabled_end_date: usize,
    pub disabled_agreement_ended: usize,
    pub disabled_affiliation_ended: usize,
    pub disabled_inactive: usize,
    pub support_activated: usize,
    pub usernames_released: u64,
    pub requests_expired: usize,
    pub emergency_signoffs_overdue: usize,
    pub deletion_confirmations_overdue: usize,
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
        let agreements: HashMap<Uuid, (Date, bool, Uuid)> = self
            .store
            .get_entries(&agreement_ids)
            .await?
            .into_iter()
            .filter_map(|e| serde_json::from_value::<Agreement>(e.body).ok().map(|a| (e.id, (a.valid_to, e.active, a.supplier_id))))
            .collect();
        // ORG-4: each person's affiliations, for the leavers nobody reported.
        let mut person_ids: Vec<Uuid> = rows.iter().filter(|r| r.agreement_id.is_some()).map(|r| r.person_id).collect();
        person_ids.sort();
        person_ids.dedup();
        let mut affiliations: HashMap<Uuid, Vec<domain::registry::Affiliation>> = HashMap::new();
        for chunk in person_ids.chunks(1000) {
            for e in self.store.get_entries(chunk).await? {
                if let Ok(p) = serde_json::from_value::<domain::registry::Person>(e.body) {
                    affiliations.insert(e.id, p.affiliations);
                }
            }
        }
        let view: Vec<LifecycleAccount> = rows
            .iter()
            .map(|r| LifecycleAccount {
                id: r.id,
                status: r.status,
                kind: r.kind,
                valid_to: r.valid_to,
                agreement: r.agreement_id.and_then(|a| agreements.get(&a)).map(|(end, active, _)| (*end, *active)),
                affiliation_to: r
                    .agreement_id
                    .and_then(|a| agreements.get(&a))
                    .and_then(|(_, _, supplier)| account::affiliation_end(affiliations.get(&r.person_id)?, *supplier)),
                // Only a recorded sign-on counts: an account nobody has reported on is not
                // taken for unused.
                last_activity: r.last_activity_at,
            })
            .collect();
        let to_disable = account::daily_disable(&view, &policy, now);
        let by_id: HashMap<Uuid, &store::LifecycleRow> = rows.iter().map(|r| (r.id, r)).collect();
        let mut tx = self.store.begin().await?;
        let reason_name = |r: &DisableReason| serde_json::to_value(r).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        for reason in [DisableReason::EndDate, DisableReason::AgreementEnded, DisableReason::AffiliationEnded, DisableReason::Inactive] {
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
                events.push(
                    AuditRecord::new(&actor, AuditAction::AccountDisabled, "account", Some(*id), now).details(json!({ "reason": reason })),
                );
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
                DisableReason::AffiliationEnded => report.disabled_affiliation_ended = ids.len(),
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
                tx.append_audit(&AuditRecord::new(&actor, AuditAction::AccountActive, "account", Some(acc.id), now)).await?;
                report.support_activated += 1;
            }
        }
        report.usernames_released = tx.release_quarantine(now).await?;
        tx.commit(AuditRecord::new(&actor, AuditAction::LifecycleRun, "lifecycle", None, now).details(json!(report))).await?;
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
                tx.commit(AuditRecord::new(&actor, AuditAction::RequestExpired, "request", Some(row.id), now)).await?;
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
            tx.commit(AuditRecord::new(&actor, AuditAction::LifecycleEscalate, "lifecycle", None, now).details(note)).await?;
        }
        Ok(report)
    }

    /// AGR-6: the supplier confirms that all personal data from a consultant engagement
    /// was deleted.
    pub async fn confirm_deletion(&self, actor: &Actor, agreement_id: Uuid, note: Option<Text>) -> Result<()> {
        self.permit(actor, Permission::ConfirmDeletion)?;
        let agreement = self.get::<Agreement>(actor, agreement_id).await?;
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
        tx.commit(AuditRecord::new(actor, AuditAction::AgreementDeletionConfirmed, "agreement", Some(agreement_id), now)).await?;
        Ok(())
    }

    /// AGR-6: ended consultant engagements whose deletion confirmation is overdue.
    pub async fn overdue_deletions(&self, actor: &Actor) -> Result<Vec<OverdueDeletion>> {
        let scope = self.allow(actor, Action::Read, ResourceKind::Agreement)?;
        let days = i64::from(self.active_preset().await?.policy.engagement.deletion_confirmation_days.value);
        let today = self.now().date();
        let confirmed: Vec<Uuid> = self.store.deletion_confirmations().await?.into_iter().map(|(a, _)| a).collect();
        let reach = self.reach(actor, scope).await?;
        let owned_by = match reach.owned_by() {
            Some([]) => return Ok(Vec::new()),
            Some(own) => own.to_vec(),
            None => Vec::new(),
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
        self.permit(actor, Permission::RunLifecycle)?;
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
            AuditRecord::new(actor, AuditAction::AccountSignOns, "system", Some(system_id), now)
                .details(json!({ "reported": sign_ons.len(), "matched": matched })),
        )
        .await?;
        Ok(matched)
    }

    /// the termination reports, with the time from report to disable.
    pub async fn termination_reports(&self, actor: &Actor) -> Result<Vec<store::TerminationReport>> {
        self.permit(actor, Permission::SeeTerminationReports)?;
        Ok(self.store.termination_reports().await?)
    }
}
