//! RPT-1: what waits for the person who signs in, today — counted for the lists their
//! rights open, so every figure is the length of a list they can open and work through.

use crate::{App, ListFilter, RequestFilter, Result};
use domain::authz::{Action, Actor, Permission, ResourceKind, Scope};
use domain::paging::{MAX_PAGE_SIZE, PageRequest};
use domain::registry::{Agreement, Person};
use domain::time::Date;
use uuid::Uuid;

/// Days before an agreement's end from which it is shown as ending.
pub const AGREEMENT_ENDING_DAYS: i64 = 60;
/// Days before an account's end from which it is shown as ending.
pub const ACCOUNT_ENDING_DAYS: i64 = 30;
/// Days after which an open manual task counts as old.
pub const TASK_OLD_DAYS: i64 = 2;

/// One thing that waits for someone; each is the count of one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// REQ-2: requests waiting for the actor's decision (the inbox).
    Approvals,
    /// EMG-2: temp accounts past their sign-off deadline (the coordinator's follow-up).
    EmergencyOverdue,
    /// EMG-2: the actor's own unit's temps (persons) waiting for their sign-off.
    EmergencyToSign,
    /// PRV-2: provisioning that fails and is being retried.
    ProvisioningFailing,
    /// PRV-3: findings of the latest reconciliation of each system.
    ReconcileFindings,
    /// AGR-1: agreements ending within [`AGREEMENT_ENDING_DAYS`].
    AgreementsEnding,
    /// AGR-3..AGR-5: agreements missing a DPA, a required attestation or a party's acceptance.
    AgreementsIncomplete,
    /// ACC-4: persons with a live account and missing evidence the policy requires.
    StaffMissingEvidence,
    /// ACC-2: accounts ending within [`ACCOUNT_ENDING_DAYS`].
    AccountsEnding,
    /// PRV-1: open manual tasks.
    TasksOpen,
    /// PRV-1: open manual tasks older than [`TASK_OLD_DAYS`].
    TasksOld,
    /// EMG-3: supplier support accounts waiting for approval.
    SupportWaiting,
    /// citizen extracts waiting for a second person's approval of names.
    ExtractsWaiting,
    /// SEC-2: security reports open or being investigated, within reach.
    ReportsOpen,
    /// SEC-2: reports where misuse was found (the security officer's cases).
    MisuseCases,
    /// SEC-3: log-control packages waiting for the supplier's review (its orderer).
    LogControlToReview,
    /// SEC-3: log-control packages past their due date (the municipality).
    LogControlOverdue,
}

impl Need {
    pub const ALL: &'static [Need] = &[
        Need::Approvals,
        Need::EmergencyOverdue,
        Need::EmergencyToSign,
        Need::ProvisioningFailing,
        Need::ReconcileFindings,
        Need::AgreementsEnding,
        Need::AgreementsIncomplete,
        Need::StaffMissingEvidence,
        Need::AccountsEnding,
        Need::TasksOpen,
        Need::TasksOld,
        Need::SupportWaiting,
        Need::ExtractsWaiting,
        Need::ReportsOpen,
        Need::MisuseCases,
        Need::LogControlToReview,
        Need::LogControlOverdue,
    ];

    /// The need's code, as a digest mail's payload keeps it.
    pub const fn code(self) -> &'static str {
        match self {
            Need::Approvals => "approvals",
            Need::EmergencyOverdue => "emergency_overdue",
            Need::EmergencyToSign => "emergency_to_sign",
            Need::ProvisioningFailing => "provisioning_failing",
            Need::ReconcileFindings => "reconcile_findings",
            Need::AgreementsEnding => "agreements_ending",
            Need::AgreementsIncomplete => "agreements_incomplete",
            Need::StaffMissingEvidence => "staff_missing_evidence",
            Need::AccountsEnding => "accounts_ending",
            Need::TasksOpen => "tasks_open",
            Need::TasksOld => "tasks_old",
            Need::SupportWaiting => "support_waiting",
            Need::ExtractsWaiting => "extracts_waiting",
            Need::ReportsOpen => "reports_open",
            Need::MisuseCases => "misuse_cases",
            Need::LogControlToReview => "log_control_to_review",
            Need::LogControlOverdue => "log_control_overdue",
        }
    }

    pub fn parse(code: &str) -> Option<Need> {
        Self::ALL.iter().copied().find(|n| n.code() == code)
    }

    /// The label and the list of the need (a path of the pages); `{arg}` in the label is `days`.
    pub const fn link(self, supplier: bool) -> (&'static str, &'static str, i64) {
        match self {
            Need::Approvals => ("need-approvals", "/inbox", 0),
            Need::EmergencyOverdue => ("need-emergency-overdue", "/emergency?signoff=overdue", 0),
            Need::EmergencyToSign => ("need-emergency-to-sign", "/inbox#signoffs", 0),
            Need::SupportWaiting => ("need-support-waiting", "/oversight#support", 0),
            Need::ExtractsWaiting => ("need-extracts-waiting", "/audit/extracts", 0),
            Need::ReportsOpen => ("need-reports-open", "/security-reports?state=open", 0),
            Need::MisuseCases => ("need-misuse-cases", "/security-reports?state=misuse", 0),
            Need::LogControlToReview => ("need-log-control-to-review", "/log-control?state=open", 0),
            Need::LogControlOverdue => ("need-log-control-overdue", "/log-control?state=overdue", 0),
            Need::TasksOpen => ("need-tasks-open", "/tasks", 0),
            Need::TasksOld => ("need-tasks-old", "/tasks?older=yes", TASK_OLD_DAYS),
            Need::ProvisioningFailing => ("need-provisioning-failing", "/oversight#failing", 0),
            Need::ReconcileFindings => ("need-reconcile-findings", "/oversight#reconciliation", 0),
            Need::AgreementsEnding => ("need-agreements-ending", "/registry?kind=agreement&attention=ending", AGREEMENT_ENDING_DAYS),
            Need::AgreementsIncomplete => ("need-agreements-incomplete", "/registry?kind=agreement&attention=incomplete", 0),
            Need::StaffMissingEvidence if supplier => ("need-staff-missing-evidence", "/staff?attention=evidence", 0),
            Need::StaffMissingEvidence => ("need-staff-missing-evidence", "/registry?kind=person&attention=evidence", 0),
            Need::AccountsEnding => ("need-accounts-ending", "/accounts?ending=soon", ACCOUNT_ENDING_DAYS),
        }
    }
}

