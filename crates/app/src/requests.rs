//! Access requests: submit, decide (approve, reject, cancel), annotate — each a load →
//! pure rule → one transaction with the audit event and, on approval, the account
//! changes and their provisioning actions in the outbox.

use crate::{App, AppError, Result};
use domain::account::AccountStatus;
use domain::audit_action::AuditAction;
use domain::authz::{Action, Actor, Permission, ResourceKind, Scope, UserRole};
use domain::codes;
use domain::error::FieldError;
use domain::paging::PageRequest;
use domain::registry::{Agreement, JobProfile, Page, Person, Profile, Record, System};
use domain::request::{self, AccessRequest, CheckContext, RequestInput, RequestKind, RequestState, Step, resolve_profiles};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use store::{AuditRecord, RequestQuery, RequestRow};
use uuid::Uuid;

/// A stored request with the results of re-running the policy checks (for approvers).
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    pub id: Uuid,
    pub version: i64,
    pub created_at: domain::time::Timestamp,
    pub updated_at: domain::time::Timestamp,
    #[serde(flatten)]
    pub request: AccessRequest,
    /// Policy checks as they stand now; empty when all pass (open requests only).
    pub checks: Vec<CheckResult>,
}

/// One failed policy check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub field: String,
    pub code: &'static str,
    pub arg: Option<String>,
    pub arg2: Option<String>,
}

impl From<FieldError> for CheckResult {
    fn from(e: FieldError) -> Self {
        CheckResult { field: e.field, code: e.code, arg: e.arg, arg2: e.arg2 }
    }
}

/// Filters for listing requests.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub state: Option<RequestState>,
    /// RPT-1: only requests waiting for approval (`Some(true)`: and past their wanted start).
    pub waiting: Option<bool>,
    pub person_id: Option<Uuid>,
    /// Only late (urgent) orders, for reports.
    pub late: Option<bool>,
    /// The actor's approval inbox: what waits for their step.
    pub inbox: bool,
    pub kind: Option<RequestKind>,
    /// Requests of this supplier's staff (within what the actor may see).
    pub supplier_id: Option<Uuid>,
    /// Part of the person's name.
    pub text: Option<String>,
    pub sort: Option<(store::RequestSort, bool)>,
    /// Count matches only up to this many (a search in the pages).
    pub count_cap: Option<u64>,
}

/// What the checks need, loaded once.
pub(crate) struct Loaded {
    pub person: Person,
    pub agreement: Option<(Agreement, bool)>,
    pub profiles: Vec<(Uuid, Profile)>,
    pub accounts_in_system: u32,
}

fn parse_request(row: &RequestRow) -> Result<AccessRequest> {
    serde_json::from_value(row.body.clone()).map_err(|e| AppError::Internal(format!("stored request does not parse: {e}")))
}

impl App {
    fn request_scope(&self, actor: &Actor, action: Action) -> Result<Scope> {
        self.allow(actor, action, ResourceKind::Request)
    }

    /// Loads a request the actor may see.
    pub(crate) async fn load_request(&self, actor: &Actor, id: Uuid) -> Result<(RequestRow, AccessRequest)> {
        let scope = self.request_scope(actor, Action::Read)?;
        let row = self.store.request(id).await?.ok_or(AppError::NotFound)?;
        let req = parse_request(&row)?;
        let visible = match scope {
            Scope::All => true,
            Scope::OwnSupplier => actor.supplier().is_some() && req.supplier_id == actor.supplier(),
            // A department sees its own requests, and those it is asked to annotate (REQ-5).
            Scope::OwnDepartment => actor.department.is_some_and(|d| d == req.department_id || req.annotation_requested_from.contains(&d)),
            Scope::OwnPerson => false,
        };
        if !visible {
            return Err(self.refuse(actor, "request.read", "request", Some(id)).await);
        }
        Ok((row, req))
    }

