//! Policy as data (OPS-3, X-6): every number of the requirement catalogue is a setting
//! that records its source. Presets ship as TOML files (`presets/*.toml`) and are parsed
//! and checked here; a malformed or inconsistent preset is refused with an error naming
//! the file, the key and the problem.

use crate::registry::AttestationKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a policy value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SourceKind {
    Law,
    Contract,
    MunicipalRule,
    Standard,
    Guidance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Source {
    pub kind: SourceKind,
    /// Document and place, e.g. "Tårnby IT-sikkerhedsregler 2014, s. 62".
    pub reference: String,
}

/// A policy value with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadTimes {
    /// REQ-3: days between ordering and the wanted start of a new account.
    pub new_account_days: Setting<u32>,
    pub change_days: Setting<u32>,
    pub extension_days: Setting<u32>,
}

/// Evidence recorded before an account is activated (ACC-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivationCheck {
    /// Informed of the duty of confidentiality, Danish Criminal Code §152.
    ConfidentialityDeclaration,
    Training,
    IdentityCheck,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRules {
    /// ACC-3: months before a released username may be used again.
    pub username_quarantine_months: Setting<u32>,
    /// days without use before an account is disabled; 0 turns it off.
    pub inactivity_disable_days: Setting<u32>,
    pub activation_requires: Setting<Vec<ActivationCheck>>,
    /// AGR-4: attestations an agreement needs before new accounts under it activate.
    pub required_attestations: Setting<Vec<AttestationKind>>,
    pub attestations_block_activation: Setting<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emergency {
    /// EMG-1: how many local administrators may create temp accounts.
    pub max_local_administrators: Setting<u32>,
    /// EMG-1: what a temp account may reach (system or profile codes).
    pub scope: Setting<Vec<String>>,
    /// EMG-2: hours within which the unit's leader signs off.
    pub signoff_deadline_hours: Setting<u32>,
    /// EMG-3: the longest a supplier support account may be approved for.
    pub support_access_max_days: Setting<u32>,
    /// EMG-1: days a temp account is valid when the local administrator keeps the
    /// offered date (1: until the end of tomorrow, the next shift).
    pub validity_default_days: Setting<u32>,
    /// EMG-1: the most days ahead a temp account may be valid to.
    pub validity_max_days: Setting<u32>,
}

/// Password rules, for Portvagt's local accounts (AUTH-2) and for initial passwords set
/// in target systems (ACC-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordRules {
    pub min_length: Setting<u32>,
    pub max_length: Setting<u32>,
    pub require_upper: Setting<bool>,
    pub require_lower: Setting<bool>,
    pub require_digit: Setting<bool>,
    /// Characters a password may not contain (T p.63: no æ, ø, å).
    pub forbidden_characters: Setting<String>,
    /// How many previous passwords may not be reused; 0 turns it off.
    pub history: Setting<u32>,
    /// Forced change after this many days; 0 means no forced rotation.
    pub max_age_days: Setting<u32>,
    pub breached_password_check: Setting<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRules {
    /// AUTH-3: failed attempts before the account is locked.
    pub lockout_attempts: Setting<u32>,
    pub lockout_minutes: Setting<u32>,
    ///
    pub session_idle_minutes: Setting<u32>,
    pub session_max_hours: Setting<u32>,
    /// TOTP required for roles that can grant access.
    pub mfa_for_granting_roles: Setting<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRules {
    /// LOG-4: months an event's payload is kept.
    pub retention_months: Setting<u32>,
    /// SEC-2: days a security report closed without misuse is kept before it is deleted.
    pub closed_report_keep_days: Setting<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentRules {
    /// INC-2: supplier → municipality's DPO.
    pub supplier_notice_hours: Setting<u32>,
    /// controller → data protection authority (GDPR art. 33).
    pub authority_notice_hours: Setting<u32>,
    pub nis2_early_warning_hours: Setting<u32>,
    pub nis2_notification_hours: Setting<u32>,
    pub nis2_final_report_days: Setting<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRules {
    /// REV-1.
    pub interval_months: Setting<u32>,
    /// REV-3.
    pub reminder_days_before: Setting<u32>,
    pub duration_days: Setting<u32>,
}

/// SEC-3: the log-control packages suppliers review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogControlRules {
    /// Months between packages (one per supplier, of the months since the last).
    pub interval_months: Setting<u32>,
    /// Random entries for every account with accesses.
    pub min_per_account: Setting<u32>,
    /// Random entries as a percentage of the supplier's accesses.
    pub sample_percent: Setting<u32>,
    /// The most entries one targeted stratum contributes.
    pub targeted_max: Setting<u32>,
    /// Days the supplier has to review and sign off a package.
    pub review_days: Setting<u32>,
    /// The period's last days, whose accesses are "recent".
    pub recent_days: Setting<u32>,
    /// Working hours, in the municipality's time: accesses outside them are targeted.
    pub working_hours_start: Setting<u32>,
    pub working_hours_end: Setting<u32>,
}

/// NOT-1: e-mail to the people who have something to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationRules {
    /// The local hour from which each person's daily digest goes out.
    pub digest_hour: Setting<u32>,
    /// The notices mailed at once besides the digest.
    pub immediate: Setting<Vec<crate::notice::NoticeKind>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngagementRules {
    /// AGR-6: days after an engagement ends to confirm deletion of personal data.
    pub deletion_confirmation_days: Setting<u32>,
}

/// Every setting of one municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub lead_times: LeadTimes,
    pub accounts: AccountRules,
    pub emergency: Emergency,
    /// Portvagt's own local accounts (AUTH-2).
    pub password: PasswordRules,
    /// Initial passwords set in target systems (ACC-8).
    pub target_password: PasswordRules,
    pub login: LoginRules,
    pub audit: AuditRules,
    pub incidents: IncidentRules,
    pub reviews: ReviewRules,
    pub log_control: LogControlRules,
    pub notifications: NotificationRules,
    pub engagement: EngagementRules,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Country {
    #[default]
    DK,
    SE,
}

/// A preset: a named, complete policy for one municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    pub id: String,
    pub name: String,
    pub country: Country,
    /// `da`, `sv` or `en`.
    pub default_language: String,
    pub policy: Policy,
}

/// Why a preset file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetError {
    pub file: String,
    pub key: String,
    pub problem: String,
}

impl fmt::Display for PresetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "policy preset {}: key `{}`: {}", self.file, self.key, self.problem)
    }
}

