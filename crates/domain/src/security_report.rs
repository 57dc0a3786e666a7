//! The security report's rules (SEC-1, X-11): what in one event of the audit log is a
//! finding, typed like SAP's security audit classes, each with its severity. Pure: the
//! caller brings the event's facts, the account's as Portvagt knows them, and whether the
//! data subject was the supplier's client that day.

use crate::time::{Date, Timestamp};
use std::collections::HashSet;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $severity:ident;)*) => {
        /// A class of finding.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum FindingKind {
            $($(#[$doc])* $variant,)*
        }

        impl FindingKind {
            /// Every class, in the order the report lists them.
            pub const ALL: &'static [FindingKind] = &[$(FindingKind::$variant,)*];

            pub const fn code(self) -> &'static str {
                match self {
                    $(FindingKind::$variant => $code,)*
                }
            }

            pub const fn severity(self) -> Severity {
                match self {
                    $(FindingKind::$variant => Severity::$severity,)*
                }
            }
        }
    };
}

kinds! {
    /// A sign-on attempt with a username no account of the system has.
    UnknownUsername = "unknown_username", Medium;
    /// As many failed sign-ons of one username on one system as the lockout allows.
    RepeatedFailures = "repeated_failures", High;
    /// A target system reported a user locked out.
    Lockout = "lockout", Medium;
    /// A transaction (not a sign-on) without an authenticated user: an unknown or
    /// anonymous username, or one the system marked unauthenticated.
    NoAuthenticatedUser = "no_authenticated_user", High;
    /// A transaction type none of the account's roles permits (SYS-4).
    OutsideTransactionSet = "outside_transaction_set", High;
    /// Activity by an account disabled, expired, terminated or not yet started then.
    InactiveAccount = "inactive_account", High;
    /// A supplier's account looked up a data subject who was not its client that day.
    NotAClient = "not_a_client", High;
    /// Portvagt refused an attempt: an object outside the caller's reach, a locked
    /// login, a rate limit.
    RefusedInPortvagt = "refused_in_portvagt", Medium;
    /// An access the supplier's own reviewer judged unjustified in log control (SEC-3).
    UnjustifiedAccess = "unjustified_access", High;
}

impl FindingKind {
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.code() == code)
    }
}

/// Usernames target systems use for nobody in particular.
const ANONYMOUS: [&str; 5] = ["-", "anonymous", "anonym", "guest", "unauthenticated"];

/// Whether a transaction type is a sign-on (`logon`, `login.failed`, `sign_on` …).
pub fn is_sign_on(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    ["logon", "login", "sign_on", "signon", "sign-on", "authenticate"].iter().any(|p| a.starts_with(p))
}

/// Whether a transaction type reports a lockout (`lockout`, `account.locked`).
pub fn is_lockout(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    a.contains("lockout") || a.ends_with("locked")
}

/// What one event of a target system says, as far as the rules need it.
#[derive(Debug, Clone)]
pub struct EventFacts<'a> {
    pub at: Timestamp,
    pub username: &'a str,
    pub action: &'a str,
    /// `success`, `denied`, `failed`, `error`.
    pub outcome: &'a str,
    /// The system said the user was not authenticated (`details.authenticated: false`).
    pub unauthenticated: bool,
    /// The event names a data subject.
    pub has_subject: bool,
    /// The account's supplier has a client list, so its look-ups are checked.
    pub client_list: bool,
}

/// An account as Portvagt knows it.
#[derive(Debug, Clone, Default)]
pub struct AccountFacts {
    /// The account's username (the finding names it).
    pub username: String,
    pub person_id: Option<uuid::Uuid>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    /// It has never been active: it waits for approval, provisioning or its evidence.
    pub not_yet_active: bool,
    /// When it was disabled, locked or terminated last, and when it became active again
    /// after that (none while it stays so).
    pub inactive_from: Option<Timestamp>,
    pub inactive_until: Option<Timestamp>,
    /// The transaction types its roles permit, upper case (as codes are kept); empty when
    /// the system's roles declare none (then nothing is checked).
    pub transactions: HashSet<String>,
}

impl AccountFacts {
    /// When the account was not active, from its status and the last times Portvagt
    /// activated and disabled (or locked, or terminated) it.
    pub fn with_history(mut self, status: &str, activated_at: Option<Timestamp>, disabled_at: Option<Timestamp>) -> Self {
        self.not_yet_active = matches!(status, "pending_approval" | "provisioning" | "awaiting_activation") && activated_at.is_none();
        (self.inactive_from, self.inactive_until) = match (disabled_at, activated_at) {
            (Some(d), Some(a)) if a > d => (Some(d), Some(a)),
            (Some(d), _) => (Some(d), None),
            _ => (None, None),
        };
        self
    }
}

