//! Every action Portvagt writes into the audit log, named once: the log stores its
//! code, the pages show its name in the reader's language (a test fails when one has
//! none), and the API documents the list. What a target system reports (`journal.read`,
//! `logon` …) is its own transaction type and is shown as the system wrote it.

macro_rules! actions {
    ($($variant:ident = $code:literal,)*) => {
        /// An action of Portvagt's own audit events.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $($variant,)*
        }

        impl AuditAction {
            /// Every action, in the order declared.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            /// The code stored in the log (`account.revoke`).
            pub const fn code(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $code,)*
                }
            }
        }
    };
}

actions! {
    AccessDenied = "access.denied",
    AccountActivate = "account.activate",
    AccountActivationCheck = "account.activation_check",
    AccountChangeRoles = "account.change_roles",
    AccountCreate = "account.create",
    AccountExtend = "account.extend",
    AccountImport = "account.import",
    AccountLockOrdered = "account.lock_ordered",
    AccountRevoke = "account.revoke",
    AccountSignOns = "account.sign_ons",
    AccountUnlock = "account.unlock",
    AccountPendingApproval = "account.pending_approval",
    AccountProvisioning = "account.provisioning",
    AccountAwaitingActivation = "account.awaiting_activation",
    AccountActive = "account.active",
    AccountLocked = "account.locked",
    AccountDisabled = "account.disabled",
    AccountTerminated = "account.terminated",
    AgreementAccept = "agreement.accept",
    AgreementAttest = "agreement.attest",
    AgreementDeletionConfirmed = "agreement.deletion_confirmed",
    AuditExport = "audit.export",
    AuditExtractApproveNames = "audit.extract.approve_names",
    AuditExtractCreate = "audit.extract.create",
    AuditExtractRead = "audit.extract.read",
    AuditHoldCreate = "audit.hold.create",
    AuditHoldRelease = "audit.hold.release",
    AuditPurge = "audit.purge",
    AuditPurgeHeld = "audit.purge.held",
    AuditRead = "audit.read",
    ClientListImport = "client_list.import",
    EmergencyCreate = "emergency.create",
    EmergencyDelete = "emergency.delete",
    EmergencyDeletionOrdered = "emergency.deletion_ordered",
    EmergencyRemind = "emergency.remind",
    EmergencySignOff = "emergency.sign_off",
    EmergencySignoffsDecided = "emergency.signoffs_decided",
    LifecycleEscalate = "lifecycle.escalate",
    LifecycleRun = "lifecycle.run",
    LoginAbandoned = "login.abandoned",
    LoginFailed = "login.failed",
    LoginLocked = "login.locked",
    LoginOidcStarted = "login.oidc_started",
    LoginPasswordAccepted = "login.password_accepted",
    LoginSecondFactor = "login.second_factor",
    LoginSuccess = "login.success",
    Logout = "logout",
    PersonAuthenticator = "person.authenticator",
    PersonEvidence = "person.evidence",
    PersonLookup = "person.lookup",
    PersonRevokeAll = "person.revoke_all",
    ProvisionDone = "provision.done",
    ProvisionFailed = "provision.failed",
    ProvisionMalformed = "provision.malformed",
    ProvisionRetryRequested = "provision.retry_requested",
    ProvisionTaskCreated = "provision.task_created",
    LogControlCommit = "log_control.commit",
    LogControlDraw = "log_control.draw",
    LogControlJudge = "log_control.judge",
    LogControlRemind = "log_control.remind",
    LogControlReveal = "log_control.reveal",
    LogControlSignOff = "log_control.sign_off",
    MailDigests = "mail.digests",
    MailFailed = "mail.failed",
    MailRouted = "mail.routed",
    MailSent = "mail.sent",
    RegistryCreate = "registry.create",
    RegistryDeactivate = "registry.deactivate",
    RegistryImport = "registry.import",
    RegistryUpdate = "registry.update",
    RequestAnnotate = "request.annotate",
    RequestSubmitted = "request.submitted",
    RequestApprovedByDepartment = "request.approved_by_department",
    RequestApprovedByCoordinator = "request.approved_by_coordinator",
    RequestRejected = "request.rejected",
    RequestFulfilled = "request.fulfilled",
    RequestCancelled = "request.cancelled",
    RequestExpired = "request.expired",
    RequestRateLimited = "request.rate_limited",
    RequestSubmit = "request.submit",
    SecurityReportAssign = "security_report.assign",
    SecurityReportClose = "security_report.close",
    SecurityReportCreate = "security_report.create",
    SecurityReportDelete = "security_report.delete",
    SecurityReportInvestigate = "security_report.investigate",
    SecurityReportMisuse = "security_report.misuse",
    SecurityReportRead = "security_report.read",
    SupportApprove = "support.approve",
    SupportRequest = "support.request",
    SystemDrift = "system.drift",
    SystemReconcile = "system.reconcile",
    TaskConfirm = "task.confirm",
    TaskFail = "task.fail",
    TokenCreate = "token.create",
    TokenRevoke = "token.revoke",
    UserBootstrap = "user.bootstrap",
    UserCreate = "user.create",
    UserDeactivate = "user.deactivate",
    UserReactivate = "user.reactivate",
    UserLanguage = "user.language",
    UserPasswordChanged = "user.password_changed",
    UserPasswordReset = "user.password_reset",
    UserSessionsEnded = "user.sessions_ended",
    UserTotpEnrolled = "user.totp_enrolled",
    UserTotpEnrolmentStarted = "user.totp_enrolment_started",
    UserTotpReset = "user.totp_reset",
    UserUpdate = "user.update",
}

impl AuditAction {
    /// The action of a stored code; `None` for what a target system reported.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.code() == code)
    }

    /// The key of the action's name in the catalogues (`audit-account-revoke`).
    pub fn label_key(self) -> String {
        label_key(self.code())
    }

    /// The step taken on a request.
    pub fn of_step(step: crate::request::Step) -> Self {
        use crate::request::Step;
        match step {
            Step::Submit => AuditAction::RequestSubmitted,
            Step::ApproveAsDepartment => AuditAction::RequestApprovedByDepartment,
            Step::ApproveAsCoordinator => AuditAction::RequestApprovedByCoordinator,
            Step::Reject => AuditAction::RequestRejected,
            Step::Fulfil => AuditAction::RequestFulfilled,
            Step::Cancel => AuditAction::RequestCancelled,
            Step::Expire => AuditAction::RequestExpired,
        }
    }

    /// An account brought to a status.
    pub fn of_status(status: crate::account::AccountStatus) -> Self {
        use crate::account::AccountStatus;
        match status {
            AccountStatus::PendingApproval => AuditAction::AccountPendingApproval,
            AccountStatus::Provisioning => AuditAction::AccountProvisioning,
            AccountStatus::AwaitingActivation => AuditAction::AccountAwaitingActivation,
            AccountStatus::Active => AuditAction::AccountActive,
            AccountStatus::Locked => AuditAction::AccountLocked,
            AccountStatus::Disabled => AuditAction::AccountDisabled,
            AccountStatus::Terminated => AuditAction::AccountTerminated,
        }
    }
}

/// The catalogue key of an action's code (`account.revoke` → `audit-account-revoke`).
pub fn label_key(code: &str) -> String {
    format!("audit-{}", code.replace(['.', '_'], "-"))
}

/// The outcomes an event can have.
pub const OUTCOMES: [&str; 4] = ["success", "denied", "failed", "error"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_parse_back() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.code()), Some(*a));
        }
        let mut codes: Vec<&str> = AuditAction::ALL.iter().map(|a| a.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), AuditAction::ALL.len());
    }
}
