//! Accounts in target systems (ACC-1..ACC-9, EMG-1..EMG-3, X-3): usernames, initial
//! passwords, activation preconditions, the daily lifecycle and emergency accounts. Pure
//! functions over plain data and `now`.

use crate::codes;
use crate::error::FieldError;
use crate::policy::{ActivationCheck, PasswordRules, Policy};
use crate::time::{Date, Timestamp};
use chrono::{Duration, Months};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

pub use crate::emergency::*;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Where an account is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AccountStatus {
    /// A support account waiting for the security officer's approval (EMG-3).
    PendingApproval,
    /// Being created in the target system.
    Provisioning,
    /// Created, waiting for the activation evidence (ACC-4) or attestations (AGR-4).
    AwaitingActivation,
    Active,
    /// Locked on suspected compromise (ACC-9); the coordinator can re-enable it.
    Locked,
    /// Disabled by the lifecycle (end date, agreement end, inactivity).
    Disabled,
    /// Ended for good (termination, revocation); its username is quarantined.
    Terminated,
}

impl AccountStatus {
    pub const ALL: [AccountStatus; 7] =
        [Self::PendingApproval, Self::Provisioning, Self::AwaitingActivation, Self::Active, Self::Locked, Self::Disabled, Self::Terminated];
    pub const fn as_str(&self) -> &'static str {
        match self {
            AccountStatus::PendingApproval => "pending_approval",
            AccountStatus::Provisioning => "provisioning",
            AccountStatus::AwaitingActivation => "awaiting_activation",
            AccountStatus::Active => "active",
            AccountStatus::Locked => "locked",
            AccountStatus::Disabled => "disabled",
            AccountStatus::Terminated => "terminated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Usable or about to be: counts towards the agreement's user cap.
    pub fn is_live(&self) -> bool {
        matches!(self, AccountStatus::Provisioning | AccountStatus::AwaitingActivation | AccountStatus::Active | AccountStatus::Locked)
    }
}

/// What kind of account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AccountKind {
    Regular,
    /// EMG-1: a temp account made by a local administrator.
    Emergency,
    /// EMG-3: a supplier's support account with wide access for one task and period.
    Support,
}

impl AccountKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            AccountKind::Regular => "regular",
            AccountKind::Emergency => "emergency",
            AccountKind::Support => "support",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Regular, Self::Emergency, Self::Support].into_iter().find(|x| x.as_str() == s)
    }
}

