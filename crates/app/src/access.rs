//! Who is calling: API tokens (hashed, shown once, scoped to a role and organisation,
//! revocable), local users with the policy's password rules and lockout, and the
//! first-run administrator.

use crate::sessions::user_actor;
use crate::{App, AppError, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::audit_action::AuditAction;
use domain::authz::{Actor, ActorKind, Organisation, Permission, UserRole, check_scope, organisation_for};
use domain::codes;
use domain::error::FieldError;
use domain::login::LoginState;
use domain::login::second_factor_required;
use domain::registry::Supplier;
use domain::text::Name;
use domain::time::Timestamp;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use store::{AuditRecord, NewApiToken, NewUser, StoredApiToken, StoredUser};
use uuid::Uuid;

const TOKEN_PREFIX: &str = "pvt_";

/// A token just created: the secret is in here and nowhere else.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IssuedToken {
    pub id: Uuid,
    pub token: String,
    pub role: UserRole,
    pub supplier_id: Option<Uuid>,
    pub expires_at: Option<Timestamp>,
}

/// What an administrator asks for when creating a machine client's token.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub name: Name,
    pub role: UserRole,
    pub supplier_id: Option<Uuid>,
    /// The department a department head or local administrator acts for.
    pub department_id: Option<Uuid>,
    /// The registry person behind the token (an orderer on the supplier's list; a local
    /// administrator).
    pub person_id: Option<Uuid>,
    /// The target system a `target_system` token reports for (required for that role,
    /// forbidden for the others).
    pub system_id: Option<Uuid>,
    pub expires_at: Option<Timestamp>,
}

/// SHA-256 in hex: what is stored of a token or a session secret.
pub(crate) fn hash_token(token: &str) -> String {
    audit::hex(&Sha256::digest(token.as_bytes()))
}

/// A random URL-safe secret of 256 bits (session cookies, form tokens).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn new_secret() -> String {
    format!("{TOKEN_PREFIX}{}", random_token())
}

/// A readable one-time password: four groups of five letters and digits (no look-alikes).
pub(crate) fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    // Guarantee every class the strictest preset asks for.
    let mut s: String = chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-");
    s.push_str("-Aa7");
    s
}

pub(crate) fn hash_password(pw: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default().hash_password(pw.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| AppError::Internal(e.to_string()))
}

/// A hash to check against when there is no user, so that an unknown name costs what
/// a wrong password costs (F-13).
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

pub(crate) fn verify_password(pw: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
}

impl App {
    /// EMG-1: at most the configured number of persons act as local administrators,
    /// counting page users and API tokens alike; one more token or user for a person who
    /// already is one does not count twice.
    pub(crate) async fn check_local_administrator_cap(&self, role: UserRole, person: Option<Uuid>) -> Result<()> {
        if role != UserRole::LocalAdministrator {
            return Ok(());
        }
        let max = self.active_preset().await?.policy.emergency.max_local_administrators.value as usize;
        let current = self.store.local_administrators(self.now()).await?;
        if person.is_some_and(|p| !current.contains(&p)) && current.len() >= max {
            return Err(FieldError::with("role", codes::TOO_MANY_LOCAL_ADMINISTRATORS, max).into());
        }
        Ok(())
    }

