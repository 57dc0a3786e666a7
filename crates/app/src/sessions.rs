//! Sessions of the web pages (AUTH-1..3, X-7, X-8): a local login runs password →
//! (new password) → (second factor) → active; an OpenID Connect login runs pending →
//! active. The cookie holds a random secret; the database only its hash. Every login,
//! logout and failed attempt is an audit event (SEC-1).

use crate::access::{constant_time_eq, hash_token, random_token};
use crate::{App, AppError, Result};
use domain::audit_action::AuditAction;
use domain::authz::{Actor, ActorKind, Permission, UserRole, check_scope, organisation_for};
use domain::codes;
use domain::error::FieldError;
use domain::login::{LoginState, SessionEnd, second_factor_required, session_valid};
use domain::time::Timestamp;
use rand::RngCore;
use serde_json::json;
use store::{AuditRecord, NewUser, SessionRow, StoredUser};
use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;

/// How far a login got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginStage {
    /// An OpenID Connect login waiting for the provider's answer.
    Oidc,
    /// The one-time password must be replaced first.
    ChangePassword,
    /// The user must set up an authenticator app before going on.
    EnrolTotp,
    /// The user must give the code from their authenticator app.
    Totp,
    Active,
}

impl LoginStage {
    fn as_str(self) -> &'static str {
        match self {
            LoginStage::Oidc => "oidc",
            LoginStage::ChangePassword => "password",
            LoginStage::EnrolTotp => "enrol",
            LoginStage::Totp => "totp",
            LoginStage::Active => "active",
        }
    }
    fn parse(s: &str) -> Option<LoginStage> {
        [LoginStage::Oidc, LoginStage::ChangePassword, LoginStage::EnrolTotp, LoginStage::Totp, LoginStage::Active]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// A session just started: the secret goes into the cookie and nowhere else.
#[derive(Debug, Clone)]
pub struct StartedSession {
    pub secret: String,
    pub stage: LoginStage,
}

/// A login step taken: the next stage, and the session's new secret when the login
/// completed with it (the secret of the unfinished login is then worth nothing).
#[derive(Debug, Clone)]
pub struct StepTaken {
    pub stage: LoginStage,
    pub new_secret: Option<String>,
}

/// The session behind a cookie, as the pages need it.
#[derive(Debug, Clone)]
pub struct WebSession {
    /// Hash of the secret: identifies the session without revealing it.
    pub id_hash: String,
    pub stage: LoginStage,
    /// The form token state-changing requests must carry.
    pub csrf: String,
    /// Empty for a pending OpenID Connect login.
    pub user: Option<StoredUser>,
    pub pending: Option<String>,
}

impl WebSession {
    /// The actor of an active session.
    pub fn actor(&self) -> Result<Actor> {
        match (&self.user, self.stage) {
            (Some(u), LoginStage::Active) => user_actor(u),
            _ => Err(AppError::Unauthenticated),
        }
    }
}

/// What a user needs to set up an authenticator app.
#[derive(Debug, Clone)]
pub struct TotpEnrolment {
    /// The secret in base32, for typing in.
    pub secret: String,
    /// The `otpauth://` URI authenticator apps read.
    pub uri: String,
}

/// What an administrator gives to create a user of Portvagt.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub role: UserRole,
    pub supplier_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    /// The `sub` claim of the user's OpenID Connect identity, if they log in that way.
    pub oidc_subject: Option<String>,
}

/// A user as an administrator sees them.
#[derive(Debug, Clone)]
pub struct UserView {
    pub user: StoredUser,
    pub open_sessions: u64,
}

pub(crate) fn user_actor(u: &StoredUser) -> Result<Actor> {
    Ok(Actor {
        kind: ActorKind::User,
        id: u.id,
        name: u.username.clone(),
        role: u.role,
        organisation: organisation_for(u.role, u.supplier_id).map_err(|_| AppError::Unauthenticated)?,
        department: u.department_id,
        person: u.person_id,
    })
}

/// Gives the session a new secret in the transaction that completes its login.
async fn rekey(tx: &mut store::Tx, s: &WebSession) -> Result<String> {
    let secret = random_token();
    if !tx.rekey_session(&s.id_hash, &hash_token(&secret)).await? {
        return Err(AppError::Unauthenticated);
    }
    Ok(secret)
}