fn ascii_fold(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(|c| c.to_lowercase()) {
        match c {
            'æ' | 'ä' => out.push_str("ae"),
            'ø' | 'ö' => out.push_str("oe"),
            'å' => out.push_str("aa"),
            'é' | 'è' | 'ê' => out.push('e'),
            'ü' => out.push('u'),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

/// What a username is made from.
#[derive(Debug, Clone, Copy, Default)]
pub struct NameParts<'a> {
    pub person: &'a str,
    pub supplier: Option<&'a str>,
    /// The code of the department (institution) the account belongs to.
    pub department: Option<&'a str>,
}

/// ACC-2: a username from a system's pattern, unique among `taken` (which holds the
/// usernames in use and those in quarantine, ACC-3). Pattern parts: `{initials:N}`,
/// `{first:N}`, `{last:N}`, `{supplier:N}`, `{department:N}`, `{n}` (a number counting
/// from 1); other characters are kept. Without `{n}`, a number is appended when needed.
/// T p.63's network names are `{initials:3}{department:4}`; supplier staff
/// `{supplier:3}{initials:3}{n}`.
pub fn generate_username(pattern: &str, parts: NameParts, taken: &HashSet<String>) -> Result<String, FieldError> {
    let person_name = parts.person;
    let supplier_name = parts.supplier;
    let words: Vec<String> = person_name.split_whitespace().map(ascii_fold).filter(|w| !w.is_empty()).collect();
    let initials: String = words.iter().filter_map(|w| w.chars().next()).collect();
    let first = words.first().cloned().unwrap_or_default();
    let last = words.last().cloned().unwrap_or_default();
    let supplier = supplier_name.map(ascii_fold).unwrap_or_default();
    let department = parts.department.map(ascii_fold).unwrap_or_default();
    let take = |s: &str, n: usize| -> String { s.chars().take(n).collect() };
    let mut base = String::new();
    let mut has_counter = false;
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        base.push_str(&rest[..start]);
        let end = rest[start..].find('}').map(|e| start + e).ok_or_else(|| FieldError::new("username_pattern", codes::INVALID_VALUE))?;
        let token = &rest[start + 1..end];
        let (name, n) = match token.split_once(':') {
            Some((a, b)) => (a, b.parse::<usize>().map_err(|_| FieldError::new("username_pattern", codes::INVALID_VALUE))?),
            None => (token, usize::MAX),
        };
        match name {
            "initials" => base.push_str(&take(&initials, n)),
            "first" => base.push_str(&take(&first, n)),
            "last" => base.push_str(&take(&last, n)),
            "supplier" => base.push_str(&take(&supplier, n)),
            "department" => base.push_str(&take(&department, n)),
            "n" => {
                has_counter = true;
                base.push_str("{n}");
            }
            _ => return Err(FieldError::new("username_pattern", codes::INVALID_VALUE)),
        }
        rest = &rest[end + 1..];
    }
    base.push_str(rest);
    let base = base.to_lowercase();
    if !has_counter && !taken.contains(&base) && !base.is_empty() {
        return Ok(base);
    }
    for i in 1..10_000 {
        let candidate = if has_counter { base.replace("{n}", &i.to_string()) } else { format!("{base}{i}") };
        if !taken.contains(&candidate) {
            return Ok(candidate);
        }
    }
    Err(FieldError::new("username", codes::USERNAME_EXHAUSTED))
}

/// ACC-3: until when a released username stays in quarantine.
pub fn quarantine_until(released: Timestamp, policy: &Policy) -> Timestamp {
    let months = policy.accounts.username_quarantine_months.value;
    Timestamp(released.0.checked_add_months(Months::new(months)).unwrap_or(released.0))
}

/// ACC-8: an initial password that follows the target system's rules. It is set with
/// "must change at next logon".
pub fn generate_password(rules: &PasswordRules, rng: &mut impl Rng) -> String {
    const UPPER: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &str = "abcdefghijkmnopqrstuvwxyz";
    const DIGIT: &str = "23456789";
    let allowed = |set: &str| -> Vec<char> { set.chars().filter(|c| !rules.forbidden_characters.value.contains(*c)).collect() };
    let (upper, lower, digit) = (allowed(UPPER), allowed(LOWER), allowed(DIGIT));
    let all: Vec<char> = upper.iter().chain(&lower).chain(&digit).copied().collect();
    let len = rules.min_length.value.max(16).min(rules.max_length.value) as usize;
    let mut chars: Vec<char> = Vec::with_capacity(len);
    for (needed, set) in [(rules.require_upper.value, &upper), (rules.require_lower.value, &lower), (rules.require_digit.value, &digit)] {
        if needed && !set.is_empty() {
            chars.push(set[rng.gen_range(0..set.len())]);
        }
    }
    while chars.len() < len {
        chars.push(all[rng.gen_range(0..all.len())]);
    }
    // Shuffle so the required classes are not always first.
    for i in (1..chars.len()).rev() {
        chars.swap(i, rng.gen_range(0..=i));
    }
    chars.into_iter().collect()
}

/// ACC-4: evidence recorded for a person before their accounts are activated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The kinds of activation evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum EvidenceKind {
    /// Informed of the duty of confidentiality, Danish Criminal Code §152.
    ConfidentialityDeclaration,
    Training,
    IdentityCheck,
}