    async fn entry_of<R: Record>(&self, id: Uuid, field: &str) -> Result<(R, bool)> {
        let row = self
            .store
            .get_entry(id)
            .await?
            .filter(|r| r.kind == R::KIND.as_str())
            .ok_or_else(|| FieldError::new(field, codes::UNKNOWN_REFERENCE))?;
        let rec = serde_json::from_value(row.body).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok((rec, row.active))
    }

    /// Everything the policy checks look at.
    pub(crate) async fn load_context(&self, req: &AccessRequest) -> Result<Loaded> {
        let (person, _) = self.entry_of::<Person>(req.person_id, "person_id").await?;
        let agreement = match req.agreement_id {
            Some(a) => Some(self.entry_of::<Agreement>(a, "agreement_id").await?),
            None => None,
        };
        let mut profiles = Vec::new();
        for (i, p) in req.profiles.iter().enumerate() {
            let (prof, _) = self.entry_of::<Profile>(*p, &format!("profiles[{i}]")).await?;
            profiles.push((*p, prof));
        }
        let accounts_in_system = match (req.agreement_id, req.system_id) {
            (Some(a), Some(s)) => self.store.count_live_accounts(a, s).await?,
            _ => 0,
        };
        Ok(Loaded { person, agreement, profiles, accounts_in_system })
    }

    pub(crate) async fn run_checks(&self, req: &AccessRequest, loaded: &Loaded) -> Result<(Vec<FieldError>, bool)> {
        let policy = self.active_preset().await?.policy;
        let ctx = CheckContext {
            policy: &policy,
            today: self.now().date(),
            agreement: loaded.agreement.as_ref().map(|(a, active)| (a, *active)),
            person: &loaded.person,
            profiles: loaded.profiles.iter().map(|(id, p)| (*id, p)).collect(),
            accounts_in_system: loaded.accounts_in_system,
        };
        Ok(request::check(req, &ctx))
    }

    /// REQ-1..REQ-4: submits (or saves as a draft) a request for a new account, a change
    /// of roles, an extension or a termination. A termination takes effect at once.
    pub async fn submit_request(&self, actor: &Actor, input: RequestInput) -> Result<RequestView> {
        self.submit(actor, input, false).await
    }

    /// a supplier's HR system reports a leaver (inbound SCIM): every account of the
    /// person under the supplier's agreements is disabled at once, and the time from
    /// report to disable is recorded. The HR system's token stands for the supplier, so
    /// the orderer list does not apply.
    pub async fn report_leaver(&self, actor: &Actor, person_id: Uuid) -> Result<RequestView> {
        self.permit(actor, Permission::SyncStaff)?;
        let today = self.now().date();
        let input = RequestInput {
            kind: RequestKind::Termination,
            person_id,
            system_id: None,
            account_id: None,
            agreement_id: None,
            job_profile_id: None,
            deviations: Vec::new(),
            wanted_start: today,
            end_date: None,
            urgent_reason: None,
            needs_assessment_ref: None,
            comment: Some(domain::text::Text::parse("Reported by the supplier's HR system").map_err(|e| e.at("comment"))?),
            draft: false,
        };
        self.submit(actor, input, true).await
    }

    /// Every rule an order breaks, at once, so a form can show them all on their fields
    /// (nothing is written). A problem that stops the order from being read at all —
    /// an unknown person or system, a missing job profile — comes alone, as an error.
    pub async fn order_problems(&self, actor: &Actor, input: RequestInput) -> Result<Vec<FieldError>> {
        let (_, _, violations, _) = self.build_request(actor, input, false).await?;
        Ok(violations)
    }