fn totp(secret: &[u8]) -> Result<TOTP> {
    // RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30 s; one step of
    // clock skew either way.
    TOTP::new(Algorithm::SHA1, 6, 1, 30, secret.to_vec()).map_err(|e| AppError::Internal(e.to_string()))
}

/// The record id a user's TOTP secret is sealed for.
fn totp_record(user: Uuid) -> String {
    format!("totp:{user}")
}

impl App {
    /// Checks a local user's password, counting failures towards the lockout (AUTH-3)
    /// and auditing them, unknown user names included (SEC-1).
    pub(crate) async fn check_password(&self, username: &str, password: &str) -> Result<StoredUser> {
        let now = self.now();
        let Some(user) = self.store.user_by_username(&domain::login::normalise_login_name(username)).await? else {
            // The same work as for a real user, so that the time does not tell (F-13).
            crate::access::verify_password(password, crate::access::dummy_hash());
            let mut anon = Actor::system("login");
            // F-17: a CPR number typed as the user name is not kept in clear.
            anon.name = if domain::ident::NationalId::appears_in(username) {
                "(national identity number withheld)".into()
            } else {
                username.chars().take(100).collect()
            };
            self.store
                .record_audit(
                    &AuditRecord::new(&anon, AuditAction::LoginFailed, "user", None, now)
                        .outcome("denied")
                        .details(json!({ "reason": "unknown_user" })),
                )
                .await?;
            return Err(AppError::Unauthenticated);
        };
        let actor = user_actor(&user)?;
        if user.login.is_locked(now) {
            // The same answer and work as a wrong password: a lock does not tell that
            // the name exists (F-13).
            crate::access::verify_password(password, &user.password_hash);
            self.store
                .record_audit(&AuditRecord::new(&actor, AuditAction::LoginLocked, "user", Some(user.id), now).outcome("denied"))
                .await?;
            return Err(AppError::Unauthenticated);
        }
        if !user.active || !crate::access::verify_password(password, &user.password_hash) {
            return Err(self.count_failure(&user, "bad_password").await?);
        }
        Ok(user)
    }

    /// Records a failed attempt (password or second factor) and returns the error to show.
    pub(crate) async fn count_failure(&self, user: &StoredUser, reason: &str) -> Result<AppError> {
        let now = self.now();
        let policy = self.active_preset().await?.policy;
        let state = user.login.after_failure(&policy.login, now);
        let mut tx = self.store.begin().await?;
        tx.set_login_state(user.id, state).await?;
        let details = json!({ "reason": reason, "locked_until": state.locked_until.map(|t| t.to_string()) });
        tx.commit(
            AuditRecord::new(&user_actor(user)?, AuditAction::LoginFailed, "user", Some(user.id), now).outcome("denied").details(details),
        )
        .await?;
        Ok(match state.locked_until {
            // After the password, the user is known: the lock may be named.
            Some(t) if reason == "bad_totp" => AppError::Locked(t),
            None if reason == "bad_totp" => FieldError::new("code", codes::TOTP_INVALID).into(),
            _ => AppError::Unauthenticated,
        })
    }

    /// The stage after the password (or a new one) was accepted.
    async fn stage_after_password(&self, user: &StoredUser) -> Result<LoginStage> {
        let policy = self.active_preset().await?.policy;
        Ok(if user.must_change_password || self.password_expired(user).await? {
            LoginStage::ChangePassword
        } else if user.totp_confirmed {
            LoginStage::Totp
        } else if second_factor_required(user.role, &policy.login) {
            LoginStage::EnrolTotp
        } else {
            LoginStage::Active
        })
    }

    /// Starts a session in `stage`; an active one is the successful login. `ending` is a
    /// pending session that ends in the same transaction.
    async fn open_session(&self, user: &StoredUser, stage: LoginStage, method: &str, ending: Option<&str>) -> Result<StartedSession> {
        let now = self.now();
        let secret = random_token();
        let row = SessionRow {
            id_hash: hash_token(&secret),
            user_id: Some(user.id),
            stage: stage.as_str().into(),
            csrf: random_token(),
            pending: None,
            created_at: now,
            last_seen_at: now,
            ended_at: None,
        };
        let mut tx = self.store.begin().await?;
        if let Some(old) = ending {
            tx.end_session(old, now).await?;
        }
        tx.insert_session(&row).await?;
        if stage == LoginStage::Active {
            tx.set_login_state(user.id, LoginState::after_success()).await?;
            tx.commit(
                AuditRecord::new(&user_actor(user)?, AuditAction::LoginSuccess, "user", Some(user.id), now)
                    .details(json!({ "method": method })),
            )
            .await?;
        } else {
            tx.commit(
                AuditRecord::new(&user_actor(user)?, AuditAction::LoginPasswordAccepted, "user", Some(user.id), now)
                    .details(json!({ "method": method, "next": stage.as_str() })),
            )
            .await?;
        }
        Ok(StartedSession { secret, stage })
    }

