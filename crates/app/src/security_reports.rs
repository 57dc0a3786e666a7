//! The security report (SEC-1, X-11) and its case (SEC-2): the log of a period read once,
//! in order, each event of a target system checked against the account Portvagt holds for
//! it (its dates, its state then, its roles' transaction types) and its supplier's client
//! list, and Portvagt's own refusals; findings grouped by class, actor and system. A
//! report is a case: handed to the area's department head or taken up by the
//! coordinator, then closed without misuse (deleted after the policy's days) or with
//! misuse (its events under a legal hold at once, for the security officer).

use crate::log_scan::{Seen, scan_log};
use crate::{App, AppError, Result};
use audit::event::{SOURCE_PORTVAGT, actor_key};
use domain::authz::{Actor, Permission, Scope};
use domain::codes;
use domain::error::FieldError;
use domain::security_report::{
    AccountFacts, CaseStep, EventFacts, Finding, FindingKind, classify, is_failed_sign_on, is_refusal_in_portvagt, may_step,
};
use domain::text::Text;
use domain::time::{Date, Timestamp};
use std::collections::{HashMap, HashSet};
use store::{CaseChange, NewSecurityReport, SecurityReportRow};
use uuid::Uuid;

/// The longest period one report covers.
pub const MAX_REPORT_DAYS: i64 = 31;
/// How long after a period its events may be reported and still be in its report.
pub const LATE_DAYS: i64 = 31;

/// A report with its findings, for those who may read it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityReportView {
    #[serde(flatten)]
    pub report: SecurityReportSummary,
    pub findings: Vec<Finding>,
}

/// A report in a list: its period, its case and its counts.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityReportSummary {
    pub id: Uuid,
    pub period_from: String,
    pub period_to: String,
    pub created_at: String,
    pub created_by: String,
    pub automatic: bool,
    /// `open`, `investigating`, `closed` or `misuse`.
    pub state: String,
    pub department_id: Option<Uuid>,
    pub investigator: Option<String>,
    pub conclusion: Option<String>,
    pub closed_at: Option<String>,
    pub delete_after: Option<String>,
    pub hold_id: Option<Uuid>,
    pub findings: u64,
    pub high: u64,
    pub events: u64,
    pub version: i64,
}

impl From<SecurityReportRow> for SecurityReportSummary {
    fn from(r: SecurityReportRow) -> Self {
        SecurityReportSummary {
            id: r.id,
            period_from: r.period_from,
            period_to: r.period_to,
            created_at: r.created_at,
            created_by: r.created_by,
            automatic: r.automatic,
            state: r.state.code().to_string(),
            department_id: r.department_id,
            investigator: r.investigator,
            conclusion: r.conclusion,
            closed_at: r.closed_at,
            delete_after: r.delete_after,
            hold_id: r.hold_id,
            findings: r.findings,
            high: r.high,
            events: r.events,
            version: r.version,
        }
    }
}

/// A step on a report's case, as the person takes it.
#[derive(Debug, Clone)]
pub enum CaseInput {
    /// Hand it to a department's head.
    Assign(Uuid),
    Investigate,
    /// No misuse found, and why.
    Close(Text),
    /// Misuse found, and what.
    Misuse(Text),
}

/// The care relations of each supplier with a list: subject index → periods.
pub(crate) type Clients = HashMap<Uuid, HashMap<String, Vec<(String, Option<String>)>>>;

impl App {
    /// SEC-1: makes the report of `[from, to)` from the log and stores it as a case.
    pub async fn make_security_report(&self, actor: &Actor, from: Timestamp, to: Timestamp) -> Result<Uuid> {
        self.permit(actor, Permission::RunSecurityReport)?;
        if to.0 <= from.0 {
            return Err(FieldError::new("to", codes::ENDS_BEFORE_START).into());
        }
        if (to.0 - from.0).num_days() > MAX_REPORT_DAYS {
            return Err(FieldError::with("to", codes::PERIOD_TOO_LONG, MAX_REPORT_DAYS).into());
        }
        let (findings, events) = self.findings_of(from, to).await?;
        let keep = self.active_preset().await?.policy.audit.closed_report_keep_days.value;
        let now = self.now();
        let report = NewSecurityReport {
            period_from: from,
            period_to: to,
            findings,
            events,
            delete_after_if_empty: Timestamp(now.0 + chrono::Duration::days(i64::from(keep))),
        };
        Ok(self.store().create_security_report(&report, actor, now).await?)
    }