impl From<ActivationCheck> for EvidenceKind {
    fn from(c: ActivationCheck) -> Self {
        match c {
            ActivationCheck::ConfidentialityDeclaration => EvidenceKind::ConfidentialityDeclaration,
            ActivationCheck::Training => EvidenceKind::Training,
            ActivationCheck::IdentityCheck => EvidenceKind::IdentityCheck,
        }
    }
}

/// ACC-4: the evidence the policy asks for that is not yet recorded.
pub fn missing_evidence(policy: &Policy, recorded: &[EvidenceKind]) -> Vec<EvidenceKind> {
    policy.accounts.activation_requires.value.iter().map(|c| EvidenceKind::from(*c)).filter(|k| !recorded.contains(k)).collect()
}

/// What the daily lifecycle looks at, per account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleAccount {
    pub id: Uuid,
    pub status: AccountStatus,
    pub kind: AccountKind,
    pub valid_to: Option<Date>,
    /// The agreement's last day and whether its record is active.
    pub agreement: Option<(Date, bool)>,
    /// The last day of the person's affiliation with the agreement's supplier, when it
    /// has one (`None`: open-ended, or no affiliation recorded).
    pub affiliation_to: Option<Date>,
    /// The last recorded sign-on; `None` when none was ever reported, which never
    /// counts as inactivity.
    pub last_activity: Option<Timestamp>,
}

/// Why the lifecycle disabled an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum DisableReason {
    /// ACC-5: the account's end date has passed.
    EndDate,
    /// AGR-1: the agreement ended or was deactivated.
    AgreementEnded,
    /// ORG-4, ACC-6: the person's affiliation with the supplier ended — a leaver
    /// nobody reported.
    AffiliationEnded,
    /// unused for the configured number of days.
    Inactive,
    /// ACC-9.
    Locked,
    /// REQ-7, ACC-6.
    Terminated,
}

/// ACC-5, AGR-1, X-3, EMG-3: which accounts the daily run disables, without anybody
/// acting. An account whose last day is `d` works through `d` and is disabled after it.
pub fn daily_disable(accounts: &[LifecycleAccount], policy: &Policy, now: Timestamp) -> Vec<(Uuid, DisableReason)> {
    let today = now.date();
    let inactive_days = policy.accounts.inactivity_disable_days.value;
    accounts
        .iter()
        .filter(|a| {
            matches!(
                a.status,
                AccountStatus::Active | AccountStatus::AwaitingActivation | AccountStatus::Provisioning | AccountStatus::Locked
            )
        })
        .filter_map(|a| {
            if a.agreement.is_some_and(|(end, active)| !active || end < today) {
                return Some((a.id, DisableReason::AgreementEnded));
            }
            if a.affiliation_to.is_some_and(|end| end < today) {
                return Some((a.id, DisableReason::AffiliationEnded));
            }
            if a.valid_to.is_some_and(|end| end < today) {
                return Some((a.id, DisableReason::EndDate));
            }
            if inactive_days > 0
                && a.status == AccountStatus::Active
                && a.last_activity.is_some_and(|t| now.0 - t.0 > Duration::days(i64::from(inactive_days)))
            {
                return Some((a.id, DisableReason::Inactive));
            }
            None
        })
        .collect()
}

/// How an account's state reads to a person: an active account whose first day is still
/// ahead is "created, active from …", never "active" (it is not usable before then).
pub fn shown_status(status: AccountStatus, valid_from: Date, today: Date) -> (&'static str, Option<Date>) {
    if status == AccountStatus::Active && valid_from > today { ("active_from", Some(valid_from)) } else { (status.as_str(), None) }
}

