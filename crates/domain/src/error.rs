//! Validation and rule errors with stable codes.
//!
//! A code is a stable identifier (`cvr-checksum`), used as the message key in every
//! language catalogue and as the last segment of the problem `type` URI of the API.

use std::fmt;

/// Stable error codes. Every code has a message in each language catalogue (a test in
/// the `i18n` crate checks this against [`codes::ALL`]).
pub mod codes {
    pub const EMPTY: &str = "empty";
    pub const TOO_LONG: &str = "too-long";
    pub const CONTROL_CHARACTERS: &str = "control-characters";
    pub const CODE_FORMAT: &str = "code-format";
    pub const EMAIL_FORMAT: &str = "email-format";
    pub const PHONE_FORMAT: &str = "phone-format";
    pub const DATE_FORMAT: &str = "date-format";
    pub const TIMESTAMP_FORMAT: &str = "timestamp-format";
    pub const ORG_NUMBER_FORMAT: &str = "org-number-format";
    pub const CVR_CHECKSUM: &str = "cvr-checksum";
    pub const SE_ORG_NUMBER_CHECKSUM: &str = "se-org-number-checksum";
    pub const CPR_FORMAT: &str = "cpr-format";
    pub const CPR_DATE: &str = "cpr-date";
    pub const PERSONNUMMER_FORMAT: &str = "personnummer-format";
    pub const NATIONAL_ID_FORMAT: &str = "national-id-format";
    pub const PERSONNUMMER_DATE: &str = "personnummer-date";
    pub const PERSONNUMMER_CHECKSUM: &str = "personnummer-checksum";
    pub const COUNTRY: &str = "country";
    pub const ENDS_BEFORE_START: &str = "ends-before-start";
    pub const USER_CAP_ZERO: &str = "user-cap-zero";
    pub const EXPORT_WITHOUT_DPA: &str = "export-without-dpa";
    pub const SUB_PROCESSOR_WITHOUT_DPA: &str = "sub-processor-without-dpa";
    pub const DUPLICATE_ENTRY: &str = "duplicate-entry";
    pub const LIST_EMPTY: &str = "list-empty";
    pub const UNKNOWN_REFERENCE: &str = "unknown-reference";
    pub const INACTIVE_REFERENCE: &str = "inactive-reference";
    pub const WRONG_SYSTEM: &str = "wrong-system";
    pub const PROFILE_OUTSIDE_SCOPE: &str = "profile-outside-scope";
    pub const NOT_AFFILIATED: &str = "not-affiliated";
    pub const OTHER_SUPPLIER: &str = "other-supplier";
    pub const SUBSTITUTE_IS_HEAD: &str = "substitute-is-head";
    pub const DUPLICATE_KEY: &str = "duplicate-key";
    pub const UNKNOWN_FIELD: &str = "unknown-field";
    pub const MISSING_FIELD: &str = "missing-field";
    pub const WRONG_TYPE: &str = "wrong-type";
    pub const INVALID_VALUE: &str = "invalid-value";
    pub const MALFORMED_BODY: &str = "malformed-body";
    pub const BODY_TOO_LARGE: &str = "body-too-large";
    pub const PAGE_PAST_END: &str = "page-past-end";
    pub const PAGE_SIZE: &str = "page-size";
    pub const PAGE_NUMBER: &str = "page-number";
    pub const STALE_VERSION: &str = "stale-version";
    pub const ROLE_NEEDS_SUPPLIER: &str = "role-needs-supplier";
    pub const ROLE_FORBIDS_SUPPLIER: &str = "role-forbids-supplier";
    pub const ROLE_FORBIDS_SYSTEM: &str = "role-forbids-system";
    pub const TOKEN_WRONG_SYSTEM: &str = "token-wrong-system";
    pub const BATCH_INVALID: &str = "batch-invalid";
    pub const BATCH_EMPTY: &str = "batch-empty";
    pub const BATCH_TOO_MANY: &str = "batch-too-many";
    pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency-key-reused";
    pub const LINE_REQUIRED: &str = "line-required";
    pub const LINE_FUTURE: &str = "line-future";
    pub const LINE_TIMESTAMP: &str = "line-timestamp";
    pub const LINE_USERNAME: &str = "line-username";
    pub const LINE_ACTION: &str = "line-action";
    pub const LINE_OUTCOME: &str = "line-outcome";
    pub const LINE_SUBJECT: &str = "line-subject";
    pub const LINE_CRITERION: &str = "line-criterion";
    pub const LINE_CLIENT_IP: &str = "line-client-ip";
    pub const LINE_DETAILS: &str = "line-details";
    pub const LINE_JSON: &str = "line-json";
    pub const SUBJECT_REQUIRED: &str = "subject-required";
    pub const NAMES_NEED_REVIEWER: &str = "names-need-reviewer";
    pub const CLIENT_LIST_EMPTY: &str = "client-list-empty";
    pub const CLIENT_LIST_TOO_MANY: &str = "client-list-too-many";
    pub const CLIENT_LIST_SAME_FILE: &str = "client-list-same-file";
    pub const CLIENT_LIST_MODE: &str = "client-list-mode";
    pub const LINE_NATIONAL_ID: &str = "line-national-id";
    pub const LINE_DATE: &str = "line-date";
    pub const LINE_ENDS_BEFORE_START: &str = "line-ends-before-start";
    pub const LINE_DUPLICATE: &str = "line-duplicate";
    pub const LINE_OTHER_SUPPLIER: &str = "line-other-supplier";
    pub const REPORT_CASE_STEP: &str = "report-case-step";
    pub const LOG_CONTROL_NO_ACCESSES: &str = "log-control-no-accesses";
    pub const LOG_CONTROL_PERIOD_TAKEN: &str = "log-control-period-taken";
    pub const LOG_CONTROL_PERIOD_NOT_ENDED: &str = "log-control-period-not-ended";
    pub const LOG_CONTROL_REASON: &str = "log-control-reason";
    pub const LOG_CONTROL_UNJUDGED: &str = "log-control-unjudged";
    pub const LOG_CONTROL_WAITING: &str = "log-control-waiting";
    pub const LOG_CONTROL_SIGNED: &str = "log-control-signed";
    pub const CLIENT_FILE_UNREADABLE: &str = "client-file-unreadable";
    pub const CLIENT_FILE_HEADER: &str = "client-file-header";
    pub const CLIENT_LINE_UNREADABLE: &str = "client-line-unreadable";
    pub const UNKNOWN_ROLE: &str = "unknown-role";
    pub const PASSWORD_TOO_SHORT: &str = "password-too-short";
    pub const PASSWORD_TOO_LONG: &str = "password-too-long";
    pub const PASSWORD_NEEDS_UPPER: &str = "password-needs-upper";
    pub const PASSWORD_NEEDS_LOWER: &str = "password-needs-lower";
    pub const PASSWORD_NEEDS_DIGIT: &str = "password-needs-digit";
    pub const PASSWORD_FORBIDDEN_CHARACTER: &str = "password-forbidden-character";
    pub const PASSWORD_REUSED: &str = "password-reused";
    pub const PASSWORD_CHANGE_REQUIRED: &str = "password-change-required";
    pub const TOTP_INVALID: &str = "totp-invalid";
    pub const TOTP_REQUIRED: &str = "totp-required";
    pub const TOTP_NOT_ENROLLED: &str = "totp-not-enrolled";
    pub const PASSWORD_BREACHED: &str = "password-breached";
    pub const PASSWORD_EXPIRED: &str = "password-expired";
    pub const NATIONAL_ID_IN_TEXT: &str = "national-id-in-text";
    pub const TOO_MANY_REQUESTS: &str = "too-many-requests";
    pub const POLICY_BY_ADMINISTRATOR: &str = "policy-by-administrator";
    pub const PASSWORD_WRONG: &str = "password-wrong";
    pub const PASSWORDS_DIFFER: &str = "passwords-differ";
    pub const MALFORMED_PATH: &str = "malformed-path";
    pub const PASSWORD_ATTEMPTS_LOCKED: &str = "password-attempts-locked";
    pub const OIDC_UNKNOWN_USER: &str = "oidc-unknown-user";
    pub const ALREADY_ACCEPTED: &str = "already-accepted";
    pub const UNKNOWN_PRESET: &str = "unknown-preset";
    pub const LEAD_TIME: &str = "lead-time";
    pub const START_IN_PAST: &str = "start-in-past";
    pub const AGREEMENT_NOT_ACTIVE: &str = "agreement-not-active";
    pub const SYSTEM_OUTSIDE_SCOPE: &str = "system-outside-scope";
    pub const USER_CAP_REACHED: &str = "user-cap-reached";
    pub const NEEDS_ASSESSMENT_MISSING: &str = "needs-assessment-missing";
    pub const ATTESTATIONS_MISSING: &str = "attestations-missing";
    pub const END_AFTER_AGREEMENT: &str = "end-after-agreement";
    pub const NOT_AN_ORDERER: &str = "not-an-orderer";
    pub const NOT_ON_ORDERER_LIST: &str = "not-on-orderer-list";
    pub const ILLEGAL_TRANSITION: &str = "illegal-transition";
    pub const SAME_PERSON: &str = "same-person";
    pub const NOT_YOUR_AREA: &str = "not-your-area";
    pub const REASON_REQUIRED: &str = "reason-required";
    pub const PROFILE_NOT_IN_JOB_PROFILE: &str = "profile-not-in-job-profile";
    pub const NO_PROFILES: &str = "no-profiles";
    pub const ACCOUNT_EXISTS: &str = "account-exists";
    pub const ACCOUNT_NOT_ACTIVE: &str = "account-not-active";
    pub const OUTSIDE_EMERGENCY_SCOPE: &str = "outside-emergency-scope";
    pub const TOO_MANY_LOCAL_ADMINISTRATORS: &str = "too-many-local-administrators";
    pub const USERNAME_EXHAUSTED: &str = "username-exhausted";
    pub const PERIOD_TOO_LONG: &str = "period-too-long";
    pub const EMERGENCY_TOO_LONG: &str = "emergency-too-long";
    pub const NOTHING_TO_CLOSE: &str = "nothing-to-close";
    pub const EMERGENCY_NAME_EXISTS: &str = "emergency-name-exists";
    pub const ALREADY_SIGNED_OFF: &str = "already-signed-off";
    pub const NOT_ENDED: &str = "not-ended";
    pub const NO_CONNECTOR: &str = "no-connector";
    pub const TARGET_UNAVAILABLE: &str = "target-unavailable";

