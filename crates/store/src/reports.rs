//! Figures for the dashboard (RPT-1), counted in the database with one statement each.

use crate::sql::{Arg, Where, args};
use crate::{Result, Store};
use domain::time::{Date, Timestamp};
use std::collections::HashMap;
use uuid::Uuid;

/// The dashboard's figures, for the whole municipality or one supplier.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DashboardFigures {
    /// Live accounts (not ended) per (supplier name, system name); accounts outside an
    /// agreement count under an empty supplier name.
    pub accounts: Vec<(String, String, u64)>,
    /// Open requests per state (`submitted`, `department_approved`).
    pub waiting: Vec<(String, u64)>,
    /// Open requests whose wanted start has passed.
    pub overdue: u64,
    /// Live accounts ending within the window, per day.
    pub expiring: Vec<(Date, u64)>,
    /// Temporary accounts without the coordinator's sign-off.
    pub open_signoffs: u64,
    /// The last twelve months, oldest first: (month `YYYY-MM`, accounts opened, accounts
    /// closed, requests made).
    pub months: Vec<(String, u64, u64, u64)>,
}

const LIVE: &str = "a.status NOT IN ('terminated', 'disabled')";

/// Whose figures the dashboard counts: everything, one supplier's, or one department's
/// (made for it, or under one of its agreements) — as the lists the figures open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DashboardScope {
    pub supplier: Option<Uuid>,
    pub department: Option<Uuid>,
    pub agreements: Vec<Uuid>,
}

impl DashboardScope {
    /// The accounts condition (`a` joined with its agreement's owner `o`).
    fn accounts(&self, w: &mut Where) {
        if let Some(sup) = self.supplier {
            let p = w.arg(Arg::Text(sup.to_string()));
            w.and(format!("o.supplier_id = {p}"));
        }
        if let Some(dep) = self.department {
            let p = w.arg(Arg::Text(dep.to_string()));
            let mut cond = format!("a.department_id = {p}");
            if !self.agreements.is_empty() {
                let list: Vec<String> = self.agreements.iter().map(|x| w.arg(Arg::Text(x.to_string()))).collect();
                cond = format!("({cond} OR a.agreement_id IN ({}))", list.join(", "));
            }
            w.and(cond);
        }
    }
    /// The requests condition.
    fn requests(&self, w: &mut Where) {
        for (col, v) in [("supplier_id", self.supplier), ("department_id", self.department)] {
            if let Some(v) = v {
                let p = w.arg(Arg::Text(v.to_string()));
                w.and(format!("{col} = {p}"));
            }
        }
    }
}

const ACCOUNTS: &str = "accounts a LEFT JOIN registry_owners o ON o.entry_id = a.agreement_id";
const WAITING: &str = "state IN ('submitted', 'department_approved')";