/// The findings of one event of a target system. `account` is `None` for a username
/// Portvagt does not know; `is_client` answers for the event's data subject on its day.
pub fn classify(e: &EventFacts<'_>, account: Option<&AccountFacts>, is_client: impl FnOnce() -> bool) -> Vec<FindingKind> {
    let mut out = Vec::new();
    let sign_on = is_sign_on(e.action);
    if is_lockout(e.action) {
        out.push(FindingKind::Lockout);
    }
    let anonymous = ANONYMOUS.contains(&e.username.trim().to_ascii_lowercase().as_str());
    let Some(a) = account else {
        if sign_on {
            out.push(FindingKind::UnknownUsername);
        } else if !is_lockout(e.action) {
            out.push(FindingKind::NoAuthenticatedUser);
        }
        return out;
    };
    if !sign_on && (anonymous || e.unauthenticated) {
        out.push(FindingKind::NoAuthenticatedUser);
    }
    // A refused attempt is the system doing its job; what succeeded is what matters.
    let happened = e.outcome == "success";
    let day = e.at.date();
    let inactive = a.valid_from.is_some_and(|f| day < f)
        || a.valid_to.is_some_and(|t| day > t)
        || a.not_yet_active
        || a.inactive_from.is_some_and(|f| e.at >= f && a.inactive_until.is_none_or(|u| e.at < u));
    if happened && inactive {
        out.push(FindingKind::InactiveAccount);
    }
    if happened && !sign_on && !is_lockout(e.action) && !a.transactions.is_empty() && !a.transactions.contains(&e.action.to_uppercase()) {
        out.push(FindingKind::OutsideTransactionSet);
    }
    if happened && e.has_subject && e.client_list && !is_client() {
        out.push(FindingKind::NotAClient);
    }
    out
}

/// Whether a sign-on event failed (counted towards [`FindingKind::RepeatedFailures`]).
pub fn is_failed_sign_on(action: &str, outcome: &str) -> bool {
    is_sign_on(action) && matches!(outcome, "failed" | "denied")
}

/// Portvagt's own events that are refused attempts (`access.denied`, a locked login, a
/// rate limit).
pub fn is_refusal_in_portvagt(action: &str) -> bool {
    use crate::audit_action::AuditAction as A;
    [A::AccessDenied, A::LoginLocked, A::RequestRateLimited].iter().any(|a| a.code() == action)
}

/// One finding: events of one class by one actor on one system in the report's period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// The target system that reported the events, or `portvagt`.
    pub source: String,
    /// The events' actor as the log keys it: an account's or a user's id, or
    /// `username@system` for a username Portvagt does not know.
    pub actor: String,
    /// The username as the system reported it (or Portvagt's user).
    pub username: String,
    pub person_id: Option<uuid::Uuid>,
    pub supplier_id: Option<uuid::Uuid>,
    pub count: u64,
    pub first_at: String,
    pub last_at: String,
    /// The transaction types seen (at most [`MAX_ACTIONS`]).
    pub actions: Vec<String>,
    /// How many events named a data subject (never who).
    pub with_subject: u64,
    /// The first events' sequence numbers (at most [`MAX_SEQS`]), to open in the log.
    pub seqs: Vec<u64>,
}

pub const MAX_ACTIONS: usize = 10;
pub const MAX_SEQS: usize = 50;

impl Finding {
    /// Adds one event to the finding.
    pub fn add(&mut self, seq: u64, at: &str, action: &str, with_subject: bool) {
        self.count += 1;
        if at < self.first_at.as_str() {
            self.first_at = at.to_string();
        }
        if at > self.last_at.as_str() {
            self.last_at = at.to_string();
        }
        if self.actions.len() < MAX_ACTIONS && !self.actions.iter().any(|a| a == action) {
            self.actions.push(action.to_string());
        }
        self.with_subject += u64::from(with_subject);
        if self.seqs.len() < MAX_SEQS {
            self.seqs.push(seq);
        }
    }
}

/// Where a report stands as a case (SEC-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Made, nobody looks at it yet.
    Open,
    /// The coordinator or the area's department head is looking into it.
    Investigating,
    /// Looked into without finding misuse: deleted after the policy's days.
    Closed,
    /// Misuse found: with the security officer, its events under a legal hold.
    Misuse,
}

impl CaseState {
    pub const ALL: [CaseState; 4] = [CaseState::Open, CaseState::Investigating, CaseState::Closed, CaseState::Misuse];