    /// The actor behind a bearer token; revoked, expired and unknown tokens are refused
    /// alike.
    pub async fn authenticate(&self, token: &str) -> Result<Actor> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let t = self.store.token_by_hash(&hash_token(token)).await?.ok_or(AppError::Unauthenticated)?;
        let now = self.now();
        if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= now) {
            return Err(AppError::Unauthenticated);
        }
        let organisation = organisation_for(t.role, t.supplier_id).map_err(|_| AppError::Unauthenticated)?;
        // A login token acts as its user, so that four-eyes rules see one person, and is
        // never taken for a machine client.
        let id = t.user_id.unwrap_or(t.id);
        Ok(Actor {
            kind: if t.user_id.is_some() { ActorKind::User } else { ActorKind::ApiToken },
            id,
            name: t.name,
            role: t.role,
            organisation,
            department: t.department_id,
            person: t.person_id,
        })
    }

    /// Creates the first administrator when there is no user yet; returns the username
    /// and a one-time password that must be changed at first login.
    pub async fn bootstrap_admin(&self) -> Result<Option<(String, String)>> {
        if self.store.count_users().await? > 0 {
            return Ok(None);
        }
        let password = one_time_password();
        let user = NewUser {
            id: Uuid::now_v7(),
            username: "admin".into(),
            display_name: "Administrator".into(),
            password_hash: hash_password(&password)?,
            role: UserRole::Administrator,
            supplier_id: None,
            department_id: None,
            person_id: None,
            must_change_password: true,
            oidc_subject: None,
        };
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.insert_user(&user, now).await?;
        tx.commit(AuditRecord::new(&Actor::system("bootstrap"), AuditAction::UserBootstrap, "user", Some(user.id), now)).await?;
        Ok(Some((user.username, password)))
    }

    /// Logs a local user in and issues a token for their role, valid for the policy's
    /// session lifetime. A user who must change the password gives `new_password`.
    /// Failures count towards the lockout (AUTH-3) and are audited, unknown user names
    /// included (SEC-1).
    pub async fn login(&self, username: &str, password: &str, new_password: Option<&str>, totp_code: Option<&str>) -> Result<IssuedToken> {
        let now = self.now();
        let policy = self.active_preset().await?.policy;
        let user = self.check_password(username, password).await?;
        let change = user.must_change_password || self.password_expired(&user).await?;
        if change {
            let code = if user.must_change_password { codes::PASSWORD_CHANGE_REQUIRED } else { codes::PASSWORD_EXPIRED };
            let new = new_password.ok_or(FieldError::new("new_password", code))?;
            self.check_new_password(&user, "new_password", new).await?;
        }
        // X-7, F-01: whoever must use a second factor in the pages must use it here too.
        self.check_api_second_factor(&user, totp_code).await?;
        let actor = user_actor(&user)?;
        let mut tx = self.store.begin().await?;
        if let (true, Some(new)) = (change, new_password) {
            tx.set_password(user.id, &hash_password(new)?, false, now).await?;
            tx.append_audit(&AuditRecord::new(&actor, AuditAction::UserPasswordChanged, "user", Some(user.id), now)).await?;
        }
        tx.set_login_state(user.id, LoginState::after_success()).await?;
        let expires_at = Some(Timestamp(now.0 + chrono::Duration::hours(i64::from(policy.login.session_max_hours.value))));
        let scope = TokenRequest {
            name: Name::parse(&format!("login {}", user.username)).map_err(|e| e.at("username"))?,
            role: user.role,
            supplier_id: user.supplier_id,
            department_id: user.department_id,
            person_id: user.person_id,
            system_id: None,
            expires_at,
        };
        let issued = self.insert_token(&mut tx, &actor, &scope, Some(user.id)).await?;
        tx.commit(
            AuditRecord::new(&actor, AuditAction::LoginSuccess, "user", Some(user.id), now).details(json!({ "token_id": issued.id })),
        )
        .await?;
        Ok(issued)
    }

    async fn insert_token(&self, tx: &mut store::Tx, actor: &Actor, r: &TokenRequest, user_id: Option<Uuid>) -> Result<IssuedToken> {
        let token = new_secret();
        let t = NewApiToken {
            id: Uuid::now_v7(),
            name: r.name.to_string(),
            token_hash: hash_token(&token),
            role: r.role,
            supplier_id: r.supplier_id,
            department_id: r.department_id,
            person_id: r.person_id,
            system_id: r.system_id,
            user_id,
            created_by: actor.id,
            expires_at: r.expires_at,
        };
        tx.insert_token(&t, self.now()).await?;
        Ok(IssuedToken { id: t.id, token, role: r.role, supplier_id: r.supplier_id, expires_at: r.expires_at })
    }

    /// Creates a machine client's token (administrators only). The secret is returned
    /// once and only its hash is kept.
    pub async fn create_token(&self, actor: &Actor, req: TokenRequest) -> Result<IssuedToken> {
        self.permit(actor, Permission::ManageTokens)?;
        let org = check_scope(req.role, req.supplier_id, req.department_id, req.person_id)?;
        // F-11: a token for a role that takes one of two four-eyes steps names its person.
        if req.role.needs_a_person() && req.person_id.is_none() {
            return Err(FieldError::new("person_id", codes::MISSING_FIELD).into());
        }
        if let Some(d) = req.department_id {
            self.store
                .get_entry(d)
                .await?
                .filter(|e| e.kind == "department" && e.active)
                .ok_or(FieldError::new("department_id", codes::UNKNOWN_REFERENCE))?;
        }
        match (req.role == UserRole::TargetSystem, req.system_id) {
            (true, None) => return Err(FieldError::new("system_id", codes::MISSING_FIELD).into()),
            (false, Some(_)) => return Err(FieldError::new("system_id", codes::ROLE_FORBIDS_SYSTEM).into()),
            (true, Some(s)) => {
                self.store
                    .get_entry(s)
                    .await?
                    .filter(|e| e.kind == "system" && e.active)
                    .ok_or(FieldError::new("system_id", codes::UNKNOWN_REFERENCE))?;
            }
            (false, None) => {}
        }
        if let Some(p) = req.person_id {
            self.store
                .get_entry(p)
                .await?
                .filter(|e| e.kind == "person" && e.active)
                .ok_or(FieldError::new("person_id", codes::UNKNOWN_REFERENCE))?;
        }
        self.check_local_administrator_cap(req.role, req.person_id).await?;
        if let Organisation::Supplier(s) = org {
            let supplier =
                self.store.get_entry(s).await?.filter(|e| e.kind == <Supplier as domain::registry::Record>::KIND.as_str() && e.active);
            if supplier.is_none() {
                return Err(FieldError::new("supplier_id", codes::UNKNOWN_REFERENCE).into());
            }
        }
        let now = self.now();
        if req.expires_at.is_some_and(|e| e <= now) {
            return Err(FieldError::new("expires_at", codes::ENDS_BEFORE_START).into());
        }
        let mut tx = self.store.begin().await?;
        let issued = self.insert_token(&mut tx, actor, &req, None).await?;
        let details =
            json!({ "name": req.name.as_str(), "role": req.role.as_str(), "supplier_id": req.supplier_id, "system_id": req.system_id });
        tx.commit(AuditRecord::new(actor, AuditAction::TokenCreate, "api_token", Some(issued.id), now).details(details)).await?;
        Ok(issued)
    }

    pub async fn list_tokens(&self, actor: &Actor) -> Result<Vec<StoredApiToken>> {
        self.permit(actor, Permission::ManageTokens)?;
        Ok(self.store.list_tokens().await?)
    }

    /// Revokes a token at once; revoking a revoked token changes nothing.
    pub async fn revoke_token(&self, actor: &Actor, id: Uuid) -> Result<StoredApiToken> {
        self.permit(actor, Permission::ManageTokens)?;
        self.store.token(id).await?.ok_or(AppError::NotFound)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if tx.revoke_token(id, now).await? {
            tx.commit(AuditRecord::new(actor, AuditAction::TokenRevoke, "api_token", Some(id), now)).await?;
        } else {
            tx.rollback().await?;
        }
        self.store.token(id).await?.ok_or(AppError::NotFound)
    }

    /// X-7, F-01: the API login asks for the second factor of every user who has one or
    /// must have one; a user who has not set it up does so in the pages first. A wrong
    /// code counts towards the lockout.
    pub(crate) async fn check_api_second_factor(&self, user: &StoredUser, code: Option<&str>) -> Result<()> {
        let policy = self.active_preset().await?.policy;
        if !user.totp_confirmed {
            return match second_factor_required(user.role, &policy.login) {
                true => Err(FieldError::new("totp_code", codes::TOTP_NOT_ENROLLED).into()),
                false => Ok(()),
            };
        }
        let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
            return Err(FieldError::new("totp_code", codes::TOTP_REQUIRED).into());
        };
        let last = self.store.totp_last_step(user.id).await?;
        let Some(step) = self.totp_step(user, code)?.filter(|step| *step > last) else {
            return Err(match self.count_failure(user, "bad_totp").await? {
                AppError::Invalid(e) => AppError::Invalid(FieldError { field: "totp_code".into(), ..e }),
                other => other,
            });
        };
        let mut tx = self.store.begin().await?;
        if !tx.use_totp_step(user.id, step).await? {
            tx.rollback().await?;
            return Err(FieldError::new("totp_code", codes::TOTP_INVALID).into());
        }
        tx.commit(AuditRecord::new(&user_actor(user)?, AuditAction::LoginSecondFactor, "user", Some(user.id), self.now())).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_meet_the_strictest_shipped_rules() {
        for preset in domain::policy::shipped_presets().unwrap() {
            for _ in 0..20 {
                let pw = one_time_password();
                assert!(preset.policy.password.check_password(&pw).is_ok(), "{pw} vs {}", preset.id);
            }
        }
    }

    #[test]
    fn tokens_are_stored_as_hashes() {
        let t = new_secret();
        assert!(t.starts_with(TOKEN_PREFIX) && t.len() > 40);
        assert_eq!(hash_token(&t).len(), 64);
        assert!(!hash_token(&t).contains(&t[4..]));
    }
}
