//! Log control signed by the supplier (SEC-3): the rules of a package's draw and of its
//! review. Pure: the caller brings each candidate access with its facts; the draw is
//! decided by the seed alone, so whoever has the seed and the same candidates gets the
//! same sample.
//!
//! - **Unpredictable yet verifiable.** Each candidate's rank is `SHA-256(seed ‖ seq)`;
//!   every stratum takes its lowest ranks. The seed's hash is written to the audit log
//!   before the draw and the seed after it, so nobody could know the sample in advance
//!   and anybody can recompute it afterwards.
//! - **A random floor plus targeted strata.** Every account with accesses gets at least
//!   the policy's minimum of random entries, the package a percentage of all accesses
//!   at random, and each targeted stratum (no care relationship, the user's own record,
//!   a colleague's record, out of hours, recent) up to the policy's cap; an entry says
//!   every reason it was picked for.

use crate::time::Timestamp;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($(#[$doc:meta])* $variant:ident = $code:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$doc])* $variant,)*
        }

        impl $name {
            /// Every value, in the order the pages list them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub const fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)*
                }
            }

            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}

coded! {
    /// Why an access was picked for the package.
    Stratum {
        /// The data subject was not the supplier's client that day.
        NoCareRelation = "no_care_relation",
        /// The user looked up their own record.
        OwnRecord = "own_record",
        /// The user looked up a colleague: a person Portvagt knows as staff.
        Colleague = "colleague",
        /// Outside working hours or on a weekend, in the municipality's time.
        OutOfHours = "out_of_hours",
        /// In the period's last days, while the user still remembers it.
        Recent = "recent",
        /// Drawn at random.
        Random = "random",
    }
}

coded! {
    /// The supplier's reviewer's judgement of one entry.
    Judgement {
        Justified = "justified",
        Unjustified = "unjustified",
        /// The reviewer must ask the employee before judging.
        NeedsInformation = "needs_information",
    }
}

coded! {
    /// The reason a judgement is given for, from the written criteria.
    ReasonCode {
        /// A visit, task or care plan for the citizen that day.
        CareTask = "care_task",
        /// Covering for a colleague, or a shift handed over.
        Substitute = "substitute",
        /// An administrative task the contract names (planning, billing, quality).
        Administrative = "administrative",
        /// A look-up with no task behind it.
        NoTask = "no_task",
        /// The employee's own record, a relative's or a colleague's.
        PersonalInterest = "personal_interest",
        /// The wrong citizen opened by mistake.
        WrongCitizen = "wrong_citizen",
        /// The employee is to be asked.
        AskEmployee = "ask_employee",
        /// The employee has left and cannot be asked.
        EmployeeGone = "employee_gone",
    }
}

impl ReasonCode {
    /// The reasons a judgement may be given with.
    pub fn allowed(self, judgement: Judgement) -> bool {
        use ReasonCode::*;
        match judgement {
            Judgement::Justified => matches!(self, CareTask | Substitute | Administrative),
            Judgement::Unjustified => matches!(self, NoTask | PersonalInterest | WrongCitizen),
            Judgement::NeedsInformation => matches!(self, AskEmployee | EmployeeGone),
        }
    }
}

/// How large a package is (policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleSizes {
    /// Random entries for every account with accesses, if it has that many.
    pub min_per_account: u32,
    /// Random entries as a percentage of all accesses, rounded up.
    pub percent: u32,
    /// The most entries one targeted stratum contributes.
    pub targeted_max: u32,
}

/// One access a package may pick: its sequence number in the log, the account, and the
/// targeted strata it falls in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub seq: u64,
    pub account: String,
    pub strata: Vec<Stratum>,
}

/// An entry of the sample and every reason it was picked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picked {
    pub seq: u64,
    pub reasons: Vec<Stratum>,
}

/// The hex SHA-256 of a seed: what is written to the log before the draw.
pub fn seed_commitment(seed: &[u8]) -> String {
    hex(&Sha256::digest(seed))
}

/// The rank of an access in a draw with `seed`: lowest first.
pub fn rank(seed: &[u8], seq: u64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(seed);
    h.update(seq.to_be_bytes());
    h.finalize().into()
}

/// Draws the sample: the random floor per account, the random percentage, and each
/// targeted stratum up to its cap — all by lowest rank — in log order.
pub fn draw(candidates: &[Candidate], seed: &[u8], sizes: SampleSizes) -> Vec<Picked> {
    let mut ranked: Vec<(&Candidate, [u8; 32])> = candidates.iter().map(|c| (c, rank(seed, c.seq))).collect();
    ranked.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.seq.cmp(&b.0.seq)));
    let mut picked: BTreeMap<u64, Vec<Stratum>> = BTreeMap::new();
    fn add(picked: &mut BTreeMap<u64, Vec<Stratum>>, seq: u64, why: Stratum) {
        let reasons = picked.entry(seq).or_default();
        if !reasons.contains(&why) {
            reasons.push(why);
        }
    }
    for stratum in Stratum::ALL.iter().copied().filter(|s| *s != Stratum::Random) {
        for (c, _) in ranked.iter().filter(|(c, _)| c.strata.contains(&stratum)).take(sizes.targeted_max as usize) {
            add(&mut picked, c.seq, stratum);
        }
    }
    let mut per_account: HashMap<&str, u32> = HashMap::new();
    for (c, _) in &ranked {
        let n = per_account.entry(c.account.as_str()).or_default();
        if *n < sizes.min_per_account {
            *n += 1;
            add(&mut picked, c.seq, Stratum::Random);
        }
    }
    let share = (candidates.len() as u64 * u64::from(sizes.percent)).div_ceil(100) as usize;
    let mut random = 0;
    for (c, _) in &ranked {
        if random >= share {
            break;
        }
        if !picked.contains_key(&c.seq) {
            add(&mut picked, c.seq, Stratum::Random);
            random += 1;
        }
    }
    picked
        .into_iter()
        .map(|(seq, mut reasons)| {
            reasons.sort();
            Picked { seq, reasons }
        })
        .collect()
}