    /// Every code, for the catalogue completeness test.
    pub const ALL: &[&str] = &[
        EMPTY,
        TOO_LONG,
        CONTROL_CHARACTERS,
        CODE_FORMAT,
        EMAIL_FORMAT,
        PHONE_FORMAT,
        DATE_FORMAT,
        TIMESTAMP_FORMAT,
        ORG_NUMBER_FORMAT,
        CVR_CHECKSUM,
        SE_ORG_NUMBER_CHECKSUM,
        CPR_FORMAT,
        CPR_DATE,
        PERSONNUMMER_FORMAT,
        NATIONAL_ID_FORMAT,
        PERSONNUMMER_DATE,
        PERSONNUMMER_CHECKSUM,
        COUNTRY,
        ENDS_BEFORE_START,
        USER_CAP_ZERO,
        EXPORT_WITHOUT_DPA,
        SUB_PROCESSOR_WITHOUT_DPA,
        DUPLICATE_ENTRY,
        LIST_EMPTY,
        UNKNOWN_REFERENCE,
        INACTIVE_REFERENCE,
        WRONG_SYSTEM,
        PROFILE_OUTSIDE_SCOPE,
        NOT_AFFILIATED,
        OTHER_SUPPLIER,
        SUBSTITUTE_IS_HEAD,
        DUPLICATE_KEY,
        UNKNOWN_FIELD,
        MISSING_FIELD,
        WRONG_TYPE,
        INVALID_VALUE,
        MALFORMED_BODY,
        BODY_TOO_LARGE,
        PAGE_PAST_END,
        PAGE_SIZE,
        PAGE_NUMBER,
        STALE_VERSION,
        ROLE_NEEDS_SUPPLIER,
        ROLE_FORBIDS_SUPPLIER,
        UNKNOWN_ROLE,
        PASSWORD_TOO_SHORT,
        PASSWORD_TOO_LONG,
        PASSWORD_NEEDS_UPPER,
        PASSWORD_NEEDS_LOWER,
        PASSWORD_NEEDS_DIGIT,
        PASSWORD_FORBIDDEN_CHARACTER,
        PASSWORD_REUSED,
        PASSWORD_CHANGE_REQUIRED,
        TOTP_INVALID,
        TOTP_REQUIRED,
        TOTP_NOT_ENROLLED,
        PASSWORD_BREACHED,
        PASSWORD_EXPIRED,
        NATIONAL_ID_IN_TEXT,
        TOO_MANY_REQUESTS,
        POLICY_BY_ADMINISTRATOR,
        PASSWORD_WRONG,
        PASSWORDS_DIFFER,
        MALFORMED_PATH,
        PASSWORD_ATTEMPTS_LOCKED,
        OIDC_UNKNOWN_USER,
        ALREADY_ACCEPTED,
        UNKNOWN_PRESET,
        LEAD_TIME,
        START_IN_PAST,
        AGREEMENT_NOT_ACTIVE,
        SYSTEM_OUTSIDE_SCOPE,
        USER_CAP_REACHED,
        NEEDS_ASSESSMENT_MISSING,
        ATTESTATIONS_MISSING,
        END_AFTER_AGREEMENT,
        NOT_AN_ORDERER,
        NOT_ON_ORDERER_LIST,
        ILLEGAL_TRANSITION,
        SAME_PERSON,
        NOT_YOUR_AREA,
        REASON_REQUIRED,
        PROFILE_NOT_IN_JOB_PROFILE,
        NO_PROFILES,
        ACCOUNT_EXISTS,
        ACCOUNT_NOT_ACTIVE,
        OUTSIDE_EMERGENCY_SCOPE,
        TOO_MANY_LOCAL_ADMINISTRATORS,
        USERNAME_EXHAUSTED,
        PERIOD_TOO_LONG,
        EMERGENCY_TOO_LONG,
        NOTHING_TO_CLOSE,
        EMERGENCY_NAME_EXISTS,
        ALREADY_SIGNED_OFF,
        NOT_ENDED,
        NO_CONNECTOR,
        TARGET_UNAVAILABLE,
        ROLE_FORBIDS_SYSTEM,
        TOKEN_WRONG_SYSTEM,
        BATCH_INVALID,
        BATCH_EMPTY,
        BATCH_TOO_MANY,
        IDEMPOTENCY_KEY,
        IDEMPOTENCY_KEY_REUSED,
        LINE_REQUIRED,
        LINE_FUTURE,
        LINE_TIMESTAMP,
        LINE_USERNAME,
        LINE_ACTION,
        LINE_OUTCOME,
        LINE_SUBJECT,
        LINE_CRITERION,
        LINE_CLIENT_IP,
        LINE_DETAILS,
        LINE_JSON,
        SUBJECT_REQUIRED,
        NAMES_NEED_REVIEWER,
        CLIENT_LIST_EMPTY,
        CLIENT_LIST_TOO_MANY,
        CLIENT_LIST_SAME_FILE,
        CLIENT_LIST_MODE,
        LINE_NATIONAL_ID,
        LINE_DATE,
        LINE_ENDS_BEFORE_START,
        LINE_DUPLICATE,
        LINE_OTHER_SUPPLIER,
        REPORT_CASE_STEP,
        LOG_CONTROL_NO_ACCESSES,
        LOG_CONTROL_PERIOD_TAKEN,
        LOG_CONTROL_PERIOD_NOT_ENDED,
        LOG_CONTROL_REASON,
        LOG_CONTROL_UNJUDGED,
        LOG_CONTROL_WAITING,
        LOG_CONTROL_SIGNED,
        CLIENT_FILE_UNREADABLE,
        CLIENT_FILE_HEADER,
        CLIENT_LINE_UNREADABLE,
    ];
}