impl Store {
    /// RPT-1: every figure narrowed to `scope`; `months` are the trend's months
    /// (`YYYY-MM`, oldest first).
    pub async fn dashboard(&self, scope: &DashboardScope, today: Date, until: Date, months: &[String]) -> Result<DashboardFigures> {
        let name = |body: &str| serde_json::from_str::<serde_json::Value>(body).ok().and_then(|v| v["name"].as_str().map(str::to_string));

        let mut w = Where::default();
        w.and(LIVE.to_string());
        scope.accounts(&mut w);
        let sql = format!(
            "SELECT sup.body, sys.body, COUNT(*) FROM {ACCOUNTS} LEFT JOIN registry_entries sup ON sup.id = o.supplier_id \
             JOIN registry_entries sys ON sys.id = a.system_id{} GROUP BY sup.body, sys.body",
            w.sql()
        );
        let rows: Vec<(Option<String>, String, i64)> = sqlx::query_as_with(&sql, args(&w.args)).fetch_all(&self.pool).await?;
        let mut accounts: Vec<(String, String, u64)> = rows
            .into_iter()
            .map(|(sup, sys, n)| (sup.as_deref().and_then(name).unwrap_or_default(), name(&sys).unwrap_or_default(), n as u64))
            .collect();
        accounts.sort();

        let mut w = Where::default();
        w.and(WAITING.to_string());
        scope.requests(&mut w);
        let sql = format!("SELECT state, COUNT(*) FROM requests{} GROUP BY state ORDER BY state", w.sql());
        let waiting: Vec<(String, i64)> = sqlx::query_as_with(&sql, args(&w.args)).fetch_all(&self.pool).await?;

        let mut w = Where::default();
        w.and(WAITING.to_string());
        let p = w.arg(Arg::Text(today.to_string()));
        w.and(format!("wanted_start < {p}"));
        scope.requests(&mut w);
        let sql = format!("SELECT COUNT(*) FROM requests{}", w.sql());
        let overdue: i64 = sqlx::query_scalar_with(&sql, args(&w.args)).fetch_one(&self.pool).await?;

        let mut w = Where::default();
        w.and(LIVE.to_string());
        let (from, to) = (w.arg(Arg::Text(today.to_string())), w.arg(Arg::Text(until.to_string())));
        w.and(format!("a.valid_to >= {from} AND a.valid_to <= {to}"));
        scope.accounts(&mut w);
        let sql = format!("SELECT a.valid_to, COUNT(*) FROM {ACCOUNTS}{} GROUP BY a.valid_to ORDER BY a.valid_to", w.sql());
        let expiring: Vec<(String, i64)> = sqlx::query_as_with(&sql, args(&w.args)).fetch_all(&self.pool).await?;

        let mut w = Where::default();
        w.and(format!("a.kind = 'emergency' AND a.signed_off_at IS NULL AND {LIVE}"));
        scope.accounts(&mut w);
        let sql = format!("SELECT COUNT(*) FROM {ACCOUNTS}{}", w.sql());
        let open_signoffs: i64 = sqlx::query_scalar_with(&sql, args(&w.args)).fetch_one(&self.pool).await?;

        // Per month, from the first of the twelve: accounts opened and closed, requests made.
        let first = months.first().cloned().unwrap_or_default();
        let per_month = |rows: Vec<(String, i64)>| -> HashMap<String, u64> { rows.into_iter().map(|(m, n)| (m, n as u64)).collect() };
        let mut counted = Vec::new();
        for column in ["a.created_at", "a.disabled_at"] {
            let mut w = Where::default();
            let p = w.arg(Arg::Text(first.clone()));
            w.and(format!("{column} >= {p}"));
            scope.accounts(&mut w);
            let sql = format!("SELECT substr({column}, 1, 7), COUNT(*) FROM {ACCOUNTS}{} GROUP BY substr({column}, 1, 7)", w.sql());
            counted.push(per_month(sqlx::query_as_with(&sql, args(&w.args)).fetch_all(&self.pool).await?));
        }
        let mut w = Where::default();
        let p = w.arg(Arg::Text(first));
        w.and(format!("created_at >= {p}"));
        scope.requests(&mut w);
        let sql = format!("SELECT substr(created_at, 1, 7), COUNT(*) FROM requests{} GROUP BY substr(created_at, 1, 7)", w.sql());
        let requested = per_month(sqlx::query_as_with(&sql, args(&w.args)).fetch_all(&self.pool).await?);
        let n = |m: &HashMap<String, u64>, k: &str| m.get(k).copied().unwrap_or(0);
        let months = months.iter().map(|m| (m.clone(), n(&counted[0], m), n(&counted[1], m), n(&requested, m))).collect();

        Ok(DashboardFigures {
            months,
            accounts,
            waiting: waiting.into_iter().map(|(st, n)| (st, n as u64)).collect(),
            overdue: overdue as u64,
            expiring: expiring.into_iter().map(|(d, n)| Ok((crate::sql::date(&d)?, n as u64))).collect::<Result<_>>()?,
            open_signoffs: open_signoffs as u64,
        })
    }
}

impl Store {
    /// EMG-2: live temp accounts not yet signed off, optionally of one unit, and how many
    /// of them are past their sign-off deadline; and the temps (persons) they belong to,
    /// since a unit's leader signs off a temp with all of their accounts at once.
    pub async fn emergency_unsigned(&self, unit: Option<Uuid>, now: Timestamp) -> Result<(u64, u64, u64)> {
        let own = if unit.is_some() { "AND a.department_id = $2" } else { "" };
        let sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.signoff_due < $1 THEN 1 ELSE 0 END), 0), COUNT(DISTINCT a.person_id) FROM accounts a \
             WHERE a.kind = 'emergency' AND a.signed_off_at IS NULL AND {LIVE} {own}"
        );
        let mut q = sqlx::query_as::<_, (i64, i64, i64)>(&sql).bind(now.to_string());
        if let Some(u) = unit {
            q = q.bind(u.to_string());
        }
        let (all, overdue, temps) = q.fetch_one(&self.pool).await?;
        Ok((all as u64, overdue as u64, temps as u64))
    }

    /// PRV-1: open manual tasks, and how many of them were created before `before`.
    pub async fn open_tasks_older(&self, before: Timestamp) -> Result<(u64, u64)> {
        let (all, old): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN created_at < $1 THEN 1 ELSE 0 END), 0) FROM manual_tasks WHERE state = 'open'",
        )
        .bind(before.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok((all as u64, old as u64))
    }
}
