//! Access requests — the digital authorisation form (REQ-1..REQ-7, X-10): the states and
//! their legal transitions, who may take each step, and the policy checks run at
//! submission and again at approval. Every function here is pure; `today`/`now` are
//! arguments.

use crate::authz::{Actor, UserRole};
use crate::codes;
use crate::error::FieldError;
use crate::policy::Policy;
use crate::registry::{Agreement, Person, Profile};
use crate::text::{Name, Text};
use crate::time::{Date, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// REQ-1: what is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum RequestKind {
    NewAccount,
    ChangeRoles,
    Extension,
    Termination,
}

impl RequestKind {
    pub const ALL: [RequestKind; 4] = [RequestKind::NewAccount, RequestKind::ChangeRoles, RequestKind::Extension, RequestKind::Termination];
    pub const fn as_str(&self) -> &'static str {
        match self {
            RequestKind::NewAccount => "new_account",
            RequestKind::ChangeRoles => "change_roles",
            RequestKind::Extension => "extension",
            RequestKind::Termination => "termination",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// REQ-6: the explicit states of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum RequestState {
    Draft,
    /// Waiting for the area's department head or secretariat.
    Submitted,
    /// First approval given; waiting for the IT security coordinator.
    DepartmentApproved,
    /// Approved; provisioning under way.
    Approved,
    Rejected,
    /// Carried out in every target system.
    Fulfilled,
    Cancelled,
    /// Not decided before its wanted start had long passed.
    Expired,
}

impl RequestState {
    pub const ALL: [RequestState; 8] = [
        RequestState::Draft,
        RequestState::Submitted,
        RequestState::DepartmentApproved,
        RequestState::Approved,
        RequestState::Rejected,
        RequestState::Fulfilled,
        RequestState::Cancelled,
        RequestState::Expired,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            RequestState::Draft => "draft",
            RequestState::Submitted => "submitted",
            RequestState::DepartmentApproved => "department_approved",
            RequestState::Approved => "approved",
            RequestState::Rejected => "rejected",
            RequestState::Fulfilled => "fulfilled",
            RequestState::Cancelled => "cancelled",
            RequestState::Expired => "expired",
        }
    }
    /// Still waiting for someone's decision.
    pub fn is_open(&self) -> bool {
        matches!(self, RequestState::Draft | RequestState::Submitted | RequestState::DepartmentApproved)
    }
}

/// A step someone takes on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Step {
    Submit,
    ApproveAsDepartment,
    ApproveAsCoordinator,
    Reject,
    Fulfil,
    Cancel,
    Expire,
}

impl Step {
    pub const ALL: [Step; 7] =
        [Step::Submit, Step::ApproveAsDepartment, Step::ApproveAsCoordinator, Step::Reject, Step::Fulfil, Step::Cancel, Step::Expire];
}

/// The transition table: the state after `step`, or `None` when the step is illegal.
/// A termination needs no approval: it takes effect at once (REQ-3, ACC-6).
pub fn transition(kind: RequestKind, state: RequestState, step: Step) -> Option<RequestState> {
    use RequestState::*;
    use Step::*;
    match (state, step) {
        (Draft, Submit) if kind == RequestKind::Termination => Some(Approved),
        (Draft, Submit) => Some(Submitted),
        (Draft, Cancel) => Some(Cancelled),
        (Submitted, ApproveAsDepartment) => Some(DepartmentApproved),
        (DepartmentApproved, ApproveAsCoordinator) => Some(Approved),
        (Submitted | DepartmentApproved, Reject) => Some(Rejected),
        (Submitted | DepartmentApproved, Cancel) => Some(Cancelled),
        (Submitted | DepartmentApproved, Expire) => Some(Expired),
        (Approved, Fulfil) => Some(Fulfilled),
        _ => None,
    }
}

/// Someone, as recorded on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ActorRef {
    pub id: Uuid,
    pub name: String,
    pub role: UserRole,
    /// The registry person behind the actor, when known (four eyes by the person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Uuid>,
}