impl std::error::Error for PresetError {}

/// The presets shipped with Portvagt, as (file name, text).
pub const SHIPPED_PRESETS: &[(&str, &str)] = &[
    ("viborg.toml", include_str!("../../../presets/viborg.toml")),
    ("taarnby.toml", include_str!("../../../presets/taarnby.toml")),
    ("ostra-goinge.toml", include_str!("../../../presets/ostra-goinge.toml")),
];

impl Preset {
    /// Parses and checks a preset file's text. `file` is used in errors only.
    pub fn from_toml(file: &str, text: &str) -> Result<Preset, PresetError> {
        let err = |key: String, problem: String| PresetError { file: file.to_string(), key, problem };
        let de = toml::Deserializer::new(text);
        let preset: Preset = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            // toml's message carries a source excerpt after the first line.
            let problem = inner.message().lines().next().unwrap_or("malformed").to_string();
            err(if key == "." { String::new() } else { key }, problem)
        })?;
        preset.check().map_err(|(key, problem)| err(key, problem))?;
        Ok(preset)
    }

    /// Consistency rules across settings.
    fn check(&self) -> Result<(), (String, String)> {
        let p = &self.policy;
        let e = |k: &str, m: &str| Err((k.to_string(), m.to_string()));
        if self.id.is_empty() || !self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return e("id", "must be lower-case letters, digits and '-'");
        }
        if !["da", "sv", "en"].contains(&self.default_language.as_str()) {
            return Err(("default_language".into(), format!("'{}' is not one of da, sv, en", self.default_language)));
        }
        for (key, rules) in [("policy.password", &p.password), ("policy.target_password", &p.target_password)] {
            rules.check().map_err(|(k, m)| (format!("{key}.{k}.value"), m))?;
        }
        if p.login.lockout_attempts.value == 0 {
            return e("policy.login.lockout_attempts.value", "must be at least 1");
        }
        if p.login.lockout_minutes.value == 0 {
            return e("policy.login.lockout_minutes.value", "must be at least 1");
        }
        if p.login.session_idle_minutes.value == 0 || p.login.session_idle_minutes.value > p.login.session_max_hours.value * 60 {
            return e("policy.login.session_idle_minutes.value", "must be at least 1 and not longer than session_max_hours");
        }
        if p.audit.retention_months.value == 0 {
            return e("policy.audit.retention_months.value", "must be at least 1");
        }
        if p.emergency.max_local_administrators.value > 0 && p.emergency.scope.value.is_empty() {
            return e("policy.emergency.scope.value", "is empty although local administrators may create temp accounts");
        }
        if p.emergency.max_local_administrators.value > 0 && p.emergency.signoff_deadline_hours.value == 0 {
            return e("policy.emergency.signoff_deadline_hours.value", "must be at least 1");
        }
        if p.emergency.validity_default_days.value > p.emergency.validity_max_days.value {
            return e("policy.emergency.validity_default_days.value", "is longer than validity_max_days");
        }
        if p.incidents.nis2_early_warning_hours.value > p.incidents.nis2_notification_hours.value {
            return e("policy.incidents.nis2_early_warning_hours.value", "is later than nis2_notification_hours");
        }
        if p.accounts.attestations_block_activation.value && p.accounts.required_attestations.value.is_empty() {
            return e("policy.accounts.required_attestations.value", "is empty although attestations_block_activation is true");
        }
        let lc = &p.log_control;
        if lc.interval_months.value == 0 {
            return Err(("log_control.interval_months".into(), "must be at least 1".into()));
        }
        if lc.sample_percent.value > 100 {
            return Err(("log_control.sample_percent".into(), "must be at most 100".into()));
        }
        if lc.review_days.value == 0 {
            return Err(("log_control.review_days".into(), "must be at least 1".into()));
        }
        if lc.working_hours_start.value >= lc.working_hours_end.value || lc.working_hours_end.value > 24 {
            return Err(("log_control.working_hours_end".into(), "must be after the start and at most 24".into()));
        }
        if p.notifications.digest_hour.value > 23 {
            return e("policy.notifications.digest_hour.value", "must be an hour from 0 to 23");
        }
        if p.reviews.interval_months.value == 0 {
            return e("policy.reviews.interval_months.value", "must be at least 1");
        }
        if p.reviews.reminder_days_before.value >= p.reviews.duration_days.value {
            return e("policy.reviews.reminder_days_before.value", "must be shorter than duration_days");
        }
        Ok(())
    }

    /// where the password rules deviate from current guidance (NIST SP 800-63B-4,
    /// OWASP ASVS L2): forced rotation, composition rules, a short minimum, no check
    /// against breached passwords. Returned as message codes with the key concerned.
    pub fn deviations_from_guidance(&self) -> Vec<(&'static str, &'static str)> {
        let pw = &self.policy.password;
        let mut out = Vec::new();
        if pw.max_age_days.value > 0 {
            out.push(("policy.password.max_age_days", "deviation-forced-rotation"));
        }
        if pw.require_upper.value || pw.require_lower.value || pw.require_digit.value {
            out.push(("policy.password.require_*", "deviation-composition-rules"));
        }
        if pw.min_length.value < 15 {
            out.push(("policy.password.min_length", "deviation-short-minimum"));
        }
        if !pw.breached_password_check.value {
            out.push(("policy.password.breached_password_check", "deviation-no-breached-check"));
        }
        out
    }
}