    /// The daily run: yesterday's report in the municipality's time zone, once, and the
    /// reports closed without misuse whose time is up deleted.
    pub async fn daily_security_report(&self, tz: chrono_tz::Tz) -> Result<Option<Uuid>> {
        let actor = Actor::system("security report");
        let now = self.now();
        self.store().delete_closed_reports(&actor, now).await?;
        let today = now.0.with_timezone(&tz).date_naive();
        let midnight = |d: chrono::NaiveDate| {
            d.and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(tz).earliest()).map(|t| Timestamp(t.with_timezone(&chrono::Utc)))
        };
        let (Some(from), Some(to)) = (today.pred_opt().and_then(midnight), midnight(today)) else { return Ok(None) };
        if self.store().automatic_report_exists(&from, &to).await? {
            return Ok(None);
        }
        self.make_security_report(&actor, from, to).await.map(Some)
    }

    /// Reads the period's events once and returns the findings, most severe first, and
    /// how many events were read.
    async fn findings_of(&self, from: Timestamp, to: Timestamp) -> Result<(Vec<Finding>, u64)> {
        let started = std::time::Instant::now();
        let threshold = u64::from(self.active_preset().await?.policy.login.lockout_attempts.value.max(1));
        let accounts = self.report_accounts().await?;
        let clients = self.clients_by_supplier().await?;
        let prepared = started.elapsed();
        let mut found: HashMap<(FindingKind, String, String), Finding> = HashMap::new();
        let mut failures: HashMap<(String, String), Finding> = HashMap::new();
        let mut events = 0u64;
        // Events are stored by the day they were recorded: those of the period reported
        // up to LATE_DAYS after it are read too (a file imported later, a system that
        // reports once a day).
        let last_day = store::log::day_of(&Timestamp(to.0 + chrono::Duration::days(LATE_DAYS)));
        let first_day = store::log::day_of(&Timestamp(from.0 - chrono::Duration::days(1)));
        let Some((first, last)) = self.store().log_seq_range(first_day, last_day).await? else {
            return Ok((Vec::new(), 0));
        };
        scan_log(self.store(), first, last, |seq, bytes| {
            let body = Seen::parse(seq, bytes)?;
            let Ok(at) = Timestamp::parse(&body.at) else { return Ok(()) };
            if at.0 < from.0 || at.0 >= to.0 {
                return Ok(());
            }
            events += 1;
            let add = |kind: FindingKind, map: &mut HashMap<(FindingKind, String, String), Finding>| {
                map.entry((kind, body.source.to_string(), body.actor.to_string()))
                    .or_insert_with(|| new_finding(kind, &body, accounts.get(body.actor.as_ref())))
                    .add(seq, &body.at, &body.action, body.subject_index.is_some());
            };
            if body.source == SOURCE_PORTVAGT {
                if is_refusal_in_portvagt(&body.action) {
                    add(FindingKind::RefusedInPortvagt, &mut found);
                }
                return Ok(());
            }
            let account = (body.actor_kind == "account").then(|| accounts.get(body.actor.as_ref())).flatten();
            if is_failed_sign_on(&body.action, &body.outcome) {
                failures
                    .entry((body.source.to_string(), body.actor.to_string()))
                    .or_insert_with(|| new_finding(FindingKind::RepeatedFailures, &body, account))
                    .add(seq, &body.at, &body.action, false);
            }
            let supplier = body.supplier_id.as_deref().and_then(|s| s.parse::<Uuid>().ok());
            let list = supplier.and_then(|s| clients.get(&s));
            let facts = EventFacts {
                at,
                username: body.actor_name.as_deref().unwrap_or(body.actor.as_ref()),
                action: &body.action,
                outcome: &body.outcome,
                unauthenticated: body.details.as_ref().and_then(|d| d.authenticated) == Some(false),
                has_subject: body.subject_index.is_some(),
                client_list: list.is_some(),
            };
            let is_client = || {
                let day = at.date().to_string();
                let periods = body.subject_index.as_ref().and_then(|i| list.and_then(|l| l.get(i.as_ref())));
                periods.is_some_and(|p| p.iter().any(|(f, t)| f.as_str() <= day.as_str() && t.as_deref().is_none_or(|t| day.as_str() <= t)))
            };
            for kind in classify(&facts, account, is_client) {
                add(kind, &mut found);
            }
            Ok(())
        })
        .await?;
        for ((source, actor), f) in failures.into_iter().filter(|(_, f)| f.count >= threshold) {
            found.insert((FindingKind::RepeatedFailures, source, actor), f);
        }
        tracing::info!(
            events,
            accounts = accounts.len(),
            suppliers_with_lists = clients.len(),
            prepare_ms = prepared.as_millis() as u64,
            total_ms = started.elapsed().as_millis() as u64,
            "security report: the log read"
        );
        let mut out: Vec<Finding> = found.into_values().collect();
        out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.kind.cmp(&b.kind)).then(b.count.cmp(&a.count)).then(a.actor.cmp(&b.actor)));
        Ok((out, events))
    }

    /// Every account as the rules see it, by id.
    async fn report_accounts(&self) -> Result<HashMap<String, AccountFacts>> {
        let q = store::ListQuery { kind: "role", limit: 1_000_000, ..Default::default() };
        let roles: HashMap<Uuid, Vec<String>> = self
            .store()
            .list_entries(&q)
            .await?
            .0
            .into_iter()
            .map(|r| {
                let codes = r.body.get("transaction_types").and_then(|v| v.as_array()).cloned().unwrap_or_default();
                (r.id, codes.into_iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
            })
            .collect();
        let ts = |s: &Option<String>| s.as_deref().and_then(|s| Timestamp::parse(s).ok());
        Ok(self
            .store()
            .report_accounts()
            .await?
            .into_iter()
            .map(|a| {
                let transactions: HashSet<String> = a.roles.iter().filter_map(|r| roles.get(r)).flatten().cloned().collect();
                let facts = AccountFacts {
                    username: a.username.clone(),
                    person_id: a.person_id,
                    valid_from: Date::parse(&a.valid_from).ok(),
                    valid_to: a.valid_to.as_deref().and_then(|d| Date::parse(d).ok()),
                    transactions,
                    ..Default::default()
                }
                .with_history(&a.status, ts(&a.activated_at), ts(&a.disabled_at));
                (a.id.to_string(), facts)
            })
            .collect())
    }

    pub(crate) async fn clients_by_supplier(&self) -> Result<Clients> {
        let mut out: Clients = HashMap::new();
        for (supplier, index, from, to) in self.store().client_relations().await? {
            out.entry(supplier).or_default().entry(index).or_default().push((from, to));
        }
        Ok(out)
    }

    /// The reports the actor may see, newest first (a department head: those handed to
    /// the department).
    pub async fn security_reports(&self, actor: &Actor) -> Result<Vec<SecurityReportSummary>> {
        let scope = self.permit(actor, Permission::SeeSecurityReports)?;
        let department = match scope {
            Scope::All => None,
            _ => Some(actor.department.ok_or(AppError::Forbidden)?),
        };
        Ok(self.store().security_reports(department, 200).await?.into_iter().map(SecurityReportSummary::from).collect())
    }

    /// One report with its findings; reading it is recorded (SEC-1).
    pub async fn security_report(&self, actor: &Actor, id: Uuid) -> Result<SecurityReportView> {
        let (row, findings) = self.visible_report(actor, id, Permission::SeeSecurityReports).await?;
        self.store().record_report_read(id, actor, self.now()).await?;
        Ok(SecurityReportView { report: row.into(), findings })
    }

    /// A report within the actor's reach of `permission`, else as if it did not exist.
    async fn visible_report(&self, actor: &Actor, id: Uuid, permission: Permission) -> Result<(SecurityReportRow, Vec<Finding>)> {
        let scope = self.permit(actor, permission)?;
        match self.store().security_report(id).await? {
            Some((row, f)) if scope == Scope::All || (row.department_id.is_some() && row.department_id == actor.department) => Ok((row, f)),
            _ => Err(self.refuse(actor, permission.as_str(), "security_report", Some(id)).await),
        }
    }

    /// SEC-2: a step on a report's case at the version the person saw.
    pub async fn security_report_step(&self, actor: &Actor, id: Uuid, version: i64, input: CaseInput) -> Result<()> {
        let (row, findings) = self.visible_report(actor, id, Permission::InvestigateSecurityReport).await?;
        let step = match &input {
            CaseInput::Assign(_) => CaseStep::Assign,
            CaseInput::Investigate => CaseStep::Investigate,
            CaseInput::Close(_) => CaseStep::Close,
            CaseInput::Misuse(_) => CaseStep::Misuse,
        };
        // Handing a report on is the coordinator's, who sees them all.
        if step == CaseStep::Assign && self.permit(actor, Permission::InvestigateSecurityReport)? != Scope::All {
            return Err(AppError::Forbidden);
        }
        if !may_step(row.state, step) {
            return Err(AppError::Conflict(FieldError::with("state", codes::REPORT_CASE_STEP, row.state.code())));
        }
        let now = self.now();
        let change = match input {
            CaseInput::Assign(department) => {
                if self.store().get_entry(department).await?.is_none_or(|e| e.kind != "department") {
                    return Err(FieldError::new("department_id", codes::UNKNOWN_REFERENCE).into());
                }
                CaseChange::Assign(department)
            }
            CaseInput::Investigate => CaseChange::Investigate,
            CaseInput::Close(conclusion) => {
                let keep = self.active_preset().await?.policy.audit.closed_report_keep_days.value;
                CaseChange::Close {
                    conclusion: conclusion.to_string(),
                    delete_after: Timestamp(now.0 + chrono::Duration::days(i64::from(keep))),
                }
            }
            CaseInput::Misuse(conclusion) => {
                let mut keys: Vec<String> = findings.iter().map(|f| actor_key(&f.actor)).collect();
                keys.sort();
                keys.dedup();
                let day = |t: &str| Timestamp::parse(t).map(|t| store::log::day_of(&t)).unwrap_or(0);
                let hold = store::log::NewHold {
                    case_ref: crate::log_control::case_reference("SR", id),
                    reason: conclusion.to_string(),
                    keys,
                    from_day: day(&row.period_from),
                    // A day further: the events a system reported late.
                    to_day: day(&row.period_to) + 1,
                };
                CaseChange::Misuse { conclusion: conclusion.to_string(), hold }
            }
        };
        Ok(self.store().change_security_report(id, version, &change, actor, now).await?)
    }
}

fn new_finding(kind: FindingKind, body: &Seen<'_>, account: Option<&AccountFacts>) -> Finding {
    let username = account
        .map(|a| a.username.clone())
        .or_else(|| body.actor_name.as_deref().map(str::to_string))
        .unwrap_or_else(|| body.actor.to_string());
    Finding {
        kind,
        severity: kind.severity(),
        source: body.source.to_string(),
        actor: body.actor.to_string(),
        username,
        person_id: account.and_then(|a| a.person_id).or_else(|| body.person_id.as_deref().and_then(|p| p.parse().ok())),
        supplier_id: body.supplier_id.as_deref().and_then(|s| s.parse().ok()),
        count: 0,
        first_at: body.at.to_string(),
        last_at: body.at.to_string(),
        actions: Vec::new(),
        with_subject: 0,
        seqs: Vec::new(),
    }
}