impl From<&Actor> for ActorRef {
    fn from(a: &Actor) -> Self {
        ActorRef { id: a.id, name: a.name.clone(), role: a.role, person: a.person }
    }
}

/// One line of a request's history (REQ-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub by: ActorRef,
    pub action: String,
    pub state: RequestState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// REQ-5: the owning department's note on a cross-department request; recorded, not a veto.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Annotation {
    pub department_id: Uuid,
    pub by: ActorRef,
    pub objection: bool,
    pub comment: String,
    pub at: Timestamp,
}

/// A justified deviation from the job profile (SYS-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Deviation {
    pub profile_id: Uuid,
    /// `true` adds the profile, `false` removes it from what the job profile gives.
    pub add: bool,
    pub reason: Text,
}

/// What a requester fills in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RequestInput {
    pub kind: RequestKind,
    pub person_id: Uuid,
    /// The target system (new account). For change, extension and termination of one
    /// account, give `account_id`; a termination without it ends every account.
    #[serde(default)]
    pub system_id: Option<Uuid>,
    #[serde(default)]
    pub account_id: Option<Uuid>,
    /// The agreement the account falls under (supplier staff).
    #[serde(default)]
    pub agreement_id: Option<Uuid>,
    /// The job profile to start from (new account, change of roles).
    #[serde(default)]
    pub job_profile_id: Option<Uuid>,
    #[serde(default)]
    pub deviations: Vec<Deviation>,
    /// Wanted start; for a termination the day it takes effect (today at the latest).
    pub wanted_start: Date,
    /// Last day of the account; defaults to the agreement's end for supplier staff.
    #[serde(default)]
    pub end_date: Option<Date>,
    /// A late order is accepted only as urgent, with the reason (REQ-3).
    #[serde(default)]
    pub urgent_reason: Option<Text>,
    /// Reference to the documented needs assessment, for sensitive roles.
    #[serde(default)]
    pub needs_assessment_ref: Option<Name>,
    #[serde(default)]
    pub comment: Option<Text>,
    /// Save without submitting.
    #[serde(default)]
    pub draft: bool,
}

/// A request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AccessRequest {
    pub kind: RequestKind,
    pub state: RequestState,
    pub person_id: Uuid,
    #[serde(default)]
    pub supplier_id: Option<Uuid>,
    #[serde(default)]
    pub system_id: Option<Uuid>,
    #[serde(default)]
    pub account_id: Option<Uuid>,
    #[serde(default)]
    pub agreement_id: Option<Uuid>,
    /// The area whose department head approves first.
    pub department_id: Uuid,
    #[serde(default)]
    pub job_profile_id: Option<Uuid>,
    #[serde(default)]
    pub deviations: Vec<Deviation>,
    /// The profiles the account gets: the job profile's, with the deviations applied.
    pub profiles: Vec<Uuid>,
    pub wanted_start: Date,
    #[serde(default)]
    pub end_date: Option<Date>,
    #[serde(default)]
    pub urgent_reason: Option<Text>,
    /// Ordered later than the lead time allows; accepted as urgent and flagged.
    pub late: bool,
    #[serde(default)]
    pub needs_assessment_ref: Option<Name>,
    pub requested_by: ActorRef,
    #[serde(default)]
    pub submitted_at: Option<Timestamp>,
    #[serde(default)]
    pub department_approval: Option<HistoryEntry>,
    #[serde(default)]
    pub coordinator_approval: Option<HistoryEntry>,
    /// Departments asked to annotate (they own a system the roles belong to).
    #[serde(default)]
    pub annotation_requested_from: Vec<Uuid>,
    #[serde(default)]
    pub annotations: Vec<Annotation>,
    pub history: Vec<HistoryEntry>,
}

