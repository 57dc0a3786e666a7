//! Figures for the dashboard (RPT-1), counted in the database with one statement each.

use crate::{Result, Store};
use domain::time::Date;
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
}

const LIVE: &str = "a.status NOT IN ('terminated', 'disabled')";

impl Store {
    /// RPT-1. `supplier` narrows every figure to one supplier's agreements and requests.
    pub async fn dashboard(&self, supplier: Option<Uuid>, today: Date, until: Date) -> Result<DashboardFigures> {
        let s = supplier.map(|u| u.to_string());
        // The supplier is always the last parameter, and only there when narrowing.
        let own = |n: u8| if s.is_some() { format!("AND o.supplier_id = ${n}") } else { String::new() };
        let req_own = |n: u8| if s.is_some() { format!("AND supplier_id = ${n}") } else { String::new() };

        let sql = format!(
            "SELECT sup.body, sys.body, COUNT(*) FROM accounts a \
             LEFT JOIN registry_owners o ON o.entry_id = a.agreement_id \
             LEFT JOIN registry_entries sup ON sup.id = o.supplier_id \
             JOIN registry_entries sys ON sys.id = a.system_id \
             WHERE {LIVE} {} GROUP BY sup.body, sys.body",
            own(1)
        );
        let mut q = sqlx::query_as::<_, (Option<String>, String, i64)>(&sql);
        if let Some(x) = &s {
            q = q.bind(x.clone());
        }
        let accounts = q.fetch_all(&self.pool).await?;
        let name = |body: &str| serde_json::from_str::<serde_json::Value>(body).ok().and_then(|v| v["name"].as_str().map(str::to_string));
        let mut accounts: Vec<(String, String, u64)> = accounts
            .into_iter()
            .map(|(sup, sys, n)| (sup.as_deref().and_then(name).unwrap_or_default(), name(&sys).unwrap_or_default(), n as u64))
            .collect();
        accounts.sort();

        let sql = format!(
            "SELECT state, COUNT(*) FROM requests WHERE state IN ('submitted', 'department_approved') {} GROUP BY state ORDER BY state",
            req_own(1)
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(&sql);
        if let Some(x) = &s {
            q = q.bind(x.clone());
        }
        let waiting = q.fetch_all(&self.pool).await?;

        let sql = format!(
            "SELECT COUNT(*) FROM requests WHERE state IN ('submitted', 'department_approved') AND wanted_start < $1 {}",
            req_own(2)
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(today.to_string());
        if let Some(x) = &s {
            q = q.bind(x.clone());
        }
        let overdue = q.fetch_one(&self.pool).await?;

        let sql = format!(
            "SELECT a.valid_to, COUNT(*) FROM accounts a LEFT JOIN registry_owners o ON o.entry_id = a.agreement_id \
             WHERE {LIVE} AND a.valid_to >= $1 AND a.valid_to <= $2 {} GROUP BY a.valid_to ORDER BY a.valid_to",
            own(3)
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(&sql).bind(today.to_string()).bind(until.to_string());
        if let Some(x) = &s {
            q = q.bind(x.clone());
        }
        let expiring = q.fetch_all(&self.pool).await?;

        let sql = format!(
            "SELECT COUNT(*) FROM accounts a LEFT JOIN registry_owners o ON o.entry_id = a.agreement_id \
             WHERE a.kind = 'emergency' AND a.signed_off_at IS NULL AND {LIVE} {}",
            own(1)
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        if let Some(x) = &s {
            q = q.bind(x.clone());
        }
        let open_signoffs = q.fetch_one(&self.pool).await?;

        Ok(DashboardFigures {
            accounts,
            waiting: waiting.into_iter().map(|(st, n)| (st, n as u64)).collect(),
            overdue: overdue as u64,
            expiring: expiring.into_iter().map(|(d, n)| Ok((crate::sql::date(&d)?, n as u64))).collect::<Result<_>>()?,
            open_signoffs: open_signoffs as u64,
        })
    }
}