/// Working hours, in the municipality's time: weekdays from `start` to `end` o'clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    pub start: u32,
    pub end: u32,
}

impl WorkingHours {
    /// Whether a local time falls outside working hours.
    pub fn outside(self, local: chrono::NaiveDateTime) -> bool {
        use chrono::{Datelike, Timelike, Weekday};
        matches!(local.weekday(), Weekday::Sat | Weekday::Sun) || local.hour() < self.start || local.hour() >= self.end
    }
}

/// The state of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PackageState {
    /// Drawn and waiting for the supplier's review.
    Open,
    /// Signed off by the supplier's reviewer.
    Signed,
}

impl PackageState {
    pub fn code(self) -> &'static str {
        match self {
            PackageState::Open => "open",
            PackageState::Signed => "signed",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [PackageState::Open, PackageState::Signed].into_iter().find(|s| s.code() == code)
    }
}

/// Whether an open package is past its due time.
pub fn overdue(state: PackageState, due: Timestamp, now: Timestamp) -> bool {
    state == PackageState::Open && now.0 > due.0
}

/// Why a package cannot be signed off yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOffBlock {
    /// Entries not judged yet.
    Unjudged(usize),
    /// Entries waiting for information.
    WaitingForInformation(usize),
}

/// A package may be signed off when every entry is judged justified or unjustified.
pub fn may_sign(judgements: &[Option<Judgement>]) -> Result<(), SignOffBlock> {
    let unjudged = judgements.iter().filter(|j| j.is_none()).count();
    if unjudged > 0 {
        return Err(SignOffBlock::Unjudged(unjudged));
    }
    let waiting = judgements.iter().filter(|j| **j == Some(Judgement::NeedsInformation)).count();
    if waiting > 0 {
        return Err(SignOffBlock::WaitingForInformation(waiting));
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates() -> Vec<Candidate> {
        (1..=200)
            .map(|seq| Candidate {
                seq,
                account: format!("a{}", seq % 5),
                strata: match seq {
                    7 | 8 => vec![Stratum::OwnRecord],
                    9 => vec![Stratum::NoCareRelation, Stratum::OutOfHours],
                    _ => Vec::new(),
                },
            })
            .collect()
    }

    const SIZES: SampleSizes = SampleSizes { min_per_account: 2, percent: 5, targeted_max: 25 };

    #[test]
    fn the_same_seed_draws_the_same_sample_and_another_seed_another() {
        let a = draw(&candidates(), b"seed one", SIZES);
        assert_eq!(a, draw(&candidates(), b"seed one", SIZES));
        assert_ne!(a, draw(&candidates(), b"seed two", SIZES));
    }

    #[test]
    fn every_targeted_access_is_picked_with_its_reasons_and_the_floor_and_share_are_random() {
        let picked = draw(&candidates(), b"seed", SIZES);
        let of = |seq: u64| picked.iter().find(|p| p.seq == seq).map(|p| p.reasons.clone());
        assert_eq!(of(7), Some(vec![Stratum::OwnRecord]));
        assert!(of(9).is_some_and(|r| r.contains(&Stratum::NoCareRelation) && r.contains(&Stratum::OutOfHours)));
        let random = picked.iter().filter(|p| p.reasons.contains(&Stratum::Random)).count();
        // Two per account (5 accounts) and 5 % of 200 more.
        assert!((10..=20).contains(&random), "{random}");
        for a in 0..5 {
            let n = picked.iter().filter(|p| p.seq % 5 == a && p.reasons.contains(&Stratum::Random)).count();
            assert!(n >= 2, "account a{a}: {n}");
        }
        assert!(picked.windows(2).all(|w| w[0].seq < w[1].seq), "in log order");
    }

    #[test]
    fn a_targeted_stratum_is_capped() {
        let many: Vec<Candidate> = (1..=100).map(|seq| Candidate { seq, account: "a".into(), strata: vec![Stratum::OutOfHours] }).collect();
        let picked = draw(&many, b"s", SampleSizes { min_per_account: 0, percent: 0, targeted_max: 10 });
        assert_eq!(picked.len(), 10);
    }

    #[test]
    fn the_commitment_is_the_seeds_sha256() {
        assert_eq!(seed_commitment(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn reasons_belong_to_their_judgement_and_sign_off_waits_for_every_entry() {
        assert!(ReasonCode::CareTask.allowed(Judgement::Justified));
        assert!(!ReasonCode::CareTask.allowed(Judgement::Unjustified));
        assert!(ReasonCode::AskEmployee.allowed(Judgement::NeedsInformation));
        assert_eq!(may_sign(&[Some(Judgement::Justified), None]), Err(SignOffBlock::Unjudged(1)));
        assert_eq!(may_sign(&[Some(Judgement::Justified), Some(Judgement::NeedsInformation)]), Err(SignOffBlock::WaitingForInformation(1)));
        assert_eq!(may_sign(&[Some(Judgement::Unjustified)]), Ok(()));
    }

    #[test]
    fn out_of_hours_is_evenings_nights_and_weekends() {
        let h = WorkingHours { start: 7, end: 18 };
        let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        assert!(!h.outside(at("2026-11-04 09:00")));
        assert!(h.outside(at("2026-11-04 18:00")));
        assert!(h.outside(at("2026-11-04 06:59")));
        assert!(h.outside(at("2026-11-07 10:00")), "a Saturday");
    }
}
