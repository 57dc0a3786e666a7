//! Emergency temp accounts and supplier support accounts (EMG-1, EMG-2, EMG-3): what
//! they may reach, how long they are valid, and when their sign-off is due — rules over
//! the policy and a date, nothing else.

use crate::codes;
use crate::error::FieldError;
use crate::policy::Policy;
use crate::time::{Date, Timestamp};
use chrono::Duration;

/// EMG-1: every profile of a temp account must be inside the emergency scope.
pub fn check_emergency_scope(policy: &Policy, profile_codes: &[String]) -> Result<(), FieldError> {
    let scope = &policy.emergency.scope.value;
    if policy.emergency.max_local_administrators.value == 0 {
        return Err(FieldError::new("profiles", codes::OUTSIDE_EMERGENCY_SCOPE));
    }
    for (i, c) in profile_codes.iter().enumerate() {
        if !scope.iter().any(|s| s.eq_ignore_ascii_case(c)) {
            return Err(FieldError::with(format!("profiles[{i}]"), codes::OUTSIDE_EMERGENCY_SCOPE, c));
        }
    }
    if profile_codes.is_empty() {
        return Err(FieldError::new("profiles", codes::LIST_EMPTY));
    }
    Ok(())
}

/// EMG-2: when the unit leader's sign-off is due.
pub fn signoff_due(created: Timestamp, policy: &Policy) -> Timestamp {
    Timestamp(created.0 + Duration::hours(i64::from(policy.emergency.signoff_deadline_hours.value)))
}

/// EMG-1: the last day a temp account is valid to when the local administrator keeps
/// the offered date.
pub fn emergency_default_valid_to(today: Date, policy: &Policy) -> Date {
    Date(today.0 + Duration::days(i64::from(policy.emergency.validity_default_days.value)))
}

/// EMG-1: the last day a temp account may be valid to.
pub fn emergency_latest_valid_to(today: Date, policy: &Policy) -> Date {
    Date(today.0 + Duration::days(i64::from(policy.emergency.validity_max_days.value)))
}

/// EMG-1: a temp account ends today or later, and no later than the policy allows.
pub fn check_emergency_validity(today: Date, valid_to: Date, policy: &Policy) -> Result<(), FieldError> {
    if valid_to < today {
        return Err(FieldError::new("valid_to", codes::ENDS_BEFORE_START));
    }
    let latest = emergency_latest_valid_to(today, policy);
    if valid_to > latest {
        return Err(FieldError::with("valid_to", codes::EMERGENCY_TOO_LONG, policy.emergency.validity_max_days.value));
    }
    Ok(())
}

/// EMG-3: a support period must be within the policy's maximum.
pub fn check_support_period(from: Date, to: Date, policy: &Policy) -> Result<(), FieldError> {
    if to < from {
        return Err(FieldError::new("valid_to", codes::ENDS_BEFORE_START));
    }
    let max = policy.emergency.support_access_max_days.value;
    if (to.0 - from.0).num_days() + 1 > i64::from(max) {
        return Err(FieldError::with("valid_to", codes::PERIOD_TOO_LONG, max));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::shipped_presets;

    fn policy(id: &str) -> Policy {
        shipped_presets().unwrap().into_iter().find(|p| p.id == id).unwrap().policy
    }

    #[test]
    fn emergency_accounts_stay_within_the_emergency_scope() {
        // REQ: EMG-1
        let t = policy("taarnby");
        assert!(check_emergency_scope(&t, &["AD-LOGON".into(), "OMSORGSJOURNAL".into()]).is_ok());
        let e = check_emergency_scope(&t, &["AD-LOGON".into(), "AD-STANDARD".into()]).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (codes::OUTSIDE_EMERGENCY_SCOPE, "profiles[1]"));
        assert!(check_emergency_scope(&policy("viborg"), &["AD-LOGON".into()]).is_err(), "no emergency accounts in Viborg");
        let created = Timestamp::parse("2026-11-21T23:00:00Z").unwrap();
        assert_eq!(signoff_due(created, &t).to_string(), "2026-11-24T23:00:00.000000Z");
    }

    #[test]
    fn support_periods_are_bounded() {
        // REQ: EMG-3
        let t = policy("taarnby");
        let d = |s| Date::parse(s).unwrap();
        assert!(check_support_period(d("2026-03-01"), d("2026-03-14"), &t).is_ok());
        assert_eq!(check_support_period(d("2026-03-01"), d("2026-03-15"), &t).unwrap_err().code, codes::PERIOD_TOO_LONG);
    }

    #[test]
    fn a_temp_account_is_valid_from_today_to_the_policys_maximum() {
        // REQ: EMG-1
        let t = policy("taarnby");
        let d = |s| Date::parse(s).unwrap();
        let today = d("2026-11-21");
        assert_eq!(emergency_default_valid_to(today, &t), d("2026-11-22"), "until the end of the next shift");
        assert!(check_emergency_validity(today, d("2026-11-28"), &t).is_ok(), "the last allowed day");
        let e = check_emergency_validity(today, d("2026-11-29"), &t).unwrap_err();
        assert_eq!((e.code, e.arg.as_deref()), (codes::EMERGENCY_TOO_LONG, Some("7")));
        assert_eq!(check_emergency_validity(today, d("2026-11-20"), &t).unwrap_err().code, codes::ENDS_BEFORE_START);
    }
}
