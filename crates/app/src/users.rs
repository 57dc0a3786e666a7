//! Managing the users of Portvagt (administrators, X-8): edit, deactivate, reset the
//! password, reset the second factor. Each change ends the user's sessions where it must,
//! and is audited.

use crate::{App, AppError, Result};
use domain::audit_action::AuditAction;
use domain::authz::{Actor, Permission};
use domain::codes;
use domain::error::FieldError;
use domain::text::Name;
use serde_json::json;
use store::{AuditRecord, StoredUser};
use uuid::Uuid;

impl App {
    /// ORG-3: whether a person is on a supplier's list of authorised orderers today.
    pub(crate) async fn is_listed_orderer(&self, person: Uuid, supplier: Uuid) -> Result<bool> {
        let today = self.now().date();
        let q = store::ListQuery {
            kind: "orderer",
            owned_by: vec![supplier],
            referring_to: Some(person),
            active: Some(true),
            limit: 100,
            ..Default::default()
        };
        let (rows, _) = self.store.list_entries(&q).await?;
        Ok(rows
            .into_iter()
            .filter_map(|e| serde_json::from_value::<domain::registry::Orderer>(e.body).ok())
            .any(|o| o.lists(person, today)))
    }

    /// One user, for the administrators.
    pub async fn user(&self, actor: &Actor, id: Uuid) -> Result<StoredUser> {
        self.permit(actor, Permission::ManageUsers)?;
        self.store.user(id).await?.ok_or(AppError::NotFound)
    }

    /// A user's shown name, OpenID Connect subject and e-mail address (NOT-1; `None`
    /// leaves the address as it is, an empty one removes it).
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: Uuid,
        display_name: &str,
        oidc_subject: Option<&str>,
        email: Option<&str>,
    ) -> Result<StoredUser> {
        self.permit(actor, Permission::ManageUsers)?;
        let display_name = Name::parse(display_name).map_err(|e| e.at("display_name"))?;
        let subject = oidc_subject.map(str::trim).filter(|s| !s.is_empty());
        let email = match email.map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(e) => Some(Some(domain::text::Email::parse(e).map_err(|e| e.at("email"))?)),
        };
        self.user(actor, id).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.set_user_profile(id, display_name.as_str(), subject).await?;
        if let Some(e) = &email {
            tx.set_user_email(id, e.as_ref().map(|e| e.as_str())).await?;
        }
        tx.commit(
            AuditRecord::new(actor, AuditAction::UserUpdate, "user", Some(id), now)
                .details(json!({ "oidc_subject": subject.is_some(), "email": email.as_ref().map(Option::is_some) })),
        )
        .await?;
        self.user(actor, id).await
    }

    /// The user's e-mail address, for their page.
    pub async fn user_email(&self, actor: &Actor, id: Uuid) -> Result<Option<String>> {
        self.user(actor, id).await?;
        Ok(self.store.user_email(id).await?)
    }

    /// A new one-time password (the lost or forgotten one): to be changed at the next
    /// login; the user's sessions end. Returns the password, shown once.
    pub async fn reset_user_password(&self, actor: &Actor, id: Uuid) -> Result<String> {
        self.permit(actor, Permission::ManageUsers)?;
        self.user(actor, id).await?;
        let password = crate::access::one_time_password();
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.set_password(id, &crate::access::hash_password(&password)?, true, now).await?;
        tx.set_login_state(id, domain::login::LoginState { failed_attempts: 0, locked_until: None }).await?;
        tx.end_user_sessions(id, now).await?;
        tx.commit(AuditRecord::new(actor, AuditAction::UserPasswordReset, "user", Some(id), now)).await?;
        Ok(password)
    }

    /// The lost phone: the second factor is removed, and the user sets up a new one at
    /// the next login (after the password); the user's sessions end.
    pub async fn reset_user_totp(&self, actor: &Actor, id: Uuid) -> Result<()> {
        self.permit(actor, Permission::ManageUsers)?;
        self.user(actor, id).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.set_totp(id, None, false).await?;
        tx.end_user_sessions(id, now).await?;
        tx.commit(AuditRecord::new(actor, AuditAction::UserTotpReset, "user", Some(id), now)).await?;
        Ok(())
    }

    /// Deactivates a user (no more logins, sessions end) or reactivates one. Nobody
    /// deactivates themselves.
    pub async fn set_user_active(&self, actor: &Actor, id: Uuid, active: bool) -> Result<()> {
        self.permit(actor, Permission::ManageUsers)?;
        let user = self.user(actor, id).await?;
        if !active && user.id == actor.id {
            return Err(FieldError::new("id", codes::SAME_PERSON).into());
        }
        if active {
            self.check_local_administrator_cap(user.role, user.person_id).await?;
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.set_user_active(id, active).await?;
        if !active {
            tx.end_user_sessions(id, now).await?;
        }
        tx.commit(AuditRecord::new(
            actor,
            if active { AuditAction::UserReactivate } else { AuditAction::UserDeactivate },
            "user",
            Some(id),
            now,
        ))
        .await?;
        Ok(())
    }
}