    /// AUTH-1 fallback: a local login with username and password. The session starts
    /// in the stage the user must pass next.
    pub async fn start_session(&self, username: &str, password: &str) -> Result<StartedSession> {
        let user = self.check_password(username, password).await?;
        let stage = self.stage_after_password(&user).await?;
        self.open_session(&user, stage, "password", None).await
    }

    /// The session behind a cookie's secret. Ended, idle and too old sessions are
    /// refused alike; a live one is marked as used.
    pub async fn web_session(&self, secret: &str) -> Result<WebSession> {
        let now = self.now();
        let id_hash = hash_token(secret);
        let (row, user) = self.store.session_with_user(&id_hash).await?.ok_or(AppError::Unauthenticated)?;
        let rules = self.active_preset().await?.policy.login;
        let alive = match row.ended_at {
            Some(_) => Err(SessionEnd::Ended),
            None => session_valid(row.created_at, row.last_seen_at, now, &rules),
        };
        if alive.is_err() {
            return Err(AppError::Unauthenticated);
        }
        let stage = LoginStage::parse(&row.stage).ok_or_else(|| AppError::Internal(format!("unknown session stage {}", row.stage)))?;
        let user = match row.user_id {
            Some(_) => Some(user.filter(|u| u.active).ok_or(AppError::Unauthenticated)?),
            None => None,
        };
        // One write a minute at most per session.
        if (now.0 - row.last_seen_at.0).num_seconds() >= 60 {
            self.store.touch_session(&id_hash, now).await?;
        }
        Ok(WebSession { id_hash, stage, csrf: row.csrf, user, pending: row.pending })
    }

    fn session_user(s: &WebSession, stage: LoginStage) -> Result<&StoredUser> {
        match &s.user {
            Some(u) if s.stage == stage => Ok(u),
            _ => Err(AppError::Unauthenticated),
        }
    }

    /// Moves a session to `next` with the audit event of the step; `confirm_totp` also
    /// marks the user's authenticator as confirmed and `totp_step` records the accepted
    /// code's time step, in the same transaction.
    async fn advance(
        &self,
        s: &WebSession,
        user: &StoredUser,
        next: LoginStage,
        confirm_totp: bool,
        totp_step: Option<i64>,
        audit: AuditRecord,
    ) -> Result<StepTaken> {
        let mut tx = self.store.begin().await?;
        if !tx.set_session_stage(&s.id_hash, next.as_str(), self.now()).await? {
            tx.rollback().await?;
            return Err(AppError::Unauthenticated);
        }
        if let Some(step) = totp_step
            && !tx.use_totp_step(user.id, step).await?
        {
            tx.rollback().await?;
            return Err(FieldError::new("code", codes::TOTP_INVALID).into());
        }
        if confirm_totp {
            tx.set_totp(user.id, user.totp_sealed.as_deref(), true).await?;
            tx.append_audit(&AuditRecord::new(&user_actor(user)?, AuditAction::UserTotpEnrolled, "user", Some(user.id), self.now()))
                .await?;
        }
        let mut new_secret = None;
        if next == LoginStage::Active {
            tx.set_login_state(user.id, LoginState::after_success()).await?;
            new_secret = Some(rekey(&mut tx, s).await?);
        }
        tx.commit(audit).await?;
        Ok(StepTaken { stage: next, new_secret })
    }