/// ORG-4: the last day of a person's affiliation with a supplier: the latest `to` of
/// their affiliations with it, `None` when one of them is open-ended or there is none.
pub fn affiliation_end(affiliations: &[crate::registry::Affiliation], supplier: Uuid) -> Option<Date> {
    let with: Vec<&crate::registry::Affiliation> = affiliations.iter().filter(|a| a.supplier_id == supplier).collect();
    if with.is_empty() || with.iter().any(|a| a.to.is_none()) {
        return None;
    }
    with.iter().filter_map(|a| a.to).max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::shipped_presets;
    use rand::SeedableRng;

    fn policy(id: &str) -> Policy {
        shipped_presets().unwrap().into_iter().find(|p| p.id == id).unwrap().policy
    }

    #[test]
    fn usernames_follow_the_pattern_and_are_unique() {
        // REQ: ACC-2
        let mut taken = HashSet::new();
        let søren = NameParts { person: "Søren Ærø Ålund", supplier: Some("Omsorg Nord ApS"), department: None };
        let u = generate_username("{supplier:3}{initials:3}{n}", søren, &taken).unwrap();
        assert_eq!(u, "omssaa1");
        taken.insert(u);
        assert_eq!(generate_username("{supplier:3}{initials:3}{n}", søren, &taken).unwrap(), "omssaa2");
        let bo = NameParts { person: "Bo Li", ..NameParts::default() };
        assert_eq!(generate_username("{initials:4}", bo, &HashSet::new()).unwrap(), "bl");
        let taken: HashSet<String> = ["bl".to_string()].into();
        assert_eq!(generate_username("{initials:4}", bo, &taken).unwrap(), "bl1");
        assert!(generate_username("{unknown}", bo, &taken).is_err());
        // Tårnby's network names: three initials, then the institution.
        let lone = NameParts { person: "Lone Birgitte Kristensen", supplier: None, department: Some("HJEM") };
        assert_eq!(generate_username("{initials:3}{department:4}", lone, &HashSet::new()).unwrap(), "lbkhjem");
    }

    #[test]
    fn a_released_username_is_quarantined_for_24_months_in_taarnby() {
        // REQ: ACC-3
        let released = Timestamp::parse("2026-02-15T10:00:00Z").unwrap();
        assert_eq!(quarantine_until(released, &policy("taarnby")).to_string(), "2028-02-15T10:00:00.000000Z");
    }

    #[test]
    fn initial_passwords_follow_the_target_rules() {
        // REQ: ACC-8
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for id in ["taarnby", "viborg", "ostra-goinge"] {
            let rules = policy(id).target_password;
            for _ in 0..200 {
                let pw = generate_password(&rules, &mut rng);
                assert!(rules.check_password(&pw).is_ok(), "{id}: {pw}");
            }
        }
    }

    #[test]
    fn activation_waits_for_the_confidentiality_declaration_in_viborg() {
        // REQ: ACC-4
        let p = policy("viborg");
        assert_eq!(
            missing_evidence(&p, &[EvidenceKind::Training, EvidenceKind::IdentityCheck]),
            vec![EvidenceKind::ConfidentialityDeclaration]
        );
        assert!(
            missing_evidence(&p, &[EvidenceKind::Training, EvidenceKind::IdentityCheck, EvidenceKind::ConfidentialityDeclaration])
                .is_empty()
        );
    }

    #[test]
    fn the_daily_run_disables_at_end_date_agreement_end_and_inactivity() {
        // REQ: ACC-5, AGR-1, X-3, ORG-4
        let p = policy("viborg");
        let now = Timestamp::parse("2026-07-01T02:00:00Z").unwrap();
        let acc = |status, valid_to: Option<&str>, agreement: Option<(&str, bool)>, last: Option<&str>| LifecycleAccount {
            id: Uuid::now_v7(),
            status,
            kind: AccountKind::Regular,
            valid_to: valid_to.map(|d| Date::parse(d).unwrap()),
            agreement: agreement.map(|(d, a)| (Date::parse(d).unwrap(), a)),
            affiliation_to: None,
            last_activity: last.map(|t| Timestamp::parse(t).unwrap()),
        };
        let mut left = acc(AccountStatus::Active, None, Some(("2027-01-01", true)), None);
        left.affiliation_to = Some(Date::parse("2026-06-30").unwrap());
        let mut leaving_today = acc(AccountStatus::Locked, None, Some(("2027-01-01", true)), None);
        leaving_today.affiliation_to = Some(Date::parse("2026-07-01").unwrap());
        let accounts = vec![
            acc(AccountStatus::Active, Some("2026-06-30"), None, None),
            acc(AccountStatus::Active, Some("2026-07-01"), None, None),
            acc(AccountStatus::Active, None, Some(("2026-06-30", true)), None),
            acc(AccountStatus::Active, None, Some(("2027-01-01", false)), None),
            acc(AccountStatus::Active, None, None, Some("2026-03-01T00:00:00Z")),
            acc(AccountStatus::Active, None, None, Some("2026-05-01T00:00:00Z")),
            acc(AccountStatus::Terminated, Some("2020-01-01"), None, None),
            left,
            leaving_today,
        ];
        let out = daily_disable(&accounts, &p, now);
        let reasons: Vec<(usize, DisableReason)> =
            out.iter().map(|(id, r)| (accounts.iter().position(|a| a.id == *id).unwrap(), *r)).collect();
        assert_eq!(
            reasons,
            vec![
                (0, DisableReason::EndDate),
                (2, DisableReason::AgreementEnded),
                (3, DisableReason::AgreementEnded),
                (4, DisableReason::Inactive),
                (7, DisableReason::AffiliationEnded)
            ]
        );
    }

    #[test]
    fn an_account_is_not_shown_active_before_its_first_day() {
        // REQ: ACC-5
        let d = |s: &str| Date::parse(s).unwrap();
        assert_eq!(shown_status(AccountStatus::Active, d("2026-12-20"), d("2026-12-01")), ("active_from", Some(d("2026-12-20"))));
        assert_eq!(shown_status(AccountStatus::Active, d("2026-12-01"), d("2026-12-01")), ("active", None));
        assert_eq!(shown_status(AccountStatus::Locked, d("2026-12-20"), d("2026-12-01")), ("locked", None));
    }

    #[test]
    fn an_affiliation_ends_on_the_last_day_of_the_persons_affiliations_with_the_supplier() {
        // REQ: ORG-4, ACC-6
        let (s, other) = (Uuid::now_v7(), Uuid::now_v7());
        let aff = |supplier, to: Option<&str>| crate::registry::Affiliation {
            supplier_id: supplier,
            from: Date::parse("2025-01-01").unwrap(),
            to: to.map(|d| Date::parse(d).unwrap()),
            employee_ref: None,
        };
        assert_eq!(affiliation_end(&[aff(s, Some("2026-03-31")), aff(other, None)], s), Some(Date::parse("2026-03-31").unwrap()));
        assert_eq!(affiliation_end(&[aff(s, Some("2026-03-31")), aff(s, Some("2026-09-30"))], s), Some(Date::parse("2026-09-30").unwrap()));
        assert_eq!(affiliation_end(&[aff(s, Some("2026-03-31")), aff(s, None)], s), None, "rehired, open-ended");
        assert_eq!(affiliation_end(&[aff(other, Some("2026-03-31"))], s), None, "no affiliation with this supplier");
    }
}

