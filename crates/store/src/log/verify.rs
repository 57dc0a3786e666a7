//! `portvagt audit verify` (LOG-3): recomputes the tree from the stored leaf hashes
//! and compares it with every signed checkpoint, then hashes every stored event body
//! and compares it with its leaf. Any changed, deleted, inserted or reordered event and
//! any altered checkpoint or purge record is reported with where it is.

use super::retention::purge_text;
use super::{BLOCK, chunks_table};
use crate::{Result, Store};
use audit::checkpoint::VerifyingKey;
use audit::event::unpack;
use audit::merkle::{self, Frontier, Hash, leaf_hash};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifyProblem {
    /// The event (sequence number) the problem is at, when it is one event.
    pub seq: Option<u64>,
    /// The kind of problem: the message key of its text in every language.
    pub code: &'static str,
    /// The values the message names.
    pub args: Vec<(&'static str, String)>,
    /// The problem in English, for logs and the JSON report.
    pub what: String,
}

impl VerifyProblem {
    fn new(seq: Option<u64>, code: &'static str, args: &[(&'static str, i64)], what: String) -> Self {
        debug_assert!(VERIFY_CODES.contains(&code), "{code} is listed");
        VerifyProblem { seq, code, args: args.iter().map(|(k, v)| (*k, v.to_string())).collect(), what }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    pub size: u64,
    pub root: String,
    pub checkpoints: u64,
    pub events_checked: u64,
    pub events_purged: u64,
    pub events_held: u64,
    pub problems: Vec<VerifyProblem>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
    fn problem(&mut self, p: VerifyProblem) {
        if self.problems.len() < 1_000 {
            self.problems.push(p);
        }
    }
}

/// day, first_seq, last_seq, purged_at, signature.
type DayRow = (i64, i64, i64, Option<String>, Option<String>);

/// Every problem kind `verify` reports; each has a message in every language.
pub const VERIFY_CODES: &[&str] = &[
    "verify-checkpoint-signature",
    "verify-checkpoint-beyond",
    "verify-leaves-missing",
    "verify-leaf-block",
    "verify-checkpoint-mismatch",
    "verify-head",
    "verify-day-range",
    "verify-purge-signature",
    "verify-no-day",
    "verify-missing",
    "verify-twice",
    "verify-chunk",
    "verify-inserted",
    "verify-changed",
];

/// Leaf blocks read per round trip.
const BLOCKS_PER_READ: i64 = 1_024;