/// Which agreements a list of agreements needing attention shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementAttention {
    Ending,
    Incomplete,
}

impl App {
    /// RPT-1: what waits for the actor, in the order a person would take it. Only the
    /// needs their rights open are counted; a zero is kept so the page can say "nothing".
    pub async fn needs(&self, actor: &Actor) -> Result<Vec<(Need, u64)>> {
        let mut out = Vec::new();
        let now = self.now();
        if self.can(actor, Permission::ApproveRequests) {
            let filter = RequestFilter { inbox: true, ..Default::default() };
            out.push((Need::Approvals, self.list_requests(actor, &filter, PageRequest { page: 1, page_size: 1 }).await?.total));
        }
        match self.permission_scope(actor, Permission::SignOffEmergency) {
            Some(_) if actor.department.is_some() => {
                out.push((Need::EmergencyToSign, self.store.emergency_unsigned(actor.department, now).await?.2));
            }
            _ if self.permission_scope(actor, Permission::SeeEmergency) == Some(Scope::All)
                && self.can(actor, Permission::RemindSignOff) =>
            {
                out.push((Need::EmergencyOverdue, self.store.emergency_unsigned(None, now).await?.1));
            }
            _ => {}
        }
        if self.can(actor, Permission::ApproveSupport) {
            out.push((Need::SupportWaiting, self.support_accounts_waiting(actor).await?.len() as u64));
        }
        if self.can(actor, Permission::ApproveNames) {
            let waiting = self.extract_list(actor).await?.iter().filter(|e| !e.names_approved && !e.own).count();
            out.push((Need::ExtractsWaiting, waiting as u64));
        }
        if self.can(actor, Permission::InvestigateSecurityReport) {
            let open = self.security_reports(actor).await?.iter().filter(|r| r.state == "open" || r.state == "investigating").count();
            out.push((Need::ReportsOpen, open as u64));
        } else if self.can(actor, Permission::ApproveSupport) && self.can(actor, Permission::SeeSecurityReports) {
            let misuse = self.security_reports(actor).await?.iter().filter(|r| r.state == "misuse").count();
            out.push((Need::MisuseCases, misuse as u64));
        }
        if self.can(actor, Permission::ReviewLogControl) {
            let open = self.log_control_packages(actor).await?.iter().filter(|p| p.state == "open").count();
            out.push((Need::LogControlToReview, open as u64));
        } else if self.can(actor, Permission::DrawLogControl) {
            let overdue = self.log_control_packages(actor).await?.iter().filter(|p| p.overdue).count();
            out.push((Need::LogControlOverdue, overdue as u64));
        }
        if self.can(actor, Permission::HandleTasks) {
            let (open, old) = self.store.open_tasks_older(domain::time::Timestamp(now.0 - chrono::Duration::days(TASK_OLD_DAYS))).await?;
            out.push((Need::TasksOpen, open));
            out.push((Need::TasksOld, old));
            out.push((Need::ProvisioningFailing, self.failing_actions(actor).await?.len() as u64));
            if let Some(findings) = self.reconcile_findings().await? {
                out.push((Need::ReconcileFindings, findings));
            }
        }
        if self.may(actor, Action::Update, ResourceKind::Agreement) {
            let (ending, incomplete) = self.agreements_attention(actor).await?;
            out.push((Need::AgreementsEnding, ending.len() as u64));
            out.push((Need::AgreementsIncomplete, incomplete.len() as u64));
        }
        // The supplier records its staff's evidence; the coordinator follows it up. A
        // department's head reads it but has no evidence to record.
        if matches!(self.permission_scope(actor, Permission::RecordEvidence), Some(Scope::All | Scope::OwnSupplier)) {
            let filter = ListFilter { active: Some(true), missing_evidence: true, ..Default::default() };
            out.push((Need::StaffMissingEvidence, self.list::<Person>(actor, &filter, PageRequest { page: 1, page_size: 1 }).await?.total));
        }
        if self.may(actor, Action::Create, ResourceKind::Request) && self.may(actor, Action::Read, ResourceKind::Account) {
            let q = store::AccountQuery {
                ends_by: Some(Date(now.date().0 + chrono::Duration::days(ACCOUNT_ENDING_DAYS))),
                limit: 1,
                ..Default::default()
            };
            out.push((Need::AccountsEnding, self.list_accounts(actor, q).await?.1));
        }
        Ok(out)
    }

