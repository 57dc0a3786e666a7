//! Log control signed by the supplier (SEC-3). A package is drawn per supplier and
//! period from its accounts' accesses to data subjects: the candidates read from the
//! log, the seed's hash written to the log, the sample drawn by the domain's rule, and
//! the package stored with the seed. The supplier's authorised orderer judges each entry
//! against the written criteria, sees a data subject only by revealing it (audited), and
//! signs off; unjustified entries put their events on hold and open a case for the
//! security officer. Overdue packages are reminded, then escalated to the coordinator.

mod views;

pub use views::{DrawCheck, PackageEntryView, PackageSummary, PackageView};

use crate::log_scan::{Seen, scan_log};
use crate::{App, AppError, Result};
use audit::event::{SOURCE_PORTVAGT, actor_key};
use domain::authz::{Actor, Permission, Scope};
use domain::codes;
use domain::error::FieldError;
use domain::log_control::{
    Candidate, Judgement, PackageState, ReasonCode, SampleSizes, SignOffBlock, Stratum, WorkingHours, draw, may_sign, overdue,
    seed_commitment,
};
use domain::registry::{Record, Supplier};
use domain::security_report::{Finding, FindingKind};
use domain::text::Text;
use domain::time::Timestamp;
use std::collections::{HashMap, HashSet};
use store::{NewPackage, NewSecurityReport, PackageEntry, PackageRow, UnjustifiedCase};
use uuid::Uuid;

/// The longest period one package covers.
pub const MAX_PACKAGE_DAYS: i64 = 93;
/// Days before the due date the supplier is reminded.
pub const REMIND_DAYS_BEFORE: i64 = 3;

/// An access a package may pick, with what its entry shows.
struct Access {
    candidate: Candidate,
    at: String,
    system_id: String,
    username: String,
    person_id: Option<Uuid>,
    action: String,
    subject_index: String,
}

impl App {
    /// SEC-3: draws the package of `supplier` for `[from, to)`. The seed's hash is
    /// written to the log before the draw and the seed with the package after it.
    pub async fn draw_log_control(&self, actor: &Actor, supplier: Uuid, from: Timestamp, to: Timestamp, tz: chrono_tz::Tz) -> Result<Uuid> {
        self.permit(actor, Permission::DrawLogControl)?;
        if self.store().get_entry(supplier).await?.is_none_or(|e| e.kind != "supplier") {
            return Err(FieldError::new("supplier_id", codes::UNKNOWN_REFERENCE).into());
        }
        let now = self.now();
        if to.0 <= from.0 {
            return Err(FieldError::new("to", codes::ENDS_BEFORE_START).into());
        }
        if (to.0 - from.0).num_days() > MAX_PACKAGE_DAYS {
            return Err(FieldError::with("to", codes::PERIOD_TOO_LONG, MAX_PACKAGE_DAYS).into());
        }
        if to.0 > now.0 {
            return Err(FieldError::new("to", codes::LOG_CONTROL_PERIOD_NOT_ENDED).into());
        }
        let range = self
            .store()
            .log_seq_range(store::log::day_of(&Timestamp(from.0 - chrono::Duration::days(1))), store::log::day_of(&now))
            .await?;
        let Some(seqs) = range else {
            return Err(FieldError::new("supplier_id", codes::LOG_CONTROL_NO_ACCESSES).into());
        };
        let accesses = self.accesses(Some(supplier), from, to, seqs, tz).await?.remove(&supplier).unwrap_or_default();
        self.draw_from(actor, supplier, (from, to), seqs, accesses).await
    }

