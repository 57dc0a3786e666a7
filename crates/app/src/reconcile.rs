//! Reconciliation (PRV-3): reading a target system back through its connector and
//! listing orphans and drift against the approved accounts; scheduled over every system
//! with a connector, which tells the coordinator when a system has drifted.

use crate::provisioning::body;
use crate::{App, AppError, Result};
use domain::account;
use domain::audit_action::AuditAction;
use domain::authz::{Actor, Permission};
use domain::codes;
use domain::error::FieldError;
use domain::registry::{Role, System};
use serde_json::json;
use store::{AccountQuery, AuditRecord, OutboxMessage};
use uuid::Uuid;

impl App {
    /// PRV-3, scheduled: reconciles every system that has a connector, records each
    /// run's findings in the audit trail, and tells the coordinator (a notification
    /// without personal data) when a system has drifted. Returns the findings per system
    /// code; a system that cannot be read is skipped until the next run.
    pub async fn reconcile_all(&self) -> Result<Vec<(String, usize)>> {
        let actor = Actor { role: domain::authz::UserRole::SecurityCoordinator, ..Actor::system("reconciliation") };
        let (systems, _) =
            self.store.list_entries(&store::ListQuery { kind: "system", active: Some(true), limit: 10_000, ..Default::default() }).await?;
        let mut out = Vec::new();
        for row in systems {
            let code = row.body.get("code").and_then(|c| c.as_str()).unwrap_or_default().to_string();
            if !self.connectors.contains_key(&code) {
                continue;
            }
            match self.reconcile(&actor, row.id).await {
                Ok(drift) => {
                    if !drift.is_empty() {
                        let now = self.now();
                        let note = json!({ "kind": "reconciliation_drift", "system_id": row.id, "findings": drift.len() });
                        let mut tx = self.store.begin().await?;
                        tx.enqueue(&OutboxMessage { id: Uuid::now_v7(), topic: "notify".into(), payload: note.clone() }, now).await?;
                        tx.commit(
                            AuditRecord::new(&actor, AuditAction::SystemDrift, "system", Some(row.id), now)
                                .details(json!({ "findings": drift })),
                        )
                        .await?;
                    }
                    out.push((code, drift.len()));
                }
                Err(e) => tracing::warn!(system = %code, error = %e, "reconciliation"),
            }
        }
        Ok(out)
    }

    /// PRV-3: reads a target system back through its connector and lists orphans and
    /// drift against the approved accounts. Recorded in the audit trail.
    pub async fn reconcile(&self, actor: &Actor, system_id: Uuid) -> Result<Vec<account::Drift>> {
        self.permit(actor, Permission::HandleTasks)?;
        let system: System = self.record(system_id).await?;
        let kind = serde_json::to_value(system.connector).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        let connector = self
            .connectors
            .get(system.code.as_str())
            .filter(|c| c.kind() == kind)
            .ok_or(AppError::Invalid(FieldError::new("system_id", codes::NO_CONNECTOR)))?;
        let observed = connectors::ReadBack::list(connector)
            .await
            .map_err(|e| AppError::Invalid(FieldError::with("system_id", codes::TARGET_UNAVAILABLE, e)))?;
        let (accounts, _) =
            self.store.list_accounts(&AccountQuery { system_id: Some(system_id), limit: u32::MAX, ..Default::default() }).await?;
        let mut role_ids: Vec<Uuid> = accounts.iter().flat_map(|a| a.roles.iter().map(|(r, _)| *r)).collect();
        role_ids.sort();
        role_ids.dedup();
        let codes_by_id: std::collections::HashMap<Uuid, String> = self
            .store
            .get_entries(&role_ids)
            .await?
            .into_iter()
            .filter_map(|e| body::<Role>(e.body).ok().map(|r| (e.id, r.code.to_string())))
            .collect();
        let expected: Vec<account::ExpectedAccount> = accounts
            .iter()
            .map(|a| account::ExpectedAccount {
                username: a.username.clone(),
                status: a.status,
                groups: a.roles.iter().filter_map(|(r, _)| codes_by_id.get(r).cloned()).collect(),
            })
            .collect();
        let observed: Vec<account::ObservedAccount> =
            observed.into_iter().map(|o| account::ObservedAccount { username: o.username, enabled: o.enabled, groups: o.groups }).collect();
        let drift = account::reconcile(&expected, &observed);
        let now = self.now();
        self.store
            .record_audit(
                &AuditRecord::new(actor, AuditAction::SystemReconcile, "system", Some(system_id), now)
                    .details(json!({ "accounts": observed.len(), "findings": drift.len() })),
            )
            .await?;
        Ok(drift)
    }
}