    async fn submit(&self, actor: &Actor, input: RequestInput, reported_by_hr: bool) -> Result<RequestView> {
        let now = self.now();
        let draft = input.draft;
        let comment = input.comment.clone();
        let (mut req, loaded, violations, late) = self.build_request(actor, input, reported_by_hr).await?;
        if let Some(first) = violations.into_iter().next() {
            return Err(first.into());
        }
        req.late = late;
        let comment = comment.map(|c| c.to_string());
        req.history.push(domain::request::HistoryEntry {
            at: now,
            by: actor.into(),
            action: "created".into(),
            state: RequestState::Draft,
            comment: comment.clone(),
        });
        if !draft {
            req.apply(Step::Submit, actor, None, now)?;
        }
        let id = Uuid::now_v7();
        let mut tx = self.store.begin().await?;
        let body = serde_json::to_value(&req).map_err(|e| AppError::Internal(e.to_string()))?;
        tx.insert_request(id, &body, now).await?;
        let mut details = json!({ "kind": req.kind, "state": req.state, "late": req.late });
        if req.state == RequestState::Approved {
            // A termination: carried out now, in this transaction.
            let n = self.carry_out(&mut tx, actor, id, &req, &loaded, now).await?;
            details["accounts"] = json!(n);
        }
        tx.commit(AuditRecord::new(actor, AuditAction::RequestSubmit, "request", Some(id), now).details(details)).await?;
        self.get_request(actor, id).await
    }