impl Store {
    /// Verifies the whole log. `keys`: the checkpoint key's public key and those of
    /// keys it replaced (rotation).
    pub async fn verify_log(&self, keys: &[VerifyingKey], origin: &str) -> Result<VerifyReport> {
        let mut r = VerifyReport::default();
        let head = self.frontier().await?;
        r.size = head.size();
        r.root = merkle::to_hex(&head.root());

        // 1. Checkpoints are signed by our key.
        let checkpoints = self.checkpoints(origin).await?;
        r.checkpoints = checkpoints.len() as u64;
        for c in &checkpoints {
            if !keys.iter().any(|k| c.verify(k)) {
                r.problem(VerifyProblem::new(
                    None,
                    "verify-checkpoint-signature",
                    &[("size", c.size as i64)],
                    format!("checkpoint at size {}: the signature does not verify (altered, or signed by another key)", c.size),
                ));
            }
            if c.size > head.size() {
                r.problem(VerifyProblem::new(
                    None,
                    "verify-checkpoint-beyond",
                    &[("size", c.size as i64), ("events", head.size() as i64)],
                    format!("checkpoint at size {} is beyond the log's {} events: events were deleted", c.size, head.size()),
                ));
            }
        }

        // 2. The leaves rebuild the head and every checkpointed root.
        let mut leaves: Vec<Hash> = Vec::with_capacity(head.size() as usize);
        let mut f = Frontier::new();
        let mut next_cp = checkpoints.iter().peekable();
        let mut last_good = 0u64;
        let mut block = 0i64;
        loop {
            let rows: Vec<(i64, Vec<u8>, Option<Vec<u8>>)> =
                sqlx::query_as("SELECT block, hashes, root FROM audit_leaves WHERE block >= $1 ORDER BY block LIMIT $2")
                    .bind(block)
                    .bind(BLOCKS_PER_READ)
                    .fetch_all(&self.pool)
                    .await?;
            if rows.is_empty() {
                break;
            }
            for (b, hashes, root) in &rows {
                if *b != block {
                    r.problem(VerifyProblem::new(
                        Some(block as u64 * BLOCK),
                        "verify-leaves-missing",
                        &[("first", block * BLOCK as i64)],
                        format!("leaf blocks {block}..{b} are missing (events {} onwards)", block as u64 * BLOCK),
                    ));
                }
                if hashes.len() % 32 != 0 || hashes.len() as u64 > BLOCK * 32 {
                    r.problem(VerifyProblem::new(
                        Some(*b as u64 * BLOCK),
                        "verify-leaf-block",
                        &[("first", b * BLOCK as i64)],
                        format!("leaf block {b} is malformed"),
                    ));
                    block = b + 1;
                    continue;
                }
                let hs: Vec<Hash> = hashes.chunks(32).map(|c| c.try_into().expect("32")).collect();
                if hs.len() as u64 == BLOCK {
                    let expected = super::append::block_root(&hs);
                    if root.as_deref() != Some(expected.as_slice()) {
                        r.problem(VerifyProblem::new(
                            Some(*b as u64 * BLOCK),
                            "verify-leaf-block",
                            &[("first", b * BLOCK as i64)],
                            format!("leaf block {b}: its stored root does not match its leaves"),
                        ));
                    }
                }
                for h in hs {
                    f.push(h);
                    leaves.push(h);
                    while let Some(c) = next_cp.peek() {
                        if c.size > f.size() {
                            break;
                        }
                        if c.size == f.size() {
                            if f.root() == c.root {
                                last_good = c.size;
                            } else {
                                r.problem(VerifyProblem::new(
                                    None,
                                    "verify-checkpoint-mismatch",
                                    &[("size", c.size as i64), ("from", last_good as i64), ("to", c.size as i64 - 1)],
                                    format!(
                                        "checkpoint at size {} does not match the log: an event between {} and {} was changed, removed or reordered",
                                        c.size,
                                        last_good,
                                        c.size - 1
                                    ),
                                ));
                            }
                        }
                        next_cp.next();
                    }
                }
                block = b + 1;
            }
        }
        if f.size() != head.size() || f.root() != head.root() {
            r.problem(VerifyProblem::new(
                None,
                "verify-head",
                &[("leaves", f.size() as i64), ("events", head.size() as i64)],
                format!("the stored leaves ({} events) do not rebuild the log's head ({} events)", f.size(), head.size()),
            ));
        }

        // 3. Every stored body hashes to its leaf; every missing one was purged.
        let days: Vec<DayRow> = sqlx::query_as("SELECT day, first_seq, last_seq, purged_at, signature FROM audit_days ORDER BY day")
            .fetch_all(&self.pool)
            .await?;
        let mut expected_first = 0i64;
        for (day, first, last, purged_at, signature) in days {
            if first != expected_first {
                r.problem(VerifyProblem::new(
                    Some(first as u64),
                    "verify-day-range",
                    &[("first", first), ("expected", expected_first)],
                    format!("day {day} starts at event {first}, expected {expected_first}"),
                ));
            }
            expected_first = last + 1;
            if let Some(at) = purged_at {
                let signed = signature.is_some_and(|s| keys.iter().any(|k| k.verify(&purge_text(day, first, last, &at), &s)));
                if !signed {
                    r.problem(VerifyProblem::new(
                        Some(first as u64),
                        "verify-purge-signature",
                        &[("first", first), ("last", last)],
                        format!("day {day} (events {first}..={last}) is marked purged, but the purge record's signature does not verify"),
                    ));
                }
                r.events_purged += (last - first + 1) as u64;
                continue;
            }
            self.verify_day(day, first, last, &leaves, &mut r).await?;
        }
        if expected_first as u64 != head.size() {
            r.problem(VerifyProblem::new(
                Some(expected_first as u64),
                "verify-no-day",
                &[("first", expected_first), ("last", head.size() as i64 - 1)],
                format!("events {expected_first}..{} belong to no day", head.size()),
            ));
        }

        // 4. Events kept under a legal hold.
        let held: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT first_seq, bodies FROM audit_chunks_held ORDER BY first_seq").fetch_all(&self.pool).await?;
        for (seq, bytes) in held {
            r.events_held += 1;
            match unpack(&bytes).filter(|b| b.len() == 1) {
                Some(b) if leaves.get(seq as usize) == Some(&leaf_hash(&b[0])) => {}
                _ => r.problem(VerifyProblem::new(
                    Some(seq as u64),
                    "verify-changed",
                    &[("seq", seq)],
                    format!("held event {seq}: its content differs from its leaf hash"),
                )),
            }
        }
        Ok(r)
    }