    /// Draws and stores the package of `supplier` from its accesses read from events `seqs`.
    async fn draw_from(
        &self,
        actor: &Actor,
        supplier: Uuid,
        period: (Timestamp, Timestamp),
        seqs: (u64, u64),
        accesses: Vec<Access>,
    ) -> Result<Uuid> {
        if accesses.is_empty() {
            return Err(FieldError::new("supplier_id", codes::LOG_CONTROL_NO_ACCESSES).into());
        }
        let rules = self.active_preset().await?.policy.log_control;
        let now = self.now();
        let seed: [u8; 32] = rand::random();
        let mut package = NewPackage {
            id: Uuid::now_v7(),
            supplier_id: supplier,
            period_from: period.0,
            period_to: period.1,
            seq_from: seqs.0,
            seq_to: seqs.1,
            seed_hash: seed_commitment(&seed),
            seed: hex(&seed),
            candidates: accesses.len() as u64,
            due_at: Timestamp(now.0 + chrono::Duration::days(i64::from(rules.review_days.value))),
            entries: Vec::new(),
        };
        self.store().commit_log_control_seed(&package, actor, now).await?;
        package.entries = entries_of(&accesses, &seed, sizes(&rules));
        match self.store().create_log_control_package(&package, actor, now).await {
            Err(store::StoreError::Conflict { .. }) => Err(AppError::Conflict(FieldError::new("period", codes::LOG_CONTROL_PERIOD_TAKEN))),
            other => other.map(|_| package.id).map_err(Into::into),
        }
    }