    pub fn code(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::Investigating => "investigating",
            CaseState::Closed => "closed",
            CaseState::Misuse => "misuse",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// A step on a report's case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStep {
    /// Hand it to a department's head (the coordinator).
    Assign,
    /// Start looking into it.
    Investigate,
    /// No misuse found.
    Close,
    /// Misuse found.
    Misuse,
}

/// Which steps a case in `state` allows: it is handed on or taken up while open, looked
/// into before it is concluded, and a conclusion is final.
pub fn may_step(state: CaseState, step: CaseStep) -> bool {
    use CaseState as S;
    use CaseStep as T;
    matches!((state, step), (S::Open | S::Investigating, T::Assign) | (S::Open, T::Investigate) | (S::Investigating, T::Close | T::Misuse))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn event<'a>(action: &'a str, outcome: &'a str) -> EventFacts<'a> {
        EventFacts {
            at: at("2026-11-10T10:00:00Z"),
            username: "omsmet1",
            action,
            outcome,
            unauthenticated: false,
            has_subject: false,
            client_list: true,
        }
    }

    fn active() -> AccountFacts {
        AccountFacts {
            valid_from: Date::parse("2026-01-01").ok(),
            valid_to: Date::parse("2026-12-31").ok(),
            not_yet_active: false,
            inactive_from: None,
            inactive_until: None,
            transactions: ["JOURNAL.READ".to_string()].into_iter().collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_clean_event_is_no_finding_and_each_class_has_its_own_cause() {
        // REQ: SEC-1, SYS-4, X-11
        let a = active();
        assert!(classify(&event("journal.read", "success"), Some(&a), || true).is_empty());
        assert!(classify(&event("logon", "success"), Some(&a), || true).is_empty());
        assert_eq!(classify(&event("logon", "failed"), None, || true), vec![FindingKind::UnknownUsername]);
        assert_eq!(classify(&event("journal.read", "success"), None, || true), vec![FindingKind::NoAuthenticatedUser]);
        assert_eq!(classify(&event("journal.export", "success"), Some(&a), || true), vec![FindingKind::OutsideTransactionSet]);
        let mut subject = event("journal.read", "success");
        subject.has_subject = true;
        assert_eq!(classify(&subject, Some(&a), || false), vec![FindingKind::NotAClient]);
        subject.client_list = false;
        assert!(classify(&subject, Some(&a), || false).is_empty(), "no list, no check");
        let disabled = AccountFacts { inactive_from: Some(at("2026-11-01T00:00:00Z")), ..active() };
        let unlocked = AccountFacts { inactive_until: Some(at("2026-11-05T00:00:00Z")), ..disabled.clone() };
        assert!(classify(&event("journal.read", "success"), Some(&unlocked), || true).is_empty(), "active again by then");
        let waiting = AccountFacts { not_yet_active: true, ..active() };
        assert_eq!(classify(&event("logon", "success"), Some(&waiting), || true), vec![FindingKind::InactiveAccount]);
        assert_eq!(classify(&event("journal.read", "success"), Some(&disabled), || true), vec![FindingKind::InactiveAccount]);
        assert!(classify(&event("journal.read", "denied"), Some(&disabled), || true).is_empty(), "refused by the system: no activity");
        let later = AccountFacts { valid_from: Date::parse("2026-12-01").ok(), ..active() };
        assert_eq!(classify(&event("logon", "success"), Some(&later), || true), vec![FindingKind::InactiveAccount]);
        assert_eq!(classify(&event("lockout", "success"), Some(&a), || true), vec![FindingKind::Lockout]);
        let mut anon = event("journal.read", "success");
        anon.unauthenticated = true;
        assert_eq!(classify(&anon, Some(&a), || true), vec![FindingKind::NoAuthenticatedUser]);
    }

    #[test]
    fn a_case_is_taken_up_before_it_is_concluded_and_a_conclusion_is_final() {
        // REQ: SEC-2
        use CaseState as S;
        use CaseStep as T;
        assert!(may_step(S::Open, T::Investigate) && may_step(S::Open, T::Assign));
        assert!(!may_step(S::Open, T::Close) && !may_step(S::Open, T::Misuse), "looked into first");
        assert!(may_step(S::Investigating, T::Close) && may_step(S::Investigating, T::Misuse));
        for done in [S::Closed, S::Misuse] {
            for step in [T::Assign, T::Investigate, T::Close, T::Misuse] {
                assert!(!may_step(done, step), "{done:?} {step:?}");
            }
        }
    }

    #[test]
    fn every_class_has_a_code_that_parses_back() {
        for k in FindingKind::ALL {
            assert_eq!(FindingKind::parse(k.code()), Some(*k));
        }
        assert!(is_refusal_in_portvagt("access.denied") && !is_refusal_in_portvagt("login.success"));
    }
}