    /// ACC-4: the kinds of evidence the policy in force requires before an account is
    /// activated, as their codes (`confidentiality_declaration` …).
    pub async fn required_evidence(&self) -> Result<Vec<String>> {
        let policy = self.active_preset().await?.policy;
        Ok(policy
            .accounts
            .activation_requires
            .value
            .iter()
            .filter_map(|c| serde_json::to_value(c).ok()?.as_str().map(String::from))
            .collect())
    }

    /// PRV-3: the findings of the latest reconciliation of each system, added up; none
    /// when no system has been reconciled (a zero would be false comfort).
    async fn reconcile_findings(&self) -> Result<Option<u64>> {
        let mut seen = std::collections::HashSet::new();
        let mut total = 0;
        for e in self.store.recent_by_action(domain::audit_action::AuditAction::SystemReconcile.code(), 500).await? {
            if seen.insert(e.resource_id.clone()) {
                let details: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
                total += details["findings"].as_u64().unwrap_or(0);
            }
        }
        Ok((!seen.is_empty()).then_some(total))
    }

    /// AGR-1, AGR-3..AGR-5: the active agreements within reach that end soon, or lack a
    /// DPA (where data may leave), a required attestation or a party's acceptance.
    pub async fn agreements_needing(&self, actor: &Actor, which: AgreementAttention) -> Result<Vec<Uuid>> {
        let (ending, incomplete) = self.agreements_attention(actor).await?;
        Ok(if which == AgreementAttention::Ending { ending } else { incomplete })
    }

    /// The agreements ending soon, and those incomplete, read in one pass.
    async fn agreements_attention(&self, actor: &Actor) -> Result<(Vec<Uuid>, Vec<Uuid>)> {
        let policy = self.active_preset().await?.policy;
        let today = self.now().date();
        let until = Date(today.0 + chrono::Duration::days(AGREEMENT_ENDING_DAYS));
        let filter = ListFilter { active: Some(true), ..Default::default() };
        let (mut ending, mut incomplete) = (Vec::new(), Vec::new());
        let mut page = 1;
        loop {
            let found = self.list::<Agreement>(actor, &filter, PageRequest { page, page_size: MAX_PAGE_SIZE }).await?;
            for e in found.items.iter().filter(|e| e.data.valid_to >= today) {
                let a = &e.data;
                if a.valid_to <= until {
                    ending.push(e.id);
                }
                if (a.data_processing.allows_export && !a.data_processing.dpa_in_place)
                    || !a.missing_attestations(&policy.accounts.required_attestations.value).is_empty()
                    || !a.fully_accepted()
                {
                    incomplete.push(e.id);
                }
            }
            if u64::from(page) >= found.total_pages {
                break;
            }
            page += 1;
        }
        Ok((ending, incomplete))
    }
}