impl PasswordRules {
    fn check(&self) -> Result<(), (&'static str, String)> {
        let classes = [self.require_upper.value, self.require_lower.value, self.require_digit.value].iter().filter(|b| **b).count() as u32;
        if self.min_length.value == 0 || self.min_length.value < classes {
            return Err(("min_length", format!("{} is shorter than the {classes} required character classes", self.min_length.value)));
        }
        if self.max_length.value < self.min_length.value {
            return Err(("max_length", format!("{} is below min_length {}", self.max_length.value, self.min_length.value)));
        }
        let forbidden = &self.forbidden_characters.value;
        if self.require_digit.value && ('0'..='9').all(|c| forbidden.contains(c)) {
            return Err(("forbidden_characters", "forbids every digit although a digit is required".into()));
        }
        Ok(())
    }

    /// Checks a password against the rules (AUTH-2, ACC-8). History and breached-password
    /// checks need stored data and are done by the caller.
    pub fn check_password(&self, pw: &str) -> Result<(), crate::error::Invalid> {
        use crate::codes;
        use crate::error::Invalid;
        let len = pw.chars().count() as u32;
        if len < self.min_length.value {
            return Err(Invalid::with(codes::PASSWORD_TOO_SHORT, self.min_length.value));
        }
        if len > self.max_length.value {
            return Err(Invalid::with(codes::PASSWORD_TOO_LONG, self.max_length.value));
        }
        if let Some(c) = pw.chars().find(|c| self.forbidden_characters.value.contains(*c)) {
            return Err(Invalid::with(codes::PASSWORD_FORBIDDEN_CHARACTER, c));
        }
        if self.require_upper.value && !pw.chars().any(|c| c.is_uppercase()) {
            return Err(Invalid::new(codes::PASSWORD_NEEDS_UPPER));
        }
        if self.require_lower.value && !pw.chars().any(|c| c.is_lowercase()) {
            return Err(Invalid::new(codes::PASSWORD_NEEDS_LOWER));
        }
        if self.require_digit.value && !pw.chars().any(|c| c.is_ascii_digit()) {
            return Err(Invalid::new(codes::PASSWORD_NEEDS_DIGIT));
        }
        Ok(())
    }
}