/// The profiles a request gives: the `base` profiles (the job profile's, or the
/// account's current ones) that belong to the target system, with the deviations
/// applied. Each deviation carries a reason; a removal must remove something the base
/// gives; an addition must be a profile of the system.
pub fn resolve_profiles(
    base: &[Uuid],
    base_field: &str,
    system_profiles: &[(Uuid, Profile)],
    deviations: &[Deviation],
    system_id: Uuid,
) -> Result<Vec<Uuid>, FieldError> {
    let in_system = |id: &Uuid| system_profiles.iter().any(|(p, prof)| p == id && prof.system_id == system_id);
    let mut out: Vec<Uuid> = base.iter().copied().filter(|p| in_system(p)).collect();
    for (i, d) in deviations.iter().enumerate() {
        if d.add {
            if !in_system(&d.profile_id) {
                return Err(FieldError::new(format!("deviations[{i}].profile_id"), codes::WRONG_SYSTEM));
            }
            if !out.contains(&d.profile_id) {
                out.push(d.profile_id);
            }
        } else {
            let before = out.len();
            out.retain(|p| *p != d.profile_id);
            if out.len() == before {
                return Err(FieldError::new(format!("deviations[{i}].profile_id"), codes::PROFILE_NOT_IN_JOB_PROFILE));
            }
        }
    }
    if out.is_empty() {
        return Err(FieldError::new(base_field, codes::NO_PROFILES));
    }
    Ok(out)
}

