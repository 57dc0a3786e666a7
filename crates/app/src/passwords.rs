//! Passwords as the policy says (AUTH-2, X-6): its rules, the bundled list of breached
//! passwords, no reuse of the recent ones, a forced change when a password is older than
//! the preset allows, and a user changing their own password.

use crate::{App, AppError, Result};
use domain::audit_action::AuditAction;
use domain::authz::{Actor, Permission};
use domain::codes;
use domain::error::FieldError;
use domain::time::Timestamp;
use store::{AuditRecord, StoredUser};

impl App {
    /// Whether a new password for `user` may be used: the preset's rules, not breached,
    /// not the current one nor one of the recent ones. `field` names the form field.
    pub(crate) async fn check_new_password(&self, user: &StoredUser, field: &str, new: &str) -> Result<()> {
        let rules = self.active_preset().await?.policy.password;
        rules.check_password(new).map_err(|e| e.at(field))?;
        if rules.breached_password_check.value && domain::breached::is_breached(new) {
            return Err(FieldError::new(field, codes::PASSWORD_BREACHED).into());
        }
        if crate::access::verify_password(new, &user.password_hash) {
            return Err(FieldError::new(field, codes::PASSWORD_REUSED).into());
        }
        // The current one counts as one of the `history` passwords not to reuse.
        let earlier = rules.history.value.saturating_sub(1);
        for old in self.store.previous_password_hashes(user.id, earlier).await? {
            if crate::access::verify_password(new, &old) {
                return Err(FieldError::new(field, codes::PASSWORD_REUSED).into());
            }
        }
        Ok(())
    }

    /// Whether the user's password is older than the preset allows (0: no forced change).
    pub(crate) async fn password_expired(&self, user: &StoredUser) -> Result<bool> {
        let days = self.active_preset().await?.policy.password.max_age_days.value;
        if days == 0 {
            return Ok(false);
        }
        let set = self.store.password_set_at(user.id).await?.unwrap_or(self.now());
        Ok(self.now().0 - set.0 > chrono::Duration::days(i64::from(days)))
    }

    /// AUTH-2: a signed-in user changes their own password, giving the current one. The
    /// form's problems come back all at once (nothing is changed); a wrong current
    /// password counts towards the lockout.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        repeated: &str,
    ) -> Result<std::result::Result<(), Vec<FieldError>>> {
        self.permit(actor, Permission::ChangeOwnPassword)?;
        let user = self.store.user(actor.id).await?.filter(|u| u.active).ok_or(AppError::Forbidden)?;
        let mut problems = Vec::new();
        // AUTH-3: after the preset's number of wrong passwords, no more tries until the
        // lock ends (the count is the login's).
        if let Some(until) = user.login.locked_until.filter(|_| user.login.is_locked(self.now())) {
            return Ok(Err(vec![FieldError::with("current_password", codes::PASSWORD_ATTEMPTS_LOCKED, until)]));
        }
        if !crate::access::verify_password(current, &user.password_hash) {
            match self.count_failure(&user, "bad_password").await? {
                AppError::Unauthenticated => problems.push(FieldError::new("current_password", codes::PASSWORD_WRONG)),
                other => return Err(other),
            }
        }
        match self.check_new_password(&user, "new_password", new).await {
            Err(AppError::Invalid(e)) => problems.push(e),
            Err(other) => return Err(other),
            Ok(()) => {}
        }
        if new != repeated {
            problems.push(FieldError::new("repeat_password", codes::PASSWORDS_DIFFER));
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.set_password(user.id, &crate::access::hash_password(new)?, false, now).await?;
        tx.commit(AuditRecord::new(actor, AuditAction::UserPasswordChanged, "user", Some(user.id), now)).await?;
        Ok(Ok(()))
    }

    /// When the user's password was last set (shown on their own page).
    pub async fn password_changed_at(&self, actor: &Actor) -> Result<Option<Timestamp>> {
        self.permit(actor, Permission::ChangeOwnPassword)?;
        Ok(self.store.password_set_at(actor.id).await?)
    }
}
