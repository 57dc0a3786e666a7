//! The coordinator's and security officer's follow-up (PRV-2, PRV-3, EMG-3): failing
//! provisioning retried on demand, the systems that can be reconciled, and supplier
//! support accounts waiting for the security officer's approval.

use crate::provisioning::PROVISION;
use crate::{App, AppError, Result};
use domain::account::{AccountKind, AccountStatus};
use domain::audit_action::AuditAction;
use domain::authz::{Actor, Permission};
use domain::codes;
use domain::error::FieldError;
use domain::registry::System;
use store::{AccountQuery, AccountRow, AuditRecord};
use uuid::Uuid;

impl App {
    /// Whether the follow-up page has anything for the actor: provisioning to follow, or
    /// support access to approve or see.
    pub fn may_follow_up(&self, actor: &Actor) -> bool {
        self.can(actor, Permission::HandleTasks) || self.can(actor, Permission::SeeSupport)
    }

    /// PRV-2: a failing action is tried again now instead of at its next attempt.
    pub async fn retry_action_now(&self, actor: &Actor, id: Uuid) -> Result<()> {
        self.permit(actor, Permission::HandleTasks)?;
        let failing = self.store.failing_messages(PROVISION).await?;
        failing.iter().find(|m| m.id == id).ok_or(AppError::NotFound)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if !tx.make_due(id, now).await? {
            tx.rollback().await?;
            return Err(FieldError::new("id", codes::ILLEGAL_TRANSITION).into());
        }
        tx.commit(AuditRecord::new(actor, AuditAction::ProvisionRetryRequested, "outbox", Some(id), now)).await?;
        Ok(())
    }

    /// PRV-3: the active systems whose connector can read them back, by (id, name).
    pub async fn reconcilable_systems(&self, actor: &Actor) -> Result<Vec<(Uuid, String)>> {
        self.permit(actor, Permission::HandleTasks)?;
        let (rows, _) =
            self.store.list_entries(&store::ListQuery { kind: "system", active: Some(true), limit: 10_000, ..Default::default() }).await?;
        let mut out: Vec<(Uuid, String)> = rows
            .into_iter()
            .filter(|r| self.connector_for(Some(&r.body)).is_some())
            .filter_map(|r| serde_json::from_value::<System>(r.body).ok().map(|s| (r.id, s.name.to_string())))
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    /// EMG-3: support accounts waiting for the security officer's approval, for the
    /// officer and the coordinator.
    pub async fn support_accounts_waiting(&self, actor: &Actor) -> Result<Vec<AccountRow>> {
        if !self.can(actor, Permission::SeeSupport) {
            return Err(AppError::Forbidden);
        }
        let q = AccountQuery {
            kind: Some(AccountKind::Support.as_str()),
            statuses: vec![AccountStatus::PendingApproval.as_str()],
            limit: 500,
            ..Default::default()
        };
        Ok(self.store.list_accounts(&q).await?.0)
    }
}