/// What Portvagt holds about an account, for reconciliation (PRV-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedAccount {
    pub username: String,
    pub status: AccountStatus,
    /// The role codes approved for it.
    pub groups: Vec<String>,
}

/// An account as a target system reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedAccount {
    pub username: String,
    pub enabled: bool,
    pub groups: Vec<String>,
}

/// A difference between what was approved and what the target holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Drift {
    /// In the target, unknown to Portvagt.
    Orphan { username: String },
    /// Approved and live in Portvagt, absent from the target.
    Missing { username: String },
    /// Enabled in the target although Portvagt has it locked, disabled or ended.
    EnabledButShouldNotBe { username: String, status: AccountStatus },
    /// Disabled in the target although it is active in Portvagt.
    DisabledButShouldBeEnabled { username: String },
    /// Group memberships beyond or short of the approved roles.
    Groups { username: String, extra: Vec<String>, missing: Vec<String> },
}

/// PRV-3: orphans and drift between Portvagt's accounts in one system and the target's.
/// Accounts still being created are not expected in the target yet.
pub fn reconcile(expected: &[ExpectedAccount], observed: &[ObservedAccount]) -> Vec<Drift> {
    use std::collections::{BTreeSet, HashMap};
    let known: HashMap<&str, &ExpectedAccount> = expected.iter().map(|e| (e.username.as_str(), e)).collect();
    let seen: HashMap<&str, &ObservedAccount> = observed.iter().map(|o| (o.username.as_str(), o)).collect();
    let mut out = Vec::new();
    for o in observed {
        let Some(e) = known.get(o.username.as_str()) else {
            out.push(Drift::Orphan { username: o.username.clone() });
            continue;
        };
        let should_be_enabled = e.status == AccountStatus::Active;
        if o.enabled && !should_be_enabled && !matches!(e.status, AccountStatus::Provisioning | AccountStatus::PendingApproval) {
            out.push(Drift::EnabledButShouldNotBe { username: o.username.clone(), status: e.status });
        }
        if !o.enabled && should_be_enabled {
            out.push(Drift::DisabledButShouldBeEnabled { username: o.username.clone() });
        }
        if e.status.is_live() {
            let want: BTreeSet<&String> = e.groups.iter().collect();
            let have: BTreeSet<&String> = o.groups.iter().collect();
            let extra: Vec<String> = have.difference(&want).map(|s| s.to_string()).collect();
            let missing: Vec<String> = want.difference(&have).map(|s| s.to_string()).collect();
            if !extra.is_empty() || !missing.is_empty() {
                out.push(Drift::Groups { username: o.username.clone(), extra, missing });
            }
        }
    }
    for e in expected {
        if matches!(e.status, AccountStatus::Active | AccountStatus::AwaitingActivation | AccountStatus::Locked)
            && !seen.contains_key(e.username.as_str())
        {
            out.push(Drift::Missing { username: e.username.clone() });
        }
    }
    out
}