/// A value that failed to parse: a stable code and an optional argument (a limit, a
/// character). Its `Display` is `code` or `code:arg`, which the API layer maps back to a
/// translated message after `serde` has carried it out of a deserializer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub arg: Option<String>,
}

impl Invalid {
    pub fn new(code: &'static str) -> Self {
        Self { code, arg: None }
    }
    pub fn with(code: &'static str, arg: impl ToString) -> Self {
        Self { code, arg: Some(arg.to_string()) }
    }
    /// Parses the `Display` form back; `None` for text that is not one of our codes.
    pub fn from_message(msg: &str) -> Option<Self> {
        let (code, arg) = match msg.split_once(':') {
            Some((c, a)) => (c, Some(a.to_string())),
            None => (msg, None),
        };
        codes::ALL.iter().find(|c| **c == code).map(|c| Self { code: c, arg })
    }
    pub fn at(self, field: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), code: self.code, arg: self.arg, arg2: None }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.arg {
            Some(a) => write!(f, "{}:{}", self.code, a),
            None => f.write_str(self.code),
        }
    }
}

impl std::error::Error for Invalid {}

/// A rule or validation failure tied to one field of the input (`scope.systems[1]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub arg: Option<String>,
    /// A second argument, for messages comparing two values ("ordered 9 days ahead; the
    /// policy requires 14").
    pub arg2: Option<String>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        Self { field: field.into(), code, arg: None, arg2: None }
    }
    pub fn with(field: impl Into<String>, code: &'static str, arg: impl ToString) -> Self {
        Self { field: field.into(), code, arg: Some(arg.to_string()), arg2: None }
    }
    pub fn with2(field: impl Into<String>, code: &'static str, arg: impl ToString, arg2: impl ToString) -> Self {
        Self { field: field.into(), code, arg: Some(arg.to_string()), arg2: Some(arg2.to_string()) }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.code)?;
        if let Some(a) = &self.arg {
            write!(f, " ({a})")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldError {}