    /// Reads an order into a draft request with what its checks need, and runs them:
    /// the request, its context, every violation, and whether it is late.
    async fn build_request(
        &self,
        actor: &Actor,
        input: RequestInput,
        reported_by_hr: bool,
    ) -> Result<(AccessRequest, Loaded, Vec<FieldError>, bool)> {
        let scope = self.request_scope(actor, Action::Create)?;
        if input.kind == RequestKind::Termination && !reported_by_hr {
            self.permit(actor, Permission::ReportLeaver)?;
        }
        let now = self.now();
        // The person must be one the actor may see (a supplier: its own staff).
        self.get::<Person>(actor, input.person_id).await.map_err(|e| match e {
            AppError::NotFound => AppError::Invalid(FieldError::new("person_id", codes::UNKNOWN_REFERENCE)),
            other => other,
        })?;
        // ORG-3: only a listed orderer submits for a supplier.
        let supplier_id = match (scope, actor.supplier()) {
            (Scope::OwnSupplier, Some(own)) if reported_by_hr => Some(own),
            (Scope::OwnSupplier, Some(own)) => {
                let listed = match actor.person {
                    Some(p) => {
                        let today = now.date();
                        let on_list = self.is_listed_orderer(p, own).await?;
                        // An orderer who has left the supplier orders no more.
                        let employed = self.get::<Person>(actor, p).await.is_ok_and(|e| {
                            e.data.affiliations.iter().any(|a| a.supplier_id == own && a.from <= today && a.to.is_none_or(|t| t >= today))
                        });
                        on_list && employed
                    }
                    None => false,
                };
                if !listed {
                    return Err(FieldError::new("requested_by", codes::NOT_AN_ORDERER).into());
                }
                Some(own)
            }
            _ => None,
        };
        // The account a change, extension or termination is about.
        let account = match input.account_id {
            Some(id) => {
                let acc = self
                    .store
                    .account(id)
                    .await?
                    .filter(|a| a.person_id == input.person_id)
                    .ok_or(FieldError::new("account_id", codes::UNKNOWN_REFERENCE))?;
                Some(acc)
            }
            None => None,
        };
        let system_id = match (&account, input.system_id) {
            (Some(a), _) => Some(a.system_id),
            (None, s) => s,
        };
        let agreement_id = input.agreement_id.or(account.as_ref().and_then(|a| a.agreement_id));
        let agreement = match agreement_id {
            Some(a) => Some(self.entry_of::<Agreement>(a, "agreement_id").await?),
            None => None,
        };
        let supplier_id = supplier_id.or(agreement.as_ref().map(|(a, _)| a.supplier_id));
        if let (Some(s), Some((a, _))) = (supplier_id, &agreement)
            && a.supplier_id != s
        {
            return Err(FieldError::new("agreement_id", codes::UNKNOWN_REFERENCE).into());
        }
        if supplier_id.is_some() && agreement.is_none() && input.kind != RequestKind::Termination {
            return Err(FieldError::new("agreement_id", codes::MISSING_FIELD).into());
        }
        let system = match system_id {
            Some(s) => Some(self.entry_of::<System>(s, "system_id").await?.0),
            None => None,
        };
        let profiles = match input.kind {
            RequestKind::NewAccount | RequestKind::ChangeRoles => {
                let system_id = system_id.ok_or(FieldError::new("system_id", codes::MISSING_FIELD))?;
                let (base, base_field): (Vec<Uuid>, &str) = match (input.job_profile_id, &account) {
                    (Some(j), _) => (self.entry_of::<JobProfile>(j, "job_profile_id").await?.0.profiles, "job_profile_id"),
                    (None, Some(a)) => {
                        let mut ps: Vec<Uuid> = a.roles.iter().filter_map(|(_, p)| *p).collect();
                        ps.sort();
                        ps.dedup();
                        (ps, "account_id")
                    }
                    (None, None) => return Err(FieldError::new("job_profile_id", codes::MISSING_FIELD).into()),
                };
                let mut candidates = base.clone();
                candidates.extend(input.deviations.iter().map(|d| d.profile_id));
                let mut known = Vec::new();
                for id in candidates {
                    if let Some(row) = self.store.get_entry(id).await?.filter(|r| r.kind == "profile") {
                        known.push((id, serde_json::from_value::<Profile>(row.body).map_err(|e| AppError::Internal(e.to_string()))?));
                    }
                }
                resolve_profiles(&base, base_field, &known, &input.deviations, system_id)?
            }
            _ => Vec::new(),
        };
        match input.kind {
            RequestKind::NewAccount => {
                // ACC-1: one account per person per system.
                let existing = self
                    .store
                    .list_accounts(&store::AccountQuery {
                        person_id: Some(input.person_id),
                        system_id,
                        statuses: LIVE.to_vec(),
                        limit: 1,
                        ..Default::default()
                    })
                    .await?;
                if existing.1 > 0 {
                    return Err(FieldError::new("system_id", codes::ACCOUNT_EXISTS).into());
                }
            }
            RequestKind::ChangeRoles | RequestKind::Extension => {
                let acc = account.as_ref().ok_or(FieldError::new("account_id", codes::MISSING_FIELD))?;
                if !acc.status.is_live() {
                    return Err(FieldError::new("account_id", codes::ACCOUNT_NOT_ACTIVE).into());
                }
                if input.kind == RequestKind::Extension && input.end_date.is_none() {
                    return Err(FieldError::new("end_date", codes::MISSING_FIELD).into());
                }
            }
            RequestKind::Termination => {}
        }
        // The area: the agreement's department, the requester's own, or the system
        // owner's; a system owned by another department asks it to annotate (REQ-5).
        let owner = system.as_ref().map(|s| s.owner_department_id);
        let department_id = match agreement.as_ref().and_then(|(a, _)| a.department_id).or(actor.department).or(owner) {
            Some(d) => d,
            // A termination needs no approval; it is filed under the department of one
            // of the accounts it ends.
            None if input.kind == RequestKind::Termination => {
                self.live_accounts_of(input.person_id).await?.iter().find_map(|a| a.department_id).unwrap_or(Uuid::nil())
            }
            None => return Err(FieldError::new("agreement_id", codes::MISSING_FIELD).into()),
        };
        // REQ-2: a department head files requests for their own area only.
        if scope == Scope::OwnDepartment && actor.department != Some(department_id) {
            let e = FieldError::new(if agreement.is_some() { "agreement_id" } else { "person_id" }, codes::NOT_YOUR_AREA);
            return Err(self.refuse_with(actor, "request.create", "request", None, e).await);
        }
        let annotation_requested_from = owner.filter(|o| *o != department_id).into_iter().collect();
        let end_date = match (input.end_date, input.kind, &agreement) {
            (Some(e), _, _) => Some(e),
            // ACC-5: every supplier account ends, at the latest with its agreement.
            (None, RequestKind::NewAccount, Some((a, _))) => Some(a.valid_to),
            _ => None,
        };
        let wanted_start = if input.kind == RequestKind::Termination { now.date() } else { input.wanted_start };
        let req = AccessRequest {
            kind: input.kind,
            state: RequestState::Draft,
            person_id: input.person_id,
            supplier_id,
            system_id,
            account_id: input.account_id,
            agreement_id,
            department_id,
            job_profile_id: input.job_profile_id,
            deviations: input.deviations,
            profiles,
            wanted_start,
            end_date,
            urgent_reason: input.urgent_reason,
            late: false,
            needs_assessment_ref: input.needs_assessment_ref,
            requested_by: actor.into(),
            submitted_at: None,
            department_approval: None,
            coordinator_approval: None,
            annotation_requested_from,
            annotations: Vec::new(),
            history: Vec::new(),
        };
        let loaded = self.load_context(&req).await?;
        let (violations, late) = self.run_checks(&req, &loaded).await?;
        Ok((req, loaded, violations, late))
    }

