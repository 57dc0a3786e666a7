//! NOT-1: what Portvagt tells people by e-mail, and whom. A notice is written by a
//! use-case as an outbox `notify` row naming its kind and the object it is about; the
//! mailer finds its recipients by the rule here and either mails them at once (where the
//! policy says so) or gathers it into their daily digest. A mail never carries personal
//! data: counts, deadlines and a link only.

use crate::authz::UserRole;
use serde::{Deserialize, Serialize};

/// Who is told of a notice. Every kind is registered here once, with its audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// an account was disabled for inactivity (its supplier's orderers).
    AccountDisabledInactive,
    /// EMG-2: temp accounts of a department wait for the head's sign-off.
    EmergencySignoffReminder,
    /// EMG-2, AGR-6: sign-offs or deletion confirmations are overdue (the coordinator).
    Escalation,
    /// PRV-3: a reconciliation found a target system differing from Portvagt.
    ReconciliationDrift,
    /// SEC-3: a log-control package waits for the supplier's review.
    LogControlDue,
    /// SEC-3: a log-control package is past its due date.
    LogControlOverdue,
}

/// A group of users a notice goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every active user with the role.
    Role(UserRole),
    /// The users with the role at the supplier the notice names.
    SupplierRole(UserRole),
    /// The users with the role in the department the notice names.
    DepartmentRole(UserRole),
}

impl NoticeKind {
    pub const ALL: &'static [NoticeKind] = &[
        NoticeKind::AccountDisabledInactive,
        NoticeKind::EmergencySignoffReminder,
        NoticeKind::Escalation,
        NoticeKind::ReconciliationDrift,
        NoticeKind::LogControlDue,
        NoticeKind::LogControlOverdue,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            NoticeKind::AccountDisabledInactive => "account_disabled_inactive",
            NoticeKind::EmergencySignoffReminder => "emergency_signoff_reminder",
            NoticeKind::Escalation => "escalation",
            NoticeKind::ReconciliationDrift => "reconciliation_drift",
            NoticeKind::LogControlDue => "log_control_due",
            NoticeKind::LogControlOverdue => "log_control_overdue",
        }
    }

    pub fn parse(code: &str) -> Option<NoticeKind> {
        Self::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// Who is told.
    pub const fn audience(self) -> &'static [Audience] {
        use Audience::*;
        use UserRole::*;
        match self {
            NoticeKind::AccountDisabledInactive | NoticeKind::LogControlDue => &[SupplierRole(SupplierOrderer)],
            NoticeKind::EmergencySignoffReminder => &[DepartmentRole(DepartmentHead)],
            NoticeKind::Escalation => &[Role(SecurityCoordinator)],
            NoticeKind::ReconciliationDrift => &[Role(ItOperator)],
            NoticeKind::LogControlOverdue => &[SupplierRole(SupplierOrderer), Role(SecurityCoordinator)],
        }
    }

    /// The page the mail links to, from Portvagt's address.
    pub const fn path(self) -> &'static str {
        match self {
            NoticeKind::AccountDisabledInactive => "/accounts?state=disabled",
            NoticeKind::EmergencySignoffReminder => "/inbox#signoffs",
            NoticeKind::Escalation => "/",
            NoticeKind::ReconciliationDrift => "/oversight#reconciliation",
            NoticeKind::LogControlDue => "/log-control?state=open",
            NoticeKind::LogControlOverdue => "/log-control?state=overdue",
        }
    }
}

/// Whether the day's digests are due: it is past the digest hour locally (once a day
/// per person is kept by the store's key on person and day).
pub fn digest_due(local_hour: u32, digest_hour: u32) -> bool {
    local_hour >= digest_hour
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_code_an_audience_and_a_page() {
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(k.code()), Some(*k));
            assert!(!k.audience().is_empty());
            assert!(k.path().starts_with('/'));
            let json = serde_json::to_value(k).unwrap();
            assert_eq!(json.as_str(), Some(k.code()), "serde and code agree");
        }
    }

    #[test]
    fn digest_waits_for_its_hour() {
        assert!(!digest_due(6, 7));
        assert!(digest_due(7, 7));
        assert!(digest_due(23, 7));
    }
}
