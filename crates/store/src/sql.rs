//! A small builder for queries with optional filters and numbered parameters.

use sqlx::Arguments;
use sqlx::any::AnyArguments;

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
}

#[derive(Debug, Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    pub(crate) args: Vec<Arg>,
    /// How many rows the one condition of a search matches at least, when known from its
    /// index (`search::Store::contains`).
    pub(crate) matched_at_least: Option<u64>,
}

impl Where {
    /// Adds an argument and returns its placeholder (`$3`).
    pub(crate) fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }
    pub(crate) fn and(&mut self, clause: String) {
        self.clauses.push(clause);
    }
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!(" WHERE {}", self.clauses.join(" AND ")) }
    }
}

/// The arguments for `sqlx::query_with` and friends.
pub(crate) fn args(args: &[Arg]) -> AnyArguments<'static> {
    let mut out = AnyArguments::default();
    for a in args {
        // Adding a plain String or i64 to AnyArguments cannot fail.
        let _ = match a {
            Arg::Text(s) => out.add(s.clone()),
            Arg::Int(i) => out.add(*i),
        };
    }
    out
}

/// The values of `expr` over a subquery's rows as one text joined by commas: each engine
/// has its own name for the aggregate.
pub(crate) fn joined(backend: Backend, expr: &str) -> String {
    match backend {
        Backend::Sqlite => format!("group_concat({expr}, ',')"),
        Backend::Postgres => format!("string_agg({expr}, ',')"),
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_contains(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

// Conversions of stored text back into domain values; a value that does not parse is
// reported as corrupt data rather than a panic.

use crate::{Backend, Result, StoreError};
use domain::time::{Date, Timestamp};
use uuid::Uuid;

pub(crate) fn uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| StoreError::Corrupt(format!("bad id {s}")))
}

pub(crate) fn opt_uuid(s: Option<String>) -> Result<Option<Uuid>> {
    s.map(|s| uuid(&s)).transpose()
}

pub(crate) fn ts(s: &str) -> Result<Timestamp> {
    Timestamp::parse(s).map_err(|_| StoreError::Corrupt(format!("bad timestamp {s}")))
}

pub(crate) fn opt_ts(s: Option<String>) -> Result<Option<Timestamp>> {
    s.map(|s| ts(&s)).transpose()
}

pub(crate) fn date(s: &str) -> Result<Date> {
    Date::parse(s).map_err(|_| StoreError::Corrupt(format!("bad date {s}")))
}

/// `($1, $2, …), ($n+1, …)` for a multi-row INSERT of `rows` rows of `cols` columns.
pub(crate) fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", (1..=cols).map(|c| format!("${}", r * cols + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A page of rows and how many match — counted only up to `cap` (and one more, to tell
/// "more than `cap`") when a full count of a large search would cost more than the page.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn fetch_page_capped(
    pool: &sqlx::AnyPool,
    columns: &str,
    table: &str,
    w: &Where,
    order: &str,
    limit: u32,
    offset: u64,
    cap: Option<u64>,
) -> Result<(Vec<sqlx::any::AnyRow>, u64)> {
    let count_sql = match cap {
        Some(c) => format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table}{} LIMIT {}) capped", w.sql(), c + 1),
        None => format!("SELECT COUNT(*) FROM {table}{}", w.sql()),
    };
    let total: i64 = match (cap, w.matched_at_least) {
        // A search that is the list's only condition and matches more than the cap.
        (Some(c), Some(n)) if w.clauses.len() == 1 && n > c => i64::try_from(c + 1).unwrap_or(i64::MAX),
        _ => sqlx::query_scalar_with(&count_sql, args(&w.args)).fetch_one(pool).await?,
    };
    let mut a = w.args.clone();
    a.push(Arg::Int(i64::from(limit)));
    a.push(Arg::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
    let n = a.len();
    let sql = format!("SELECT {columns} FROM {table}{} ORDER BY {order} LIMIT ${} OFFSET ${}", w.sql(), n - 1, n);
    let rows = sqlx::query_with(&sql, args(&a)).fetch_all(pool).await?;
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}
