//! Rules for logging in to Portvagt: lockout after failed attempts (AUTH-3).

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
}