/// All shipped presets, parsed. Tests and the CLI use this; a broken shipped file is a
/// build defect that the tests catch.
pub fn shipped_presets() -> Result<Vec<Preset>, PresetError> {
    SHIPPED_PRESETS.iter().map(|(file, text)| Preset::from_toml(file, text)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;

    fn preset(id: &str) -> Preset {
        shipped_presets().unwrap().into_iter().find(|p| p.id == id).unwrap()
    }

    #[test]
    fn shipped_presets_parse_and_carry_the_seed_values() {
        // REQ: OPS-3
        let t = preset("taarnby");
        assert_eq!(t.policy.accounts.username_quarantine_months.value, 24);
        assert_eq!(t.policy.emergency.max_local_administrators.value, 5);
        assert_eq!(t.policy.audit.retention_months.value, 6);
        assert_eq!(t.policy.login.lockout_minutes.value, 30);
        assert_eq!(t.policy.password.min_length.value, 8);
        let g = preset("ostra-goinge");
        assert_eq!(g.policy.lead_times.new_account_days.value, 14);
        assert_eq!(g.policy.lead_times.change_days.value, 7);
        assert_eq!(g.country, Country::SE);
        let v = preset("viborg");
        assert_eq!(v.policy.incidents.supplier_notice_hours.value, 48);
        assert_eq!(v.policy.accounts.activation_requires.value[0], ActivationCheck::ConfidentialityDeclaration);
    }

    #[test]
    fn every_setting_records_its_source() {
        // REQ: X-6
        for (file, text) in SHIPPED_PRESETS {
            let value: toml::Value = toml::from_str(text).unwrap();
            fn walk(v: &toml::Value, path: &str, file: &str) {
                if let toml::Value::Table(t) = v {
                    if t.contains_key("value") {
                        let src = t.get("source").and_then(|s| s.get("reference")).and_then(|r| r.as_str());
                        assert!(src.is_some_and(|s| !s.is_empty()), "{file}: {path} has no source");
                        return;
                    }
                    for (k, child) in t {
                        walk(child, &format!("{path}.{k}"), file);
                    }
                }
            }
            walk(value.get("policy").unwrap(), "policy", file);
        }
    }

    #[test]
    fn taarnby_2014_password_rules_are_reported_as_deviations_from_guidance() {
        // REQ: X-6, AUTH-2
        let t = preset("taarnby");
        let codes: Vec<_> = t.deviations_from_guidance().into_iter().map(|(_, c)| c).collect();
        assert!(codes.contains(&"deviation-forced-rotation"));
        assert!(codes.contains(&"deviation-composition-rules"));
        assert!(preset("viborg").deviations_from_guidance().is_empty(), "the default follows guidance");
    }

    #[test]
    fn password_rules_of_the_taarnby_preset() {
        // REQ: ACC-8, AUTH-2
        let rules = preset("taarnby").policy.target_password;
        assert!(rules.check_password("Sommerferie2026").is_ok());
        assert_eq!(rules.check_password("Kort1").unwrap_err().code, codes::PASSWORD_TOO_SHORT);
        assert_eq!(rules.check_password("sommerferie2026").unwrap_err().code, codes::PASSWORD_NEEDS_UPPER);
        assert_eq!(rules.check_password("SommerferieSol").unwrap_err().code, codes::PASSWORD_NEEDS_DIGIT);
        assert_eq!(rules.check_password("Blåbærtærte2026").unwrap_err().code, codes::PASSWORD_FORBIDDEN_CHARACTER);
    }

    #[test]
    fn malformed_preset_names_file_key_and_problem() {
        // REQ: OPS-3
        let text = SHIPPED_PRESETS[1].1.replacen("value = 24", "value = \"two years\"", 1);
        let e = Preset::from_toml("broken.toml", &text).unwrap_err();
        assert_eq!(e.file, "broken.toml");
        assert_eq!(e.key, "policy.accounts.username_quarantine_months.value");
        assert!(e.problem.contains("invalid type"), "{e}");

        let text = SHIPPED_PRESETS[1].1.replace("[policy.audit.retention_months]", "[policy.audit.retention_months]\ncolour = 1");
        let e = Preset::from_toml("extra.toml", &text).unwrap_err();
        assert!(e.problem.contains("unknown field `colour`"), "{e}");

        let e = Preset::from_toml("empty.toml", "").unwrap_err();
        assert!(e.problem.contains("missing field"), "{e}");
    }

    #[test]
    fn inconsistent_preset_is_refused() {
        // REQ: OPS-3
        let base = SHIPPED_PRESETS[1].1;
        let lockout = base.replacen("value = 5 # lockout_attempts", "value = 0 # lockout_attempts", 1);
        assert_ne!(lockout, base, "the preset marks lockout_attempts");
        let e = Preset::from_toml("t.toml", &lockout).unwrap_err();
        assert_eq!(e.key, "policy.login.lockout_attempts.value");

        let short = base.replacen("value = 8 # min_length", "value = 2 # min_length", 1);
        let e = Preset::from_toml("t.toml", &short).unwrap_err();
        assert_eq!(e.key, "policy.password.min_length.value");
        assert!(e.problem.contains("character classes"), "{e}");
    }
}