    /// Reads a request, with its policy checks re-run if it is still open.
    pub async fn get_request(&self, actor: &Actor, id: Uuid) -> Result<RequestView> {
        let (row, req) = self.load_request(actor, id).await?;
        let checks = if req.state.is_open() && req.kind != RequestKind::Termination {
            let loaded = self.load_context(&req).await?;
            let mut probe = req.clone();
            // Re-check as at approval: the dates were checked at submission.
            if probe.state == RequestState::Draft {
                probe.state = RequestState::Submitted;
            }
            self.run_checks(&probe, &loaded).await?.0.into_iter().map(CheckResult::from).collect()
        } else {
            Vec::new()
        };
        Ok(RequestView { id: row.id, version: row.version, created_at: row.created_at, updated_at: row.updated_at, request: req, checks })
    }

    /// Lists requests the actor may see; `inbox` narrows to what waits for their step.
    pub async fn list_requests(&self, actor: &Actor, filter: &RequestFilter, page: PageRequest) -> Result<Page<RequestView>> {
        let mut q = RequestQuery {
            person_id: filter.person_id,
            late: filter.late,
            kind: filter.kind.map(|k| k.as_str()),
            supplier_id: filter.supplier_id,
            text: filter.text.clone(),
            sort: filter.sort,
            count_cap: filter.count_cap,
            offset: page.offset(),
            limit: page.page_size,
            ..Default::default()
        };
        if let Some(s) = filter.state {
            q.states = vec![s.as_str()];
        } else if let Some(past_start) = filter.waiting {
            q.states = vec![RequestState::Submitted.as_str(), RequestState::DepartmentApproved.as_str()];
            q.wanted_before = past_start.then(|| self.now().date());
        }
        match self.request_scope(actor, Action::Read)? {
            Scope::All => {}
            Scope::OwnSupplier => q.supplier_id = actor.supplier().or(Some(Uuid::nil())),
            Scope::OwnDepartment => q.department_id = actor.department.or(Some(Uuid::nil())),
            Scope::OwnPerson => return Err(AppError::Forbidden),
        }
        if filter.inbox && !self.can(actor, Permission::ApproveRequests) {
            q.states = vec!["-"];
        } else if filter.inbox {
            match actor.role {
                UserRole::DepartmentHead => {
                    q.states = vec![RequestState::Submitted.as_str()];
                    q.department_id = actor.department;
                }
                UserRole::SecurityCoordinator => q.states = vec![RequestState::DepartmentApproved.as_str()],
                _ => q.states = vec!["-"],
            }
        }
        let (rows, total) = self.store.list_requests(&q).await?;
        page.check_within(total)?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(RequestView {
                    id: row.id,
                    version: row.version,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                    request: parse_request(row)?,
                    checks: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page { items, page: page.page, page_size: page.page_size, total, total_pages: page.total_pages(total) })
    }

    /// Takes a step on a request: approve (department, then coordinator), reject, cancel,
    /// or submit a draft. Approval re-runs the policy checks; the coordinator's approval
    /// commits the account changes and their provisioning actions with it. Of two
    /// deciders acting at once exactly one succeeds; the other gets a stale-version
    /// conflict.
    pub async fn decide_request(
        &self,
        actor: &Actor,
        id: Uuid,
        step: Step,
        comment: Option<String>,
        if_match: Option<i64>,
    ) -> Result<RequestView> {
        self.request_scope(actor, Action::Update)?;
        let (row, mut req) = self.load_request(actor, id).await?;
        if if_match.is_some_and(|v| v != row.version) {
            return Err(AppError::Conflict(FieldError::with("version", codes::STALE_VERSION, row.version)));
        }
        if matches!(step, Step::Fulfil | Step::Expire) {
            return Err(FieldError::with("step", codes::ILLEGAL_TRANSITION, req.state.as_str()).into());
        }
        if step == Step::Submit && !actor.is(req.requested_by.id, req.requested_by.person) {
            return Err(FieldError::new("step", codes::NOT_YOUR_AREA).into());
        }
        // REQ-2: deciding is a permission of its own; which step is whose, the domain says.
        if matches!(step, Step::ApproveAsDepartment | Step::ApproveAsCoordinator | Step::Reject)
            && !self.can(actor, Permission::ApproveRequests)
        {
            return Err(FieldError::new("step", codes::NOT_YOUR_AREA).into());
        }
        request::may_take(&req, actor, step)?;
        if matches!(step, Step::Reject) && comment.as_deref().is_none_or(|c| c.trim().is_empty()) {
            return Err(FieldError::new("comment", codes::REASON_REQUIRED).into());
        }
        let now = self.now();
        let loaded = self.load_context(&req).await?;
        if matches!(step, Step::ApproveAsDepartment | Step::ApproveAsCoordinator | Step::Submit) {
            let (violations, late) = self.run_checks(&req, &loaded).await?;
            if let Some(first) = violations.into_iter().next() {
                return Err(first.into());
            }
            if step == Step::Submit {
                req.late = late;
            }
        }
        req.apply(step, actor, comment, now)?;
        let mut tx = self.store.begin().await?;
        let body = serde_json::to_value(&req).map_err(|e| AppError::Internal(e.to_string()))?;
        tx.update_request(id, &body, row.version, now).await?;
        let mut details = json!({ "step": step, "state": req.state });
        if req.state == RequestState::Approved {
            let n = self.carry_out(&mut tx, actor, id, &req, &loaded, now).await?;
            details["accounts"] = json!(n);
        }
        tx.commit(AuditRecord::new(actor, AuditAction::of_step(step), "request", Some(id), now).details(details)).await?;
        self.get_request(actor, id).await
    }

    /// REQ-5: the owning department's annotation on a cross-department request.
    pub async fn annotate_request(&self, actor: &Actor, id: Uuid, objection: bool, comment: String) -> Result<RequestView> {
        self.request_scope(actor, Action::Update)?;
        let (row, mut req) = self.load_request(actor, id).await?;
        if comment.trim().is_empty() {
            return Err(FieldError::new("comment", codes::EMPTY).into());
        }
        let now = self.now();
        req.annotate(actor, objection, comment, now)?;
        let mut tx = self.store.begin().await?;
        let body = serde_json::to_value(&req).map_err(|e| AppError::Internal(e.to_string()))?;
        tx.update_request(id, &body, row.version, now).await?;
        tx.commit(
            AuditRecord::new(actor, AuditAction::RequestAnnotate, "request", Some(id), now).details(json!({ "objection": objection })),
        )
        .await?;
        self.get_request(actor, id).await
    }

    /// The people behind usernames a record keeps (who ordered, approved, signed off):
    /// their display names by username; a name that is not a user's is not in the map.
    pub async fn display_names(&self, usernames: &[String]) -> HashMap<String, String> {
        self.store.display_names(usernames).await.unwrap_or_default()
    }
}

/// Account statuses that count as live.
pub(crate) const LIVE: [&str; 4] = [
    AccountStatus::Provisioning.as_str(),
    AccountStatus::AwaitingActivation.as_str(),
    AccountStatus::Active.as_str(),
    AccountStatus::Locked.as_str(),
];