/// What the policy checks look at, loaded by the application layer.
pub struct CheckContext<'a> {
    pub policy: &'a Policy,
    pub today: Date,
    /// The agreement and whether its record is active.
    pub agreement: Option<(&'a Agreement, bool)>,
    pub person: &'a Person,
    /// The request's profiles with their derived flags.
    pub profiles: Vec<(Uuid, &'a Profile)>,
    /// Accounts the supplier holds under the agreement in the system, not counting this
    /// request's own.
    pub accounts_in_system: u32,
}

fn days_between(from: Date, to: Date) -> i64 {
    (to.0 - from.0).num_days()
}

/// REQ-3, REQ-4, AGR-2..4, X-10: every policy check, at submission and again at
/// approval. Returns the violations (empty: all passed) and whether the order is late.
pub fn check(req: &AccessRequest, ctx: &CheckContext) -> (Vec<FieldError>, bool) {
    let mut v = Vec::new();
    let p = ctx.policy;
    let required = match req.kind {
        RequestKind::NewAccount => p.lead_times.new_account_days.value,
        RequestKind::ChangeRoles => p.lead_times.change_days.value,
        RequestKind::Extension => p.lead_times.extension_days.value,
        RequestKind::Termination => 0,
    };
    // Dates are checked when the request is submitted; an approval given after the
    // wanted start does not make the order late.
    let ahead = days_between(ctx.today, req.wanted_start);
    let mut late = false;
    if req.state == RequestState::Draft && req.kind != RequestKind::Termination {
        if ahead < 0 {
            v.push(FieldError::new("wanted_start", codes::START_IN_PAST));
        } else if ahead < i64::from(required) {
            if req.urgent_reason.is_some() {
                late = true;
            } else {
                v.push(FieldError::with2("wanted_start", codes::LEAD_TIME, ahead, required));
            }
        }
    }
    if let Some(supplier) = req.supplier_id {
        let affiliated = ctx
            .person
            .affiliations
            .iter()
            .any(|a| a.supplier_id == supplier && a.from <= req.wanted_start.max(ctx.today) && a.to.is_none_or(|to| to >= ctx.today));
        if !affiliated && req.kind != RequestKind::Termination {
            v.push(FieldError::new("person_id", codes::NOT_AFFILIATED));
        }
        if req.kind == RequestKind::Termination {
            return (v, late);
        }
        match ctx.agreement {
            None => v.push(FieldError::new("agreement_id", codes::AGREEMENT_NOT_ACTIVE)),
            Some((a, active)) => {
                if !active || a.supplier_id != supplier || !a.covers_date(req.wanted_start) || !a.covers_date(ctx.today.max(a.valid_from)) {
                    v.push(FieldError::with("agreement_id", codes::AGREEMENT_NOT_ACTIVE, a.valid_to));
                } else {
                    if let Some(system) = req.system_id
                        && !a.scope.systems.contains(&system)
                    {
                        v.push(FieldError::new("system_id", codes::SYSTEM_OUTSIDE_SCOPE));
                    }
                    for (i, (id, _)) in ctx.profiles.iter().enumerate() {
                        if !a.scope.profiles.contains(id) {
                            v.push(FieldError::new(format!("profiles[{i}]"), codes::PROFILE_OUTSIDE_SCOPE));
                        }
                    }
                    if req.kind == RequestKind::NewAccount && ctx.accounts_in_system + 1 > a.scope.user_cap {
                        v.push(FieldError::with("agreement_id", codes::USER_CAP_REACHED, a.scope.user_cap));
                    }
                    if ctx.profiles.iter().any(|(_, pr)| pr.flags.allows_export) && !a.data_processing.dpa_in_place {
                        v.push(FieldError::new("profiles", codes::EXPORT_WITHOUT_DPA));
                    }
                    if p.accounts.attestations_block_activation.value {
                        let missing = a.missing_attestations(&p.accounts.required_attestations.value);
                        if !missing.is_empty() {
                            let names: Vec<String> = missing
                                .iter()
                                .map(|k| serde_json::to_value(k).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())
                                .collect();
                            v.push(FieldError::with("agreement_id", codes::ATTESTATIONS_MISSING, names.join(", ")));
                        }
                    }
                    if req.end_date.is_some_and(|e| e > a.valid_to) {
                        v.push(FieldError::with("end_date", codes::END_AFTER_AGREEMENT, a.valid_to));
                    }
                }
            }
        }
    }
    if ctx.profiles.iter().any(|(_, pr)| pr.flags.sensitive) && req.needs_assessment_ref.is_none() && req.kind != RequestKind::Termination {
        v.push(FieldError::new("needs_assessment_ref", codes::NEEDS_ASSESSMENT_MISSING));
    }
    if req.end_date.is_some_and(|end| end < req.wanted_start) {
        v.push(FieldError::new("end_date", codes::ENDS_BEFORE_START));
    }
    (v, late)
}

/// REQ-2: may `actor` take `step` on `req`? Checks the role, the area, and that nobody
/// approves their own request or both steps of one (four eyes).
pub fn may_take(req: &AccessRequest, actor: &Actor, step: Step) -> Result<(), FieldError> {
    let deny = |code| Err(FieldError::new("step", code));
    match step {
        Step::ApproveAsDepartment => {
            if actor.role != UserRole::DepartmentHead {
                return deny(codes::NOT_YOUR_AREA);
            }
            if actor.department != Some(req.department_id) {
                return deny(codes::NOT_YOUR_AREA);
            }
            if actor.is(req.requested_by.id, req.requested_by.person) {
                return deny(codes::SAME_PERSON);
            }
        }
        Step::ApproveAsCoordinator => {
            if actor.role != UserRole::SecurityCoordinator {
                return deny(codes::NOT_YOUR_AREA);
            }
            if actor.is(req.requested_by.id, req.requested_by.person)
                || req.department_approval.as_ref().is_some_and(|a| actor.is(a.by.id, a.by.person))
            {
                return deny(codes::SAME_PERSON);
            }
        }
        Step::Reject => {
            let dept = actor.role == UserRole::DepartmentHead
                && actor.department == Some(req.department_id)
                && req.state == RequestState::Submitted;
            let coord = actor.role == UserRole::SecurityCoordinator;
            if !(dept || coord) {
                return deny(codes::NOT_YOUR_AREA);
            }
        }
        Step::Cancel => {
            if !actor.is(req.requested_by.id, req.requested_by.person) && actor.role != UserRole::SecurityCoordinator {
                return deny(codes::NOT_YOUR_AREA);
            }
        }
        Step::Submit | Step::Fulfil | Step::Expire => {}
    }
    Ok(())
}

impl AccessRequest {
    /// Takes `step`, recording it in the history; an illegal step changes nothing.
    pub fn apply(&mut self, step: Step, by: &Actor, comment: Option<String>, now: Timestamp) -> Result<(), FieldError> {
        let next = transition(self.kind, self.state, step)
            .ok_or_else(|| FieldError::with("step", codes::ILLEGAL_TRANSITION, self.state.as_str()))?;
        let entry = HistoryEntry { at: now, by: by.into(), action: step_name(step).into(), state: next, comment };
        match step {
            Step::ApproveAsDepartment => self.department_approval = Some(entry.clone()),
            Step::ApproveAsCoordinator => self.coordinator_approval = Some(entry.clone()),
            Step::Submit => self.submitted_at = Some(now),
            _ => {}
        }
        self.state = next;
        self.history.push(entry);
        Ok(())
    }

    /// REQ-5: records the owning department's annotation; not a veto.
    pub fn annotate(&mut self, by: &Actor, objection: bool, comment: String, now: Timestamp) -> Result<(), FieldError> {
        let dept = by
            .department
            .filter(|d| by.role == UserRole::DepartmentHead && self.annotation_requested_from.contains(d))
            .ok_or(FieldError::new("department", codes::NOT_YOUR_AREA))?;
        if !self.state.is_open() {
            return Err(FieldError::with("step", codes::ILLEGAL_TRANSITION, self.state.as_str()));
        }
        self.annotations.push(Annotation { department_id: dept, by: by.into(), objection, comment: comment.clone(), at: now });
        self.history.push(HistoryEntry {
            at: now,
            by: by.into(),
            action: if objection { "objection" } else { "annotation" }.into(),
            state: self.state,
            comment: Some(comment),
        });
        Ok(())
    }
}

pub fn step_name(step: Step) -> &'static str {
    match step {
        Step::Submit => "submitted",
        Step::ApproveAsDepartment => "approved_by_department",
        Step::ApproveAsCoordinator => "approved_by_coordinator",
        Step::Reject => "rejected",
        Step::Fulfil => "fulfilled",
        Step::Cancel => "cancelled",
        Step::Expire => "expired",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::{ActorKind, Organisation};
    use proptest::prelude::*;

    fn actor(role: UserRole, dept: Option<Uuid>) -> Actor {
        Actor {
            kind: ActorKind::User,
            id: Uuid::now_v7(),
            name: "x".into(),
            role,
            organisation: Organisation::Municipality,
            department: dept,
            person: None,
        }
    }

    fn request(kind: RequestKind, by: &Actor, dept: Uuid) -> AccessRequest {
        AccessRequest {
            kind,
            state: RequestState::Draft,
            person_id: Uuid::now_v7(),
            supplier_id: None,
            system_id: None,
            account_id: None,
            agreement_id: None,
            department_id: dept,
            job_profile_id: None,
            deviations: vec![],
            profiles: vec![],
            wanted_start: Date::parse("2026-03-01").unwrap(),
            end_date: None,
            urgent_reason: None,
            late: false,
            needs_assessment_ref: None,
            requested_by: by.into(),
            submitted_at: None,
            department_approval: None,
            coordinator_approval: None,
            annotation_requested_from: vec![],
            annotations: vec![],
            history: vec![],
        }
    }

    fn kind() -> impl Strategy<Value = RequestKind> {
        prop_oneof![
            Just(RequestKind::NewAccount),
            Just(RequestKind::ChangeRoles),
            Just(RequestKind::Extension),
            Just(RequestKind::Termination)
        ]
    }

    proptest! {
        /// REQ: REQ-6 — whatever sequence of steps is tried, only the table's transitions
        /// happen, each is in the history, and terminal states stay terminal.
        #[test]
        fn no_illegal_transition_is_reachable(k in kind(), steps in proptest::collection::vec(0usize..Step::ALL.len(), 0..20)) {
            let dept = Uuid::now_v7();
            let by = actor(UserRole::SupplierOrderer, None);
            let mut r = request(k, &by, dept);
            let now = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
            for s in steps {
                let step = Step::ALL[s];
                let before = r.state;
                let history = r.history.len();
                match r.apply(step, &by, None, now) {
                    Ok(()) => {
                        prop_assert_eq!(Some(r.state), transition(k, before, step));
                        prop_assert_eq!(r.history.len(), history + 1);
                    }
                    Err(e) => {
                        prop_assert_eq!(e.code, codes::ILLEGAL_TRANSITION);
                        prop_assert_eq!(r.state, before);
                        prop_assert_eq!(r.history.len(), history);
                    }
                }
                if matches!(before, RequestState::Rejected | RequestState::Cancelled | RequestState::Expired | RequestState::Fulfilled) {
                    prop_assert_eq!(r.state, before, "terminal states are final");
                }
                // Approval needs both steps, except a termination.
                if r.state == RequestState::Approved && k != RequestKind::Termination {
                    prop_assert!(r.department_approval.is_some() && r.coordinator_approval.is_some());
                }
            }
        }

        /// REQ: REQ-2 — on every path, whoever approves is never the requester, and the
        /// two approvals are by two different people.
        #[test]
        fn requester_is_never_approver(picks in proptest::collection::vec(0usize..4, 1..12)) {
            let dept = Uuid::now_v7();
            let requester = actor(UserRole::DepartmentHead, Some(dept));
            let people = [requester.clone(), actor(UserRole::DepartmentHead, Some(dept)), actor(UserRole::SecurityCoordinator, None), actor(UserRole::SecurityCoordinator, None)];
            let mut r = request(RequestKind::NewAccount, &requester, dept);
            let now = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
            r.apply(Step::Submit, &requester, None, now).unwrap();
            for p in picks {
                let who = &people[p];
                for step in [Step::ApproveAsDepartment, Step::ApproveAsCoordinator] {
                    if may_take(&r, who, step).is_ok() {
                        let _ = r.apply(step, who, None, now);
                    }
                }
            }
            for approval in [&r.department_approval, &r.coordinator_approval].into_iter().flatten() {
                prop_assert_ne!(approval.by.id, requester.id);
            }
            if let (Some(a), Some(b)) = (&r.department_approval, &r.coordinator_approval) {
                prop_assert_ne!(a.by.id, b.by.id);
            }
        }
    }

    #[test]
    fn a_termination_takes_effect_without_approval() {
        // REQ: REQ-3, ACC-6
        assert_eq!(transition(RequestKind::Termination, RequestState::Draft, Step::Submit), Some(RequestState::Approved));
        assert_eq!(transition(RequestKind::NewAccount, RequestState::Draft, Step::Submit), Some(RequestState::Submitted));
        assert_eq!(
            transition(RequestKind::NewAccount, RequestState::Submitted, Step::ApproveAsCoordinator),
            None,
            "the department approves first"
        );
    }

    #[test]
    fn only_the_areas_head_approves_first_and_an_objection_is_no_veto() {
        // REQ: REQ-2, REQ-5
        let (dept, other) = (Uuid::now_v7(), Uuid::now_v7());
        let requester = actor(UserRole::SupplierOrderer, None);
        let mut r = request(RequestKind::NewAccount, &requester, dept);
        r.annotation_requested_from = vec![other];
        let now = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
        r.apply(Step::Submit, &requester, None, now).unwrap();
        assert_eq!(
            may_take(&r, &actor(UserRole::DepartmentHead, Some(other)), Step::ApproveAsDepartment).unwrap_err().code,
            codes::NOT_YOUR_AREA
        );
        assert_eq!(
            may_take(&r, &actor(UserRole::SecurityCoordinator, None), Step::ApproveAsDepartment).unwrap_err().code,
            codes::NOT_YOUR_AREA
        );
        let owner = actor(UserRole::DepartmentHead, Some(other));
        r.annotate(&owner, true, "Vi har ikke hjemmel til dette".into(), now).unwrap();
        assert_eq!(r.state, RequestState::Submitted, "an objection is recorded, not a veto");
        assert!(
            r.annotate(&actor(UserRole::DepartmentHead, Some(dept)), false, "ok".into(), now).is_err(),
            "only the owning department annotates"
        );
        let head = actor(UserRole::DepartmentHead, Some(dept));
        assert!(may_take(&r, &head, Step::ApproveAsDepartment).is_ok());
    }
}