    async fn verify_day(&self, day: i64, first: i64, last: i64, leaves: &[Hash], r: &mut VerifyReport) -> Result<()> {
        let mut next = first;
        let mut cursor = i64::MIN;
        loop {
            let rows: Vec<(i64, i64, Vec<u8>)> = sqlx::query_as(&format!(
                "SELECT first_seq, count, bodies FROM {} WHERE first_seq > $1 ORDER BY first_seq LIMIT 2000",
                chunks_table(day)
            ))
            .bind(cursor)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            cursor = rows.last().map(|x| x.0).unwrap_or(cursor);
            let problems: Vec<VerifyProblem> = check_chunks(&rows, &mut next, last, leaves, &mut r.events_checked);
            for p in problems {
                r.problem(p);
            }
        }
        if next <= last {
            r.problem(VerifyProblem::new(
                Some(next as u64),
                "verify-missing",
                &[("first", next), ("last", last)],
                format!("events {next}..={last} of day {day} are missing and were not purged"),
            ));
        }
        Ok(())
    }
}

fn check_chunks(rows: &[(i64, i64, Vec<u8>)], next: &mut i64, last: i64, leaves: &[Hash], checked: &mut u64) -> Vec<VerifyProblem> {
    let mut out = Vec::new();
    for (first_seq, count, bytes) in rows {
        if *first_seq > *next {
            out.push(VerifyProblem::new(
                Some(*next as u64),
                "verify-missing",
                &[("first", *next), ("last", first_seq - 1)],
                format!("events {}..{} are missing and were not purged", next, first_seq - 1),
            ));
        } else if *first_seq < *next {
            out.push(VerifyProblem::new(
                Some(*first_seq as u64),
                "verify-twice",
                &[("seq", *first_seq)],
                format!("event {first_seq} is stored twice or out of order"),
            ));
        }
        let Some(bodies) = unpack(bytes) else {
            out.push(VerifyProblem::new(
                Some(*first_seq as u64),
                "verify-chunk",
                &[("first", *first_seq), ("last", first_seq + count - 1)],
                format!("event {first_seq} and the {} after it: their stored chunk is malformed (changed)", count - 1),
            ));
            *next = (*first_seq + count).max(*next);
            continue;
        };
        if bodies.len() as i64 != *count {
            out.push(VerifyProblem::new(
                Some(*first_seq as u64),
                "verify-chunk",
                &[("first", *first_seq), ("last", first_seq + count - 1)],
                format!("the chunk from event {first_seq} holds {} events, not {count}", bodies.len()),
            ));
        }
        for (i, b) in bodies.iter().enumerate() {
            let seq = first_seq + i as i64;
            *checked += 1;
            if seq > last || seq as usize >= leaves.len() {
                out.push(VerifyProblem::new(
                    Some(seq as u64),
                    "verify-inserted",
                    &[("seq", seq)],
                    format!("event {seq} is not in the tree: it was inserted"),
                ));
            } else if leaf_hash(b) != leaves[seq as usize] {
                let id = audit::event::EventBody::from_bytes(b).map(|e| format!(" (id {})", e.id)).unwrap_or_default();
                out.push(VerifyProblem::new(
                    Some(seq as u64),
                    "verify-changed",
                    &[("seq", seq)],
                    format!("event {seq}{id}: its content differs from its leaf hash (changed, swapped or replaced)"),
                ));
            }
        }
        *next = (*first_seq + bodies.len() as i64).max(*next);
    }
    out
}