#[cfg(test)]
mod reconcile_tests {
    use super::*;

    #[test]
    fn orphans_missing_accounts_wrong_state_and_extra_groups_are_reported() {
        // REQ: PRV-3
        let e =
            |u: &str, status, g: &[&str]| ExpectedAccount { username: u.into(), status, groups: g.iter().map(|s| s.to_string()).collect() };
        let o = |u: &str, enabled, g: &[&str]| ObservedAccount {
            username: u.into(),
            enabled,
            groups: g.iter().map(|s| s.to_string()).collect(),
        };
        let expected = vec![
            e("ok", AccountStatus::Active, &["A"]),
            e("extra", AccountStatus::Active, &["A"]),
            e("ended", AccountStatus::Terminated, &["A"]),
            e("gone", AccountStatus::Active, &["A"]),
            e("new", AccountStatus::Provisioning, &["A"]),
            e("off", AccountStatus::Active, &["A"]),
        ];
        let observed = vec![
            o("ok", true, &["A"]),
            o("extra", true, &["A", "ADMIN"]),
            o("ended", true, &["A"]),
            o("stranger", true, &[]),
            o("off", false, &["A"]),
        ];
        let drift = reconcile(&expected, &observed);
        assert_eq!(
            drift,
            vec![
                Drift::Groups { username: "extra".into(), extra: vec!["ADMIN".into()], missing: vec![] },
                Drift::EnabledButShouldNotBe { username: "ended".into(), status: AccountStatus::Terminated },
                Drift::Orphan { username: "stranger".into() },
                Drift::DisabledButShouldBeEnabled { username: "off".into() },
                Drift::Missing { username: "gone".into() },
            ]
        );
    }
}