    /// Replaces the one-time password at the first login (AUTH-2).
    pub async fn change_first_password(&self, s: &WebSession, new_password: &str, repeated: &str) -> Result<StepTaken> {
        let user = Self::session_user(s, LoginStage::ChangePassword)?;
        if new_password != repeated {
            return Err(FieldError::new("repeat_password", codes::PASSWORDS_DIFFER).into());
        }
        self.check_new_password(user, "new_password", new_password).await?;
        let now = self.now();
        let mut changed = user.clone();
        changed.must_change_password = false;
        let next = self.stage_after_password(&changed).await?;
        let mut tx = self.store.begin().await?;
        tx.set_password(user.id, &crate::access::hash_password(new_password)?, false, now).await?;
        if !tx.set_session_stage(&s.id_hash, next.as_str(), now).await? {
            tx.rollback().await?;
            return Err(AppError::Unauthenticated);
        }
        let new_secret = if next == LoginStage::Active { Some(rekey(&mut tx, s).await?) } else { None };
        let record = if next == LoginStage::Active {
            AuditRecord::new(&user_actor(user)?, AuditAction::LoginSuccess, "user", Some(user.id), now)
                .details(json!({ "password_changed": true }))
        } else {
            AuditRecord::new(&user_actor(user)?, AuditAction::UserPasswordChanged, "user", Some(user.id), now)
        };
        tx.commit(record).await?;
        Ok(StepTaken { stage: next, new_secret })
    }

    /// the secret of the authenticator app being set up, made once per enrolment and
    /// kept sealed with the data key until a code confirms it.
    pub async fn totp_enrolment(&self, s: &WebSession) -> Result<TotpEnrolment> {
        let user = Self::session_user(s, LoginStage::EnrolTotp)?;
        let raw = match &user.totp_sealed {
            Some(sealed) => self.store.open_secret(&totp_record(user.id), sealed)?,
            None => {
                let mut bytes = [0u8; 20];
                rand::rngs::OsRng.fill_bytes(&mut bytes);
                let encoded = Secret::Raw(bytes.to_vec()).to_encoded().to_string();
                let sealed = self.store.seal_secret(&totp_record(user.id), &encoded)?;
                let mut tx = self.store.begin().await?;
                tx.set_totp(user.id, Some(&sealed), false).await?;
                tx.commit(AuditRecord::new(&user_actor(user)?, AuditAction::UserTotpEnrolmentStarted, "user", Some(user.id), self.now()))
                    .await?;
                encoded
            }
        };
        let label = format!("Portvagt:{}", user.username);
        let uri = format!("otpauth://totp/{label}?secret={raw}&issuer=Portvagt&algorithm=SHA1&digits=6&period=30");
        Ok(TotpEnrolment { secret: raw, uri })
    }

    /// The time step (30 s) whose code `code` is, within one step of clock skew either
    /// way; `None` when it is no current code.
    pub(crate) fn totp_step(&self, user: &StoredUser, code: &str) -> Result<Option<i64>> {
        let Some(sealed) = &user.totp_sealed else { return Ok(None) };
        let encoded = self.store.open_secret(&totp_record(user.id), sealed)?;
        let raw = Secret::Encoded(encoded).to_bytes().map_err(|e| AppError::Internal(format!("{e:?}")))?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 {
            return Ok(None);
        }
        let totp = totp(&raw)?;
        let now_step = self.now().0.timestamp().div_euclid(30);
        Ok((now_step - 1..=now_step + 1).find(|step| {
            let expected = totp.generate(u64::try_from(step * 30).unwrap_or(0));
            constant_time_eq(expected.as_bytes(), code.as_bytes())
        }))
    }

    /// Confirms the authenticator app with its first code; the login then completes.
    pub async fn confirm_totp(&self, s: &WebSession, code: &str) -> Result<StepTaken> {
        self.second_factor(s, LoginStage::EnrolTotp, code).await
    }

    /// The second step of a login with an authenticator app.
    pub async fn verify_totp(&self, s: &WebSession, code: &str) -> Result<StepTaken> {
        self.second_factor(s, LoginStage::Totp, code).await
    }

