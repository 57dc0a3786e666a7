//! What the pages and the API show of a package: its summary, its entries with the
//! data subjects as numbers, and the check of its draw.

use domain::log_control::{Judgement, ReasonCode, Stratum, overdue};
use domain::time::Timestamp;
use store::{PackageEntry, PackageRow};
use uuid::Uuid;

/// A package as its list and its page show it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageSummary {
    pub id: Uuid,
    pub supplier_id: Uuid,
    pub period_from: String,
    pub period_to: String,
    /// `open` or `signed`.
    pub state: String,
    pub overdue: bool,
    pub due_at: String,
    pub created_at: String,
    pub created_by: String,
    pub automatic: bool,
    /// Accesses the sample was drawn from.
    pub candidates: u64,
    pub entries: u64,
    pub judged: u64,
    pub unjustified: u64,
    pub signed_at: Option<String>,
    pub signed_by: Option<String>,
    pub statement: Option<String>,
    /// The security officer's case the unjustified entries opened.
    pub case_id: Option<Uuid>,
    /// SHA-256 of the seed, written to the audit log before the draw.
    pub seed_sha256: String,
    /// The seed, written to the audit log after the draw.
    pub seed: String,
    pub version: i64,
}

/// One sampled access, its data subject pseudonymised.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageEntryView {
    pub n: u32,
    pub at: String,
    /// The target system.
    pub system_id: String,
    pub account_id: String,
    pub username: String,
    pub person_id: Option<Uuid>,
    pub action: String,
    /// The data subject's number within this package ("citizen 3").
    pub subject: u32,
    pub reasons: Vec<Stratum>,
    pub judgement: Option<Judgement>,
    pub reason_code: Option<ReasonCode>,
    pub note: Option<String>,
    pub judged_by: Option<String>,
    pub judged_at: Option<String>,
}

/// A package with its entries.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageView {
    #[serde(flatten)]
    pub package: PackageSummary,
    pub entries: Vec<PackageEntryView>,
}

/// The draw checked again: the seed against the hash written before, and the sample
/// recomputed from the log with the seed.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrawCheck {
    /// The hash written before the draw is the seed's.
    pub commitment_matches: bool,
    /// The hash was written to the log before the seed was.
    pub committed_before_draw: bool,
    /// Recomputing the draw gives the package's entries.
    pub same_sample: bool,
    pub entries: u64,
    pub recomputed: u64,
}

impl PackageSummary {
    pub(super) fn of(r: PackageRow, now: Timestamp) -> Self {
        let due = Timestamp::parse(&r.due_at).unwrap_or(now);
        PackageSummary {
            id: r.id,
            supplier_id: r.supplier_id,
            period_from: r.period_from,
            period_to: r.period_to,
            state: r.state.code().to_string(),
            overdue: overdue(r.state, due, now),
            due_at: r.due_at,
            created_at: r.created_at,
            created_by: r.created_by,
            automatic: r.automatic,
            candidates: r.candidates,
            entries: r.entries,
            judged: r.judged,
            unjustified: r.unjustified,
            signed_at: r.signed_at,
            signed_by: r.signed_by,
            statement: r.statement,
            case_id: r.case_id,
            seed_sha256: r.seed_hash,
            seed: r.seed,
            version: r.version,
        }
    }
}

impl From<PackageEntry> for PackageEntryView {
    fn from(e: PackageEntry) -> Self {
        PackageEntryView {
            n: e.n,
            at: e.at,
            system_id: e.system_id,
            account_id: e.account_id,
            username: e.username,
            person_id: e.person_id,
            action: e.action,
            subject: e.pseudonym,
            reasons: e.reasons,
            judgement: e.judgement,
            reason_code: e.reason_code,
            note: e.note,
            judged_by: e.judged_by,
            judged_at: e.judged_at,
        }
    }
}
