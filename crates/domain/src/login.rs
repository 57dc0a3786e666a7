//! Rules for logging in to Portvagt: lockout after failed attempts (AUTH-3), when a
//! second factor is required, and when a session ends.

use crate::authz::UserRole;
use crate::error::{Invalid, codes};
use crate::policy::LoginRules;
use crate::time::Timestamp;
use chrono::Duration;

/// The failed-attempt state of a local account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginState {
    pub failed_attempts: u32,
    pub locked_until: Option<Timestamp>,
}

impl LoginState {
    pub fn is_locked(&self, now: Timestamp) -> bool {
        self.locked_until.is_some_and(|t| now < t)
    }

    /// After a failed attempt: count it, and lock for the configured minutes once the
    /// configured number of attempts is reached.
    pub fn after_failure(self, rules: &LoginRules, now: Timestamp) -> LoginState {
        let failed = if self.locked_until.is_some_and(|t| now >= t) { 1 } else { self.failed_attempts + 1 };
        if failed >= rules.lockout_attempts.value {
            LoginState {
                failed_attempts: 0,
                locked_until: Some(Timestamp(now.0 + Duration::minutes(i64::from(rules.lockout_minutes.value)))),
            }
        } else {
            LoginState { failed_attempts: failed, locked_until: None }
        }
    }

    pub fn after_success() -> LoginState {
        LoginState::default()
    }
}

/// How a login name is compared: trimmed, lower-case (`Leder` logs in as `leder`).
pub fn normalise_login_name(s: &str) -> String {
    s.trim().to_lowercase()
}

/// A login name for a new user of Portvagt: 1–64 of letters, digits and `._-@`
/// (e-mail-like names are common), normalised.
pub fn login_name(s: &str) -> Result<String, Invalid> {
    let name = normalise_login_name(s);
    if name.is_empty() {
        return Err(Invalid::new(codes::EMPTY));
    }
    if name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c)) {
        return Err(Invalid::new(codes::CODE_FORMAT));
    }
    Ok(name)
}

/// supplier users always log in with a second factor; the policy can demand one
/// for every role that can grant access.
pub fn second_factor_required(role: UserRole, rules: &LoginRules) -> bool {
    role.is_supplier_role() || (rules.mfa_for_granting_roles.value && role.can_grant_access())
}

/// Why a session is no longer valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// Nothing happened for longer than the idle timeout.
    Idle,
    /// Older than the maximum lifetime, however busy.
    Lifetime,
    /// Logged out, or ended by an administrator.
    Ended,
}

/// a session is valid while it is younger than the maximum lifetime and was last
/// used within the idle timeout.
pub fn session_valid(created: Timestamp, last_seen: Timestamp, now: Timestamp, rules: &LoginRules) -> Result<(), SessionEnd> {
    if now.0 >= created.0 + Duration::hours(i64::from(rules.session_max_hours.value)) {
        return Err(SessionEnd::Lifetime);
    }
    if now.0 >= last_seen.0 + Duration::minutes(i64::from(rules.session_idle_minutes.value)) {
        return Err(SessionEnd::Idle);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::shipped_presets;

    #[test]
    fn locked_for_thirty_minutes_after_the_configured_failures() {
        // REQ: AUTH-3
        let presets = shipped_presets().unwrap();
        let rules = &presets.iter().find(|p| p.id == "taarnby").unwrap().policy.login;
        let t0 = Timestamp::parse("2026-11-23T08:00:00Z").unwrap();
        let mut s = LoginState::default();
        for _ in 1..rules.lockout_attempts.value {
            s = s.after_failure(rules, t0);
            assert!(!s.is_locked(t0));
        }
        s = s.after_failure(rules, t0);
        assert!(s.is_locked(t0));
        let almost = Timestamp(t0.0 + Duration::minutes(29));
        assert!(s.is_locked(almost));
        let later = Timestamp(t0.0 + Duration::minutes(30));
        assert!(!s.is_locked(later));
        assert_eq!(s.after_failure(rules, later).failed_attempts, 1, "a new round starts after the lock");
    }

    fn taarnby() -> LoginRules {
        shipped_presets().unwrap().into_iter().find(|p| p.id == "taarnby").unwrap().policy.login
    }

    #[test]
    fn sessions_end_after_the_idle_timeout_and_the_maximum_lifetime() {
        // REQ: X-8
        let rules = taarnby();
        let t0 = Timestamp::parse("2026-11-23T08:00:00Z").unwrap();
        let at = |m: i64| Timestamp(t0.0 + Duration::minutes(m));
        assert_eq!(session_valid(t0, t0, at(29), &rules), Ok(()));
        assert_eq!(session_valid(t0, t0, at(30), &rules), Err(SessionEnd::Idle));
        // Busy all day: still ends at the maximum lifetime (12 hours in Tårnby).
        assert_eq!(session_valid(t0, at(11 * 60 + 50), at(11 * 60 + 59), &rules), Ok(()));
        assert_eq!(session_valid(t0, at(12 * 60 - 1), at(12 * 60), &rules), Err(SessionEnd::Lifetime));
    }

    #[test]
    fn a_second_factor_for_supplier_users_and_for_roles_that_grant_access() {
        // REQ: X-7
        let mut rules = taarnby();
        assert!(second_factor_required(UserRole::SupplierOrderer, &rules));
        assert!(second_factor_required(UserRole::DepartmentHead, &rules));
        assert!(second_factor_required(UserRole::SecurityCoordinator, &rules));
        assert!(!second_factor_required(UserRole::Auditor, &rules));
        assert!(!second_factor_required(UserRole::Dpo, &rules));
        rules.mfa_for_granting_roles.value = false;
        assert!(!second_factor_required(UserRole::DepartmentHead, &rules));
        assert!(second_factor_required(UserRole::SupplierOrderer, &rules), "X-7 holds for supplier users whatever the policy");
    }

    #[test]
    fn login_names_are_normalised_and_limited() {
        // REQ: AUTH-2
        assert_eq!(login_name("  Leder.Nord@Kommune.dk ").unwrap(), "leder.nord@kommune.dk");
        assert_eq!(login_name(" ").unwrap_err().code, codes::EMPTY);
        assert_eq!(login_name("ole olsen").unwrap_err().code, codes::CODE_FORMAT);
        assert_eq!(login_name(&"a".repeat(65)).unwrap_err().code, codes::CODE_FORMAT);
        assert_eq!(normalise_login_name(" Leder "), "leder");
    }
}