    /// Checks a code from the authenticator app for a session at `stage` (set-up or
    /// login). Wrong codes count towards the lockout like wrong passwords.
    async fn second_factor(&self, s: &WebSession, stage: LoginStage, code: &str) -> Result<StepTaken> {
        let id = Self::session_user(s, stage)?.id;
        // Read the user again: the set-up stored its secret after the session was read.
        let user = self.store.user(id).await?.ok_or(AppError::Unauthenticated)?;
        let now = self.now();
        if user.login.is_locked(now) {
            return Err(AppError::Locked(user.login.locked_until.unwrap_or(now)));
        }
        // A code counts once: not again, and no older one after a newer (RFC 6238 §5.2).
        let last = self.store.totp_last_step(user.id).await?;
        let Some(step) = self.totp_step(&user, code)?.filter(|step| *step > last) else {
            return Err(self.count_failure(&user, "bad_totp").await?);
        };
        let success = AuditRecord::new(&user_actor(&user)?, AuditAction::LoginSuccess, "user", Some(user.id), now)
            .details(json!({ "second_factor": "totp" }));
        self.advance(s, &user, LoginStage::Active, stage == LoginStage::EnrolTotp, Some(step), success).await
    }

    /// Logs out: the session ends at once.
    pub async fn end_session(&self, s: &WebSession) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if !tx.end_session(&s.id_hash, now).await? {
            tx.rollback().await?;
            return Ok(());
        }
        let record = match &s.user {
            Some(u) => AuditRecord::new(&user_actor(u)?, AuditAction::Logout, "user", Some(u.id), now),
            None => AuditRecord::new(&Actor::system("login"), AuditAction::LoginAbandoned, "user", None, now),
        };
        tx.commit(record).await?;
        Ok(())
    }

    /// an administrator ends every session of a user (a lost laptop, a leaver).
    pub async fn end_user_sessions(&self, actor: &Actor, user_id: Uuid) -> Result<u64> {
        self.permit(actor, Permission::ManageUsers)?;
        self.store.user(user_id).await?.ok_or(AppError::NotFound)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let n = tx.end_user_sessions(user_id, now).await?;
        tx.commit(AuditRecord::new(actor, AuditAction::UserSessionsEnded, "user", Some(user_id), now).details(json!({ "sessions": n })))
            .await?;
        Ok(n)
    }

    /// Creates a user of Portvagt (administrators); returns the one-time password, which
    /// must be changed at the first login.
    pub async fn create_user(&self, actor: &Actor, input: UserInput) -> Result<(StoredUser, String)> {
        self.permit(actor, Permission::ManageUsers)?;
        let username = domain::login::login_name(&input.username).map_err(|e| e.at("username"))?;
        let display_name = domain::text::Name::parse(&input.display_name).map_err(|e| e.at("display_name"))?;
        if input.role == UserRole::TargetSystem {
            return Err(FieldError::with("role", codes::UNKNOWN_ROLE, input.role.as_str()).into());
        }
        check_scope(input.role, input.supplier_id, input.department_id, input.person_id)?;
        self.check_local_administrator_cap(input.role, input.person_id).await?;
        // ORG-3: a supplier's orderer is a person on that supplier's list of orderers.
        if let (UserRole::SupplierOrderer, Some(supplier)) = (input.role, input.supplier_id) {
            let person = input.person_id.ok_or(FieldError::new("person_id", codes::MISSING_FIELD))?;
            if !self.is_listed_orderer(person, supplier).await? {
                return Err(FieldError::new("person_id", codes::NOT_ON_ORDERER_LIST).into());
            }
        }
        for (field, id, kind) in [
            ("supplier_id", input.supplier_id, "supplier"),
            ("department_id", input.department_id, "department"),
            ("person_id", input.person_id, "person"),
        ] {
            if let Some(id) = id {
                self.store
                    .get_entry(id)
                    .await?
                    .filter(|e| e.kind == kind && e.active)
                    .ok_or(FieldError::new(field, codes::UNKNOWN_REFERENCE))?;
            }
        }
        let oidc_subject = input.oidc_subject.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let password = crate::access::one_time_password();
        let new = NewUser {
            id: Uuid::now_v7(),
            username,
            display_name: display_name.to_string(),
            password_hash: crate::access::hash_password(&password)?,
            role: input.role,
            supplier_id: input.supplier_id,
            department_id: input.department_id,
            person_id: input.person_id,
            must_change_password: true,
            oidc_subject,
        };
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.insert_user(&new, now).await?;
        let details = json!({ "username": new.username, "role": new.role.as_str(), "supplier_id": new.supplier_id });
        tx.commit(AuditRecord::new(actor, AuditAction::UserCreate, "user", Some(new.id), now).details(details)).await?;
        let user = self.store.user(new.id).await?.ok_or(AppError::NotFound)?;
        Ok((user, password))
    }

    /// Every user with the number of their open sessions (administrators).
    pub async fn users(&self, actor: &Actor) -> Result<Vec<UserView>> {
        self.permit(actor, Permission::ManageUsers)?;
        let rules = self.active_preset().await?.policy.login;
        let now = self.now();
        let mut open: std::collections::HashMap<Uuid, u64> = std::collections::HashMap::new();
        for (user, created, seen) in self.store.open_sessions().await? {
            if session_valid(created, seen, now, &rules).is_ok() {
                *open.entry(user).or_default() += 1;
            }
        }
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .map(|u| UserView { open_sessions: open.get(&u.id).copied().unwrap_or(0), user: u })
            .collect())
    }

    /// OPS-2: the language a user chose; it follows them to every device.
    pub async fn set_language(&self, actor: &Actor, code: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.set_user_language(actor.id, code).await?;
        tx.commit(AuditRecord::new(actor, AuditAction::UserLanguage, "user", Some(actor.id), now).details(json!({ "language": code })))
            .await?;
        Ok(())
    }

    /// Starts an OpenID Connect login: a pending session that remembers what the answer
    /// must match (`pending` holds state, nonce and PKCE verifier, opaque to this layer).
    pub async fn begin_oidc(&self, pending: String) -> Result<String> {
        let now = self.now();
        let secret = random_token();
        let row = SessionRow {
            id_hash: hash_token(&secret),
            user_id: None,
            stage: LoginStage::Oidc.as_str().into(),
            csrf: random_token(),
            pending: Some(pending),
            created_at: now,
            last_seen_at: now,
            ended_at: None,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_session(&row).await?;
        tx.commit(AuditRecord::new(&Actor::system("login"), AuditAction::LoginOidcStarted, "user", None, now)).await?;
        Ok(secret)
    }

    /// Completes an OpenID Connect login whose tokens the caller has verified: the
    /// pending session ends and a new one starts for the user with this subject, so the
    /// cookie of the unauthenticated phase is worth nothing afterwards. An identity with
    /// no Portvagt user gets a clear refusal, audited.
    pub async fn complete_oidc(&self, pending: &WebSession, subject: &str) -> Result<StartedSession> {
        if pending.stage != LoginStage::Oidc {
            return Err(AppError::Unauthenticated);
        }
        let now = self.now();
        let user = self.store.user_by_oidc_subject(subject).await?.filter(|u| u.active);
        let Some(user) = user else {
            let mut anon = Actor::system("login");
            anon.name = subject.chars().take(100).collect();
            let mut tx = self.store.begin().await?;
            tx.end_session(&pending.id_hash, now).await?;
            tx.commit(
                AuditRecord::new(&anon, AuditAction::LoginFailed, "user", None, now)
                    .outcome("denied")
                    .details(json!({ "reason": "unknown_oidc_subject", "method": "oidc" })),
            )
            .await?;
            return Err(AppError::Denied(FieldError::with(
                "subject",
                codes::OIDC_UNKNOWN_USER,
                subject.chars().take(100).collect::<String>(),
            )));
        };
        if user.login.is_locked(now) {
            return Err(AppError::Locked(user.login.locked_until.unwrap_or(now)));
        }
        // The identity provider authenticated the person, with its own second factor.
        self.open_session(&user, LoginStage::Active, "oidc", Some(&pending.id_hash)).await
    }

    /// A failed OpenID Connect answer (state, nonce or signature wrong), audited.
    pub async fn record_oidc_failure(&self, reason: &str) -> Result<()> {
        self.store
            .record_audit(
                &AuditRecord::new(&Actor::system("login"), AuditAction::LoginFailed, "user", None, self.now())
                    .outcome("denied")
                    .details(json!({ "reason": reason, "method": "oidc" })),
            )
            .await?;
        Ok(())
    }

    /// For tests and the CLI: the current TOTP code of a secret in base32.
    pub fn totp_code(secret_base32: &str, at: Timestamp) -> Result<String> {
        let raw = Secret::Encoded(secret_base32.to_string()).to_bytes().map_err(|e| AppError::Internal(format!("{e:?}")))?;
        Ok(totp(&raw)?.generate(u64::try_from(at.0.timestamp()).unwrap_or(0)))
    }
}