    /// The accesses to data subjects in `[from, to)` among events `seqs` by each
    /// supplier's accounts (only `only`'s, if given), each with the targeted strata it
    /// falls in.
    async fn accesses(
        &self,
        only: Option<Uuid>,
        from: Timestamp,
        to: Timestamp,
        seqs: (u64, u64),
        tz: chrono_tz::Tz,
    ) -> Result<HashMap<Uuid, Vec<Access>>> {
        let rules = self.active_preset().await?.policy.log_control;
        let hours = WorkingHours { start: rules.working_hours_start.value, end: rules.working_hours_end.value };
        let recent_from = to.0 - chrono::Duration::days(i64::from(rules.recent_days.value));
        let people: HashMap<Uuid, String> = self.store().person_indexes().await?.into_iter().collect();
        let staff: HashSet<&str> = people.values().map(String::as_str).collect();
        let accounts: HashMap<String, Option<Uuid>> =
            self.store().report_accounts().await?.into_iter().map(|a| (a.id.to_string(), a.person_id)).collect();
        let clients = self.clients_by_supplier().await?;
        // For one supplier, only events naming it are parsed: the rest are passed over by
        // their bytes.
        let needle = only.map(|s| format!("\"supplier_id\":\"{s}\""));
        let finder = needle.as_ref().map(|n| memchr::memmem::Finder::new(n.as_bytes()));
        let mut out: HashMap<Uuid, Vec<Access>> = HashMap::new();
        scan_log(self.store(), seqs.0, seqs.1, |seq, bytes| {
            if finder.as_ref().is_some_and(|f| f.find(bytes).is_none()) {
                return Ok(());
            }
            let e = Seen::parse(seq, bytes)?;
            let Some(subject) = e.subject_index.as_deref() else { return Ok(()) };
            if e.source == SOURCE_PORTVAGT || e.actor_kind != "account" {
                return Ok(());
            }
            let Some(supplier) = e.supplier_id.as_deref().and_then(|s| s.parse::<Uuid>().ok()) else { return Ok(()) };
            if only.is_some_and(|o| o != supplier) {
                return Ok(());
            }
            let Ok(at) = Timestamp::parse(&e.at) else { return Ok(()) };
            if at.0 < from.0 || at.0 >= to.0 {
                return Ok(());
            }
            let person = accounts.get(e.actor.as_ref()).copied().flatten().or_else(|| e.person_id.as_deref().and_then(|p| p.parse().ok()));
            let own = person.and_then(|p| people.get(&p)).map(String::as_str);
            let mut strata = Vec::new();
            if let Some(list) = clients.get(&supplier) {
                let day = at.date().to_string();
                let client = list
                    .get(subject)
                    .is_some_and(|p| p.iter().any(|(f, t)| f.as_str() <= day.as_str() && t.as_deref().is_none_or(|t| day.as_str() <= t)));
                if !client {
                    strata.push(Stratum::NoCareRelation);
                }
            }
            if own == Some(subject) {
                strata.push(Stratum::OwnRecord);
            } else if staff.contains(subject) {
                strata.push(Stratum::Colleague);
            }
            if hours.outside(at.0.with_timezone(&tz).naive_local()) {
                strata.push(Stratum::OutOfHours);
            }
            if at.0 >= recent_from {
                strata.push(Stratum::Recent);
            }
            out.entry(supplier).or_default().push(Access {
                candidate: Candidate { seq, account: e.actor.to_string(), strata },
                at: e.at.to_string(),
                system_id: e.source.to_string(),
                username: e.actor_name.as_deref().unwrap_or(e.actor.as_ref()).to_string(),
                person_id: person,
                action: e.action.to_string(),
                subject_index: subject.to_string(),
            });
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// The packages the actor may follow, newest first (a supplier: its own).
    pub async fn log_control_packages(&self, actor: &Actor) -> Result<Vec<PackageSummary>> {
        let supplier = self.package_scope(actor, Permission::SeeLogControl)?;
        let now = self.now();
        Ok(self.store().log_control_packages(supplier, 500).await?.into_iter().map(|r| PackageSummary::of(r, now)).collect())
    }

    /// `None`: every supplier's packages; a supplier's orderer: its own.
    fn package_scope(&self, actor: &Actor, permission: Permission) -> Result<Option<Uuid>> {
        match self.permit(actor, permission)? {
            Scope::All => Ok(None),
            Scope::OwnSupplier => actor.supplier().map(Some).ok_or(AppError::Forbidden),
            _ => Err(AppError::Forbidden),
        }
    }

    /// One package with its entries, the data subjects pseudonymised.
    pub async fn log_control_package(&self, actor: &Actor, id: Uuid) -> Result<PackageView> {
        let (row, entries) = self.visible_package(actor, id, Permission::SeeLogControl).await?;
        let now = self.now();
        Ok(PackageView { package: PackageSummary::of(row, now), entries: entries.into_iter().map(PackageEntryView::from).collect() })
    }

    async fn visible_package(&self, actor: &Actor, id: Uuid, permission: Permission) -> Result<(PackageRow, Vec<PackageEntry>)> {
        let supplier = self.package_scope(actor, permission)?;
        match self.store().log_control_package(id).await? {
            Some((row, entries)) if supplier.is_none_or(|s| s == row.supplier_id) => Ok((row, entries)),
            _ => Err(self.refuse(actor, permission.as_str(), "log_control", Some(id)).await),
        }
    }

    /// The supplier's reviewer judges entry `n` at the package version they saw.
    #[allow(clippy::too_many_arguments)]
    pub async fn judge_log_control(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        n: u32,
        judgement: Judgement,
        reason: ReasonCode,
        note: Option<Text>,
    ) -> Result<()> {
        let (row, entries) = self.visible_package(actor, id, Permission::ReviewLogControl).await?;
        if row.state != PackageState::Open {
            return Err(AppError::Conflict(FieldError::new("state", codes::LOG_CONTROL_SIGNED)));
        }
        if !entries.iter().any(|e| e.n == n) {
            return Err(AppError::NotFound);
        }
        if !reason.allowed(judgement) {
            return Err(FieldError::new("reason_code", codes::LOG_CONTROL_REASON).into());
        }
        let note = note.map(|t| t.to_string());
        Ok(self.store().judge_log_control_entry(id, version, n, judgement, reason, note.as_deref(), actor, self.now()).await?)
    }

    /// The data subject of entry `n` in clear, for the supplier's reviewer; recorded.
    pub async fn reveal_log_control_subject(&self, actor: &Actor, id: Uuid, n: u32) -> Result<String> {
        let (_, entries) = self.visible_package(actor, id, Permission::ReviewLogControl).await?;
        let entry = entries.into_iter().find(|e| e.n == n).ok_or(AppError::NotFound)?;
        // The chunk holding the event starts at most 63 events before it.
        let (events, _) = self.store().log_chunks(entry.seq, entry.seq, 64).await?;
        let body = events.into_iter().find(|(seq, _)| *seq == entry.seq).and_then(|(_, b)| audit::event::EventBody::from_bytes(&b).ok());
        // The event's payload may be gone (retention) while the package is kept.
        let Some((event_id, sealed)) = body.and_then(|b| b.subject.map(|s| (b.id, s))) else {
            return Err(AppError::NotFound);
        };
        let canonical = self.store().open_sealed(&event_id, &sealed)?;
        self.store().record_log_control_reveal(id, n, actor, self.now()).await?;
        Ok(canonical.split_once(':').map_or(canonical.as_str(), |(_, number)| number).to_string())
    }

    /// The reviewer signs the package off; unjustified entries put their events on hold
    /// and open a case for the security officer. Returns the case, if one was opened.
    pub async fn sign_off_log_control(&self, actor: &Actor, id: Uuid, version: i64, statement: Option<Text>) -> Result<Option<Uuid>> {
        let (row, entries) = self.visible_package(actor, id, Permission::ReviewLogControl).await?;
        if row.state != PackageState::Open {
            return Err(AppError::Conflict(FieldError::new("state", codes::LOG_CONTROL_SIGNED)));
        }
        let judgements: Vec<Option<Judgement>> = entries.iter().map(|e| e.judgement).collect();
        match may_sign(&judgements) {
            Err(SignOffBlock::Unjudged(k)) => return Err(FieldError::with("entries", codes::LOG_CONTROL_UNJUDGED, k).into()),
            Err(SignOffBlock::WaitingForInformation(k)) => return Err(FieldError::with("entries", codes::LOG_CONTROL_WAITING, k).into()),
            Ok(()) => {}
        }
        let now = self.now();
        let unjustified: Vec<&PackageEntry> = entries.iter().filter(|e| e.judgement == Some(Judgement::Unjustified)).collect();
        let statement = statement.map(|t| t.to_string()).unwrap_or_default();
        let case = (!unjustified.is_empty()).then(|| unjustified_case(&row, &unjustified, &statement, now));
        Ok(self.store().sign_off_log_control(id, version, &statement, case.as_ref(), actor, now).await?)
    }

    /// Checks a package's draw again: the seed against the hash written before it, and
    /// the sample recomputed from the log with the seed.
    pub async fn verify_log_control(&self, actor: &Actor, id: Uuid, tz: chrono_tz::Tz) -> Result<DrawCheck> {
        let (row, entries) = self.visible_package(actor, id, Permission::SeeLogControl).await?;
        let seed = unhex(&row.seed).ok_or_else(|| AppError::Internal(format!("package {id}: the seed is not hex")))?;
        let q = store::log::LogQuery { key: Some(format!("r:{id}")), limit: 100, ..Default::default() };
        let events = self.store().query_log(&q).await?.entries;
        let seq_of = |action: &str| events.iter().filter(|e| e.body.action == action).map(|e| e.seq).min();
        let committed = events.iter().find(|e| e.body.action == "log_control.commit");
        let commitment = committed.and_then(|e| e.body.details.get("seed_sha256")).and_then(|v| v.as_str()).unwrap_or_default();
        let before = matches!((seq_of("log_control.commit"), seq_of("log_control.draw")), (Some(c), Some(d)) if c < d);
        let from = Timestamp::parse(&row.period_from).map_err(|_| AppError::Internal("package period".into()))?;
        let to = Timestamp::parse(&row.period_to).map_err(|_| AppError::Internal("package period".into()))?;
        let rules = self.active_preset().await?.policy.log_control;
        let accesses = self
            .accesses(Some(row.supplier_id), from, to, (row.seq_from, row.seq_to), tz)
            .await?
            .remove(&row.supplier_id)
            .unwrap_or_default();
        let again = entries_of(&accesses, &seed, sizes(&rules));
        let same = again.len() == entries.len() && again.iter().zip(&entries).all(|(a, b)| a.seq == b.seq && a.reasons == b.reasons);
        Ok(DrawCheck {
            commitment_matches: seed_commitment(&seed) == commitment && commitment == row.seed_hash,
            committed_before_draw: before,
            same_sample: same,
            entries: entries.len() as u64,
            recomputed: again.len() as u64,
        })
    }

    /// The periodic run: each supplier's package of the months since its last, when the
    /// policy's interval has passed (suppliers without accesses get none); reminders
    /// before the due date and escalation to the coordinator after it.
    pub async fn periodic_log_control(&self, tz: chrono_tz::Tz) -> Result<usize> {
        use chrono::Datelike;
        let actor = Actor::system("log control");
        let now = self.now();
        let rules = self.active_preset().await?.policy.log_control;
        let local = now.0.with_timezone(&tz).date_naive();
        let month_start = |y: i32, m: u32| chrono::NaiveDate::from_ymd_opt(y, m, 1);
        let back = |months: u32| {
            let total = local.year() * 12 + local.month0() as i32 - months as i32;
            month_start(total.div_euclid(12), total.rem_euclid(12) as u32 + 1)
        };
        let midnight = |d: chrono::NaiveDate| {
            d.and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(tz).earliest()).map(|t| Timestamp(t.with_timezone(&chrono::Utc)))
        };
        let (Some(to), Some(from)) = (back(0).and_then(midnight), back(rules.interval_months.value).and_then(midnight)) else {
            return Ok(0);
        };
        let latest: HashMap<Uuid, String> = self.store().latest_log_control_periods().await?.into_iter().collect();
        let q = store::ListQuery { kind: Supplier::KIND.as_str(), active: Some(true), limit: 100_000, ..Default::default() };
        let due: Vec<Uuid> = self
            .store()
            .list_entries(&q)
            .await?
            .0
            .into_iter()
            .map(|s| s.id)
            .filter(|s| latest.get(s).and_then(|t| Timestamp::parse(t).ok()).is_none_or(|t| t.0 <= from.0))
            .collect();
        // The log is read once for every supplier due, and a period at most once a day:
        // a supplier without look-ups stays due (a system may report late).
        let read_today = self
            .log_control_scanned
            .lock()
            .ok()
            .and_then(|m| *m)
            .is_some_and(|(period, at)| period.0 == to.0 && now.0 - at.0 < chrono::Duration::hours(20));
        let mut drawn = 0;
        if !due.is_empty() && !read_today {
            let first = store::log::day_of(&Timestamp(from.0 - chrono::Duration::days(1)));
            if let Some(seqs) = self.store().log_seq_range(first, store::log::day_of(&now)).await? {
                let mut all = self.accesses(None, from, to, seqs, tz).await?;
                for supplier in due {
                    let Some(accesses) = all.remove(&supplier) else { continue };
                    match self.draw_from(&actor, supplier, (from, to), seqs, accesses).await {
                        Ok(_) => drawn += 1,
                        // Drawn meanwhile by hand or by another instance.
                        Err(AppError::Conflict(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            if let Ok(mut m) = self.log_control_scanned.lock() {
                *m = Some((to, now));
            }
        }
        self.remind_log_control(&actor, now).await?;
        Ok(drawn)
    }

    /// Open packages near their due date are reminded to the supplier once; overdue ones
    /// are escalated to the coordinator once.
    async fn remind_log_control(&self, actor: &Actor, now: Timestamp) -> Result<()> {
        for p in self.store().log_control_packages(None, 10_000).await? {
            if p.state != PackageState::Open {
                continue;
            }
            let Ok(due) = Timestamp::parse(&p.due_at) else { continue };
            let note = |kind: &str| serde_json::json!({ "kind": kind, "package_id": p.id, "supplier_id": p.supplier_id, "due_at": p.due_at, "entries": p.entries, "judged": p.judged });
            if overdue(p.state, due, now) && p.escalated_at.is_none() {
                self.store().remind_log_control(p.id, true, note("log_control_overdue"), actor, now).await?;
            } else if !overdue(p.state, due, now) && p.reminded_at.is_none() && due.0 - now.0 <= chrono::Duration::days(REMIND_DAYS_BEFORE)
            {
                self.store().remind_log_control(p.id, false, note("log_control_due"), actor, now).await?;
            }
        }
        Ok(())
    }
}

fn sizes(rules: &domain::policy::LogControlRules) -> SampleSizes {
    SampleSizes {
        min_per_account: rules.min_per_account.value,
        percent: rules.sample_percent.value,
        targeted_max: rules.targeted_max.value,
    }
}

/// The draw's entries, in log order, each data subject numbered by first appearance.
fn entries_of(accesses: &[Access], seed: &[u8], sizes: SampleSizes) -> Vec<PackageEntry> {
    let candidates: Vec<Candidate> = accesses.iter().map(|a| a.candidate.clone()).collect();
    let by_seq: HashMap<u64, &Access> = accesses.iter().map(|a| (a.candidate.seq, a)).collect();
    let mut pseudonyms: HashMap<&str, u32> = HashMap::new();
    draw(&candidates, seed, sizes)
        .into_iter()
        .zip(1..)
        .filter_map(|(p, n)| {
            let a = by_seq.get(&p.seq)?;
            let next = pseudonyms.len() as u32 + 1;
            let pseudonym = *pseudonyms.entry(a.subject_index.as_str()).or_insert(next);
            Some(PackageEntry {
                n,
                seq: p.seq,
                at: a.at.clone(),
                system_id: a.system_id.clone(),
                account_id: a.candidate.account.clone(),
                username: a.username.clone(),
                person_id: a.person_id,
                action: a.action.clone(),
                subject_index: a.subject_index.clone(),
                pseudonym,
                reasons: p.reasons,
                judgement: None,
                reason_code: None,
                note: None,
                judged_by: None,
                judged_at: None,
            })
        })
        .collect()
}

/// The case the unjustified entries of a package open: one finding per account and
/// system, and a hold on those accounts' events from the first entry's day.
fn unjustified_case(row: &PackageRow, entries: &[&PackageEntry], statement: &str, now: Timestamp) -> UnjustifiedCase {
    let mut findings: HashMap<(String, String), Finding> = HashMap::new();
    for e in entries {
        let f = findings.entry((e.system_id.clone(), e.account_id.clone())).or_insert_with(|| Finding {
            kind: FindingKind::UnjustifiedAccess,
            severity: FindingKind::UnjustifiedAccess.severity(),
            source: e.system_id.clone(),
            actor: e.account_id.clone(),
            username: e.username.clone(),
            person_id: e.person_id,
            supplier_id: Some(row.supplier_id),
            count: 0,
            first_at: e.at.clone(),
            last_at: e.at.clone(),
            actions: Vec::new(),
            with_subject: 0,
            seqs: Vec::new(),
        });
        f.add(e.seq, &e.at, &e.action, true);
    }
    let mut keys: Vec<String> = entries.iter().map(|e| actor_key(&e.account_id)).collect();
    keys.sort();
    keys.dedup();
    let first = entries.iter().filter_map(|e| Timestamp::parse(&e.at).ok()).min_by_key(|t| t.0).unwrap_or(now);
    let reference = case_reference("LK", row.id);
    let count = entries.len();
    UnjustifiedCase {
        report: NewSecurityReport {
            period_from: Timestamp::parse(&row.period_from).unwrap_or(first),
            period_to: Timestamp::parse(&row.period_to).unwrap_or(now),
            findings: findings.into_values().collect(),
            events: count as u64,
            delete_after_if_empty: now,
        },
        // The reviewer's own words, under the package's reference.
        conclusion: if statement.is_empty() { reference.clone() } else { format!("{reference}: {statement}") },
        hold: store::log::NewHold {
            // The reviewer's own words, else the package's reference.
            reason: if statement.is_empty() { reference.clone() } else { statement.to_string() },
            case_ref: reference,
            keys,
            from_day: store::log::day_of(&first),
            to_day: store::log::day_of(&now),
        },
    }
}

/// A case's reference: a prefix and the id's random last eight digits (the first are
/// the time it was made, shared by ids made in the same millisecond).
pub(crate) fn case_reference(prefix: &str, id: Uuid) -> String {
    let digits = id.simple().to_string();
    format!("{prefix}-{}", &digits[digits.len() - 8..])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}
