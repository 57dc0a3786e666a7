//! Signing an agreement: each party's digital acceptance (AGR-5) and the supplier's
//! security attestations (AGR-4).

use crate::{App, Result};
use domain::audit_action::AuditAction;
use domain::authz::{Action, Actor, ResourceKind};
use domain::registry::{Agreement, AttestationKind, Entry, Party};
use domain::text::Name;
use serde_json::json;
use store::AuditRecord;
use uuid::Uuid;

impl App {
    /// Records the acceptance of the current terms by the actor's party: a supplier's
    /// actor accepts for the supplier, a municipal one for the municipality.
    pub async fn accept_agreement(&self, actor: &Actor, id: Uuid, name: Name, title: Name) -> Result<Entry<Agreement>> {
        let party = Party::of(actor);
        self.sign(actor, id, AuditAction::AgreementAccept, json!({ "party": party }), |a, now| a.accept(party, name, title, now)).await
    }

    /// Records (or renews) a security attestation on the agreement.
    pub async fn attest_agreement(&self, actor: &Actor, id: Uuid, kind: AttestationKind, by: Name) -> Result<Entry<Agreement>> {
        self.sign(actor, id, AuditAction::AgreementAttest, json!({ "kind": kind }), |a, now| {
            a.attest(kind, by, now);
            Ok(())
        })
        .await
    }

    async fn sign(
        &self,
        actor: &Actor,
        id: Uuid,
        action: AuditAction,
        details: serde_json::Value,
        change: impl FnOnce(&mut Agreement, domain::time::Timestamp) -> std::result::Result<(), domain::FieldError>,
    ) -> Result<Entry<Agreement>> {
        self.allow(actor, Action::Sign, ResourceKind::Agreement)?;
        let mut entry = self.get::<Agreement>(actor, id).await?;
        let now = self.now();
        change(&mut entry.data, now)?;
        let new = Self::new_entry(id, &mut entry.data)?;
        let mut tx = self.store.begin().await?;
        entry.version = tx.update_entry(&new, entry.version, now).await?;
        tx.commit(AuditRecord::new(actor, action, "agreement", Some(id), now).details(details)).await?;
        entry.updated_at = now;
        Ok(entry)
    }
}
